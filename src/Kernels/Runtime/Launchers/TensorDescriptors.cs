using System.Runtime.InteropServices;

namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>Mirror of tensor_ops.cu's CopyDesc6: sizes and source/destination element strides, outermost first (144 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct CopyDesc6
{
    public const int MaxRank = 6;
    public fixed long Size[6];
    public fixed long Src[6];
    public fixed long Dst[6];

    /// <summary>Left-pads a rank-0..6 index space with size-1 dimensions.</summary>
    public static CopyDesc6 Create(ReadOnlySpan<long> sizes, ReadOnlySpan<long> src, ReadOnlySpan<long> dst)
    {
        Descriptors.CheckRank(sizes.Length, src.Length, dst.Length);
        var d = new CopyDesc6();
        var pad = MaxRank - sizes.Length;
        for (var i = 0; i < MaxRank; i++)
        {
            d.Size[i] = i < pad ? 1 : sizes[i - pad];
            d.Src[i] = i < pad ? 0 : src[i - pad];
            d.Dst[i] = i < pad ? 0 : dst[i - pad];
        }
        return d;
    }
}

/// <summary>Mirror of tensor_ops.cu's BinaryDesc6: output sizes and each operand's strides (0 = broadcast), 144 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct BinaryDesc6
{
    public fixed long Size[6];
    public fixed long A[6];
    public fixed long B[6];

    public static BinaryDesc6 Create(ReadOnlySpan<long> sizes, ReadOnlySpan<long> a, ReadOnlySpan<long> b)
    {
        Descriptors.CheckRank(sizes.Length, a.Length, b.Length);
        var d = new BinaryDesc6();
        var pad = CopyDesc6.MaxRank - sizes.Length;
        for (var i = 0; i < CopyDesc6.MaxRank; i++)
        {
            d.Size[i] = i < pad ? 1 : sizes[i - pad];
            d.A[i] = i < pad ? 0 : a[i - pad];
            d.B[i] = i < pad ? 0 : b[i - pad];
        }
        return d;
    }
}

/// <summary>Mirror of reduce.cu's SegmentDesc6: the output and the reduced index spaces with their source strides (192 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct SegmentDesc6
{
    public fixed long OutSize[6];
    public fixed long OutStride[6];
    public fixed long RedSize[6];
    public fixed long RedStride[6];

    public static SegmentDesc6 Create(ReadOnlySpan<long> outSizes, ReadOnlySpan<long> outStrides,
                                      ReadOnlySpan<long> reducedSizes, ReadOnlySpan<long> reducedStrides)
    {
        Descriptors.CheckRank(outSizes.Length, outStrides.Length, outStrides.Length);
        Descriptors.CheckRank(reducedSizes.Length, reducedStrides.Length, reducedStrides.Length);
        var d = new SegmentDesc6();
        int po = CopyDesc6.MaxRank - outSizes.Length, pr = CopyDesc6.MaxRank - reducedSizes.Length;
        for (var i = 0; i < CopyDesc6.MaxRank; i++)
        {
            d.OutSize[i] = i < po ? 1 : outSizes[i - po];
            d.OutStride[i] = i < po ? 0 : outStrides[i - po];
            d.RedSize[i] = i < pr ? 1 : reducedSizes[i - pr];
            d.RedStride[i] = i < pr ? 0 : reducedStrides[i - pr];
        }
        return d;
    }

    public readonly long Outputs => OutSize[0] * OutSize[1] * OutSize[2] * OutSize[3] * OutSize[4] * OutSize[5];
    public readonly long Reduced => RedSize[0] * RedSize[1] * RedSize[2] * RedSize[3] * RedSize[4] * RedSize[5];
}

internal static class Descriptors
{
    public static void CheckRank(int rank, int first, int second)
    {
        if (rank > CopyDesc6.MaxRank)
            throw new ArgumentException($"At most {CopyDesc6.MaxRank} dimensions (after merging contiguous ones); got {rank}.");
        if (first != rank || second != rank)
            throw new ArgumentException($"Stride arrays have {first} and {second} entries but the shape has {rank} dimensions.");
    }
}
