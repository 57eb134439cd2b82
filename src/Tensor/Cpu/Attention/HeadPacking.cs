using System.Numerics;

namespace DyTox.Tensor.Cpu.Attention;

/// <summary>
/// Moves one head's [rows, d] slice between the strided [.., rows, D] layout of the projections and small
/// contiguous scratch blocks whose rows are padded to whole SIMD registers (the layout <see cref="PackedGemm{T,TVec,TOps}"/>
/// streams). Padding is zero-filled so the padded output columns stay finite.
/// </summary>
internal static unsafe class HeadPacking
{
    /// <summary>dst[r, 0..cols) = src[r·srcRow + c]; dst[r, cols..ld) = 0.</summary>
    public static void PackRows<T>(T* src, nint srcRow, int rows, int cols, T* dst, int ld) where T : unmanaged, INumberBase<T>
    {
        for (int r = 0; r < rows; r++)
        {
            new ReadOnlySpan<T>(src + r * srcRow, cols).CopyTo(new Span<T>(dst + (nint)r * ld, cols));
            new Span<T>(dst + (nint)r * ld + cols, ld - cols).Clear();
        }
    }

    /// <summary>dst[c, r] = src[r·srcRow + c] for c &lt; cols, r &lt; rows; dst[c, rows..ld) = 0.</summary>
    public static void PackTransposed<T>(T* src, nint srcRow, int rows, int cols, T* dst, int ld) where T : unmanaged, INumberBase<T>
    {
        for (int c = 0; c < cols; c++) new Span<T>(dst + (nint)c * ld + rows, ld - rows).Clear();
        for (int r = 0; r < rows; r++)
        {
            T* s = src + r * srcRow;
            for (int c = 0; c < cols; c++) dst[(nint)c * ld + r] = s[c];
        }
    }

    /// <summary>dst[r·dstRow + c] = src[r, c] for c &lt; cols (drops the padding).</summary>
    public static void UnpackRows<T>(T* src, int ld, int rows, int cols, T* dst, nint dstRow) where T : unmanaged
    {
        for (int r = 0; r < rows; r++)
            new ReadOnlySpan<T>(src + (nint)r * ld, cols).CopyTo(new Span<T>(dst + r * dstRow, cols));
    }

    /// <summary>
    /// A [rows, cols] operand whose rows <see cref="PackedGemm{T,TVec,TOps}"/> streams as whole registers: when cols is a
    /// whole number of registers the strided source itself qualifies (no copy, leading dimension srcRow);
    /// otherwise it is packed into <paramref name="scratch"/> with zero padding (leading dimension ld).
    /// </summary>
    public static T* RowOperand<T>(T* src, nint srcRow, int rows, int cols, T* scratch, int ld, out nint leading)
        where T : unmanaged, INumberBase<T>
    {
        if (cols == ld)
        {
            leading = srcRow;
            return src;
        }
        PackRows(src, srcRow, rows, cols, scratch, ld);
        leading = ld;
        return scratch;
    }

    /// <summary>n rounded up to a multiple of the register width.</summary>
    public static int Padded(int n, int width) => (n + width - 1) / width * width;
}
