using System.Numerics;
using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Emulator;

/// <summary>
/// cuBLAS routed to the CPU (engine guide §9.4): row-major C = alpha·op(A)·op(B) + beta·C, strided
/// batched, on emulator device memory (host addresses). Operand extents are checked against the live
/// allocations first, so a wrong lda, stride or swapped m/n fails here as it would corrupt memory on a
/// GPU. beta = 0 never reads C (as cuBLAS), which matters because fresh buffers hold NaN.
/// </summary>
internal sealed unsafe class EmulatorBlas(EmulatorDriver driver) : IDeviceBlas
{
    /// <summary>
    /// cuBLAS's CUBLAS_COMPUTE_32F_FAST_TF32 / _FAST_16BF on the CPU: A and B are rounded to TF32 (10 mantissa bits) or
    /// bfloat16 (7), to nearest even, before the fp32 product, so runs with tensor-core math on the emulator show its
    /// numerics (cuBLAS's accumulation order is not specified, and with FAST_16BF it may choose TF32 kernels; the
    /// rounding of the inputs is what moves results, and the emulator takes the coarser one).
    /// </summary>
    public GemmMath Math { get; set; }

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
                      ulong a, int lda, long strideA,
                      ulong b, int ldb, long strideB,
                      float beta, ulong c, int ldc, long strideC, int batchCount = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchCount);
        // Row-major storage: A is m×k (k×m when transposed), B is k×n (n×k), C is m×n.
        int aRows = transA ? k : m, aCols = transA ? m : k, bRows = transB ? n : k, bCols = transB ? k : n;
        if (lda < System.Math.Max(1, aCols)) throw new ArgumentOutOfRangeException(nameof(lda), lda, $"lda must be at least {aCols} (columns of A as stored, transA={transA}).");
        if (ldb < System.Math.Max(1, bCols)) throw new ArgumentOutOfRangeException(nameof(ldb), ldb, $"ldb must be at least {bCols} (columns of B as stored, transB={transB}).");
        if (ldc < System.Math.Max(1, n)) throw new ArgumentOutOfRangeException(nameof(ldc), ldc, $"ldc must be at least n = {n}.");
        if (batchCount > 1 && (strideA < 0 || strideB < 0 || strideC < 0))
            throw new ArgumentOutOfRangeException(nameof(batchCount), "Batch strides must be non-negative.");
        if (m == 0 || n == 0) return;
        if (batchCount > 1 && strideC < (long)(m - 1) * ldc + n)
            throw new ArgumentOutOfRangeException(nameof(strideC), strideC, "strideC is smaller than one C matrix, so batches would overlap.");

        if (k > 0 && alpha != 0)
        {
            driver.CheckRange(a, Extent(aRows, aCols, lda, strideA, batchCount), "Sgemm operand A");
            driver.CheckRange(b, Extent(bRows, bCols, ldb, strideB, batchCount), "Sgemm operand B");
        }
        driver.CheckRange(c, Extent(m, n, ldc, strideC, batchCount), "Sgemm operand C");
        driver.Synchronize();

        float[]? roundedA = null, roundedB = null;
        if (Math != GemmMath.Float32 && k > 0 && alpha != 0)
        {
            int dropped = Math == GemmMath.Tf32 ? 13 : 16; // mantissa bits cleared: TF32 keeps 10, bfloat16 7
            roundedA = Rounded((float*)a, Extent(aRows, aCols, lda, strideA, batchCount) / 4, dropped);
            roundedB = Rounded((float*)b, Extent(bRows, bCols, ldb, strideB, batchCount) / 4, dropped);
        }
        fixed (float* ra = roundedA, rb = roundedB)
        {
            if (ra != null) { a = (ulong)ra; b = (ulong)rb; }
            for (int batch = 0; batch < batchCount; ++batch)
            {
                Gemm(transA, transB, m, n, k, alpha,
                     (float*)a + batch * strideA, lda,
                     (float*)b + batch * strideB, ldb,
                     beta, (float*)c + batch * strideC, ldc);
            }
        }
    }

    /// <summary>A copy of <paramref name="count"/> floats with the low <paramref name="dropped"/> mantissa bits rounded
    /// away (nearest, ties to even: 13 for TF32, 16 for bfloat16); ±∞ and NaN kept, overflow rounds to ±∞.</summary>
    private static float[] Rounded(float* source, long count, int dropped)
    {
        var copy = new float[count];
        for (long i = 0; i < count; i++) copy[i] = RoundMantissa(source[i], dropped);
        return copy;
    }

    private static float RoundMantissa(float x, int dropped)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        if ((bits & 0x7F800000u) == 0x7F800000u) return x;
        uint half = (1u << (dropped - 1)) - 1u, mask = (1u << dropped) - 1u;
        bits = (bits + half + ((bits >> dropped) & 1u)) & ~mask;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    private static long Extent(int rows, int cols, int ld, long stride, int batches) =>
        rows == 0 || cols == 0 ? 0 : 4L * ((batches - 1) * stride + (long)(rows - 1) * ld + cols);

    /// <summary>
    /// One row-major fp32 GEMM. The inner loops run along contiguous rows (axpy over rows of B, or dot
    /// products with rows of B when it is transposed), vectorised with <see cref="Vector{T}"/>; rows of C
    /// are independent and spread over the processors when the product is large. This is the single place
    /// a faster CPU GEMM plugs in.
    /// </summary>
    private static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
                             float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
    {
        long work = (long)m * n * k;
        if (work < 1 << 20 || m == 1)
        {
            float[] scratch = new float[n + k];
            for (int i = 0; i < m; ++i) GemmRow(transA, transB, n, k, alpha, a, lda, b, ldb, beta, c, ldc, i, scratch);
            return;
        }
        nint pa = (nint)a, pb = (nint)b, pc = (nint)c;
        Parallel.For(0, m, () => new float[n + k],
            (i, _, scratch) => { GemmRow(transA, transB, n, k, alpha, (float*)pa, lda, (float*)pb, ldb, beta, (float*)pc, ldc, i, scratch); return scratch; },
            _ => { });
    }

    private static void GemmRow(bool transA, bool transB, int n, int k, float alpha, float* a, int lda,
                                float* b, int ldb, float beta, float* c, int ldc, int i, float[] scratch)
    {
        fixed (float* s = scratch)
        {
            float* acc = s, aRow = s + n;
            // Row i of op(A), gathered contiguously.
            for (int p = 0; p < k; ++p) aRow[p] = transA ? a[(long)p * lda + i] : a[(long)i * lda + p];
            if (transB)
            {
                for (int j = 0; j < n; ++j) acc[j] = Dot(aRow, b + (long)j * ldb, k);
            }
            else
            {
                new Span<float>(acc, n).Clear();
                for (int p = 0; p < k; ++p) Axpy(aRow[p], b + (long)p * ldb, acc, n);
            }
            float* cRow = c + (long)i * ldc;
            if (beta == 0f) for (int j = 0; j < n; ++j) cRow[j] = alpha * acc[j];
            else for (int j = 0; j < n; ++j) cRow[j] = alpha * acc[j] + beta * cRow[j];
        }
    }

    private static float Dot(float* x, float* y, int len)
    {
        int j = 0;
        var sum = Vector<float>.Zero;
        for (; j <= len - Vector<float>.Count; j += Vector<float>.Count)
            sum += Vector.Load(x + j) * Vector.Load(y + j);
        float total = Vector.Sum(sum);
        for (; j < len; ++j) total += x[j] * y[j];
        return total;
    }

    private static void Axpy(float s, float* x, float* y, int len)
    {
        int j = 0;
        var vs = new Vector<float>(s);
        for (; j <= len - Vector<float>.Count; j += Vector<float>.Count)
            (Vector.Load(y + j) + vs * Vector.Load(x + j)).Store(y + j);
        for (; j < len; ++j) y[j] += s * x[j];
    }
}
