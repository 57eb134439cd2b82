using System.Runtime.InteropServices;

namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>Mirror of elementwise.cu's StridedDesc4: a view of up to 4 dims, outermost first (64 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct StridedDesc4
{
    public fixed long Size[4];
    public fixed long Stride[4];

    /// <summary>Left-pads a rank-1..4 shape with size-1 dimensions.</summary>
    public static StridedDesc4 Create(ReadOnlySpan<long> sizes, ReadOnlySpan<long> strides)
    {
        ShapeChecks.Rank(sizes, strides.Length, nameof(strides));
        var d = new StridedDesc4();
        var pad = 4 - sizes.Length;
        for (var i = 0; i < 4; i++)
        {
            d.Size[i] = i < pad ? 1 : sizes[i - pad];
            d.Stride[i] = i < pad ? 0 : strides[i - pad];
        }
        return d;
    }

    public readonly long Count => Size[0] * Size[1] * Size[2] * Size[3];
}

/// <summary>Mirror of elementwise.cu's BroadcastDesc4: output sizes and each operand's strides (0 = broadcast), 96 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct BroadcastDesc4
{
    public fixed long Size[4];
    public fixed long AStride[4];
    public fixed long BStride[4];

    public static BroadcastDesc4 Create(ReadOnlySpan<long> outSizes, ReadOnlySpan<long> aStrides, ReadOnlySpan<long> bStrides)
    {
        ShapeChecks.Rank(outSizes, aStrides.Length, nameof(aStrides));
        ShapeChecks.Rank(outSizes, bStrides.Length, nameof(bStrides));
        var d = new BroadcastDesc4();
        var pad = 4 - outSizes.Length;
        for (var i = 0; i < 4; i++)
        {
            d.Size[i] = i < pad ? 1 : outSizes[i - pad];
            d.AStride[i] = i < pad ? 0 : aStrides[i - pad];
            d.BStride[i] = i < pad ? 0 : bStrides[i - pad];
        }
        return d;
    }

    public readonly long Count => Size[0] * Size[1] * Size[2] * Size[3];
}

internal static class ShapeChecks
{
    public static void Rank(ReadOnlySpan<long> sizes, int stridesLength, string stridesName)
    {
        if (sizes.Length is < 1 or > 4)
            throw new ArgumentException($"Expected 1 to 4 dimensions, got {sizes.Length}.", nameof(sizes));
        if (stridesLength != sizes.Length)
            throw new ArgumentException($"{stridesName} has {stridesLength} entries but the shape has {sizes.Length} dimensions.", stridesName);
        foreach (var s in sizes)
            if (s <= 0) throw new ArgumentException($"Every dimension must be positive; got [{string.Join(", ", sizes.ToArray())}].", nameof(sizes));
    }

    public static void Positive(long value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
    }

    public static void Pointer(ulong ptr, string name)
    {
        if (ptr == 0) throw new ArgumentNullException(name, $"Device pointer {name} is null.");
    }
}
