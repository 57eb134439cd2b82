using DyTox.Kernels.Runtime.Launchers;
using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

// Host transfers, fill, strided copy and casts.
public sealed unsafe partial class CudaBackend
{
    public void CopyFromHost(ReadOnlySpan<byte> source, Tensor destination)
    {
        RequireContiguous(destination, "CopyFromHost", nameof(destination));
        long bytes = destination.Numel * destination.DType.Size();
        if (source.Length != bytes)
            throw new ArgumentException($"CopyFromHost: {source.Length} bytes given for {destination.Describe()}, which needs {bytes}.");
        if (bytes == 0) return;
        fixed (byte* p = source) _driver.CopyHostToDevice(destination.Address, p, bytes);
    }

    public void CopyToHost(Tensor source, Span<byte> destination)
    {
        RequireContiguous(source, "CopyToHost", nameof(source));
        long bytes = source.Numel * source.DType.Size();
        if (destination.Length != bytes)
            throw new ArgumentException($"CopyToHost: a {destination.Length}-byte buffer for {source.Describe()}, which has {bytes}.");
        if (bytes == 0) return;
        fixed (byte* p = destination) _driver.CopyDeviceToHost(p, source.Address, bytes);
    }

    public void Fill(Tensor destination, double value)
    {
        RequireContiguous(destination, "Fill", nameof(destination));
        uint bits = destination.DType switch
        {
            DType.Float32 => BitConverter.SingleToUInt32Bits((float)value),
            DType.Int32 => unchecked((uint)checked((int)value)),
            _ => throw new NotSupportedException($"Fill: destination is {destination.DType}; {Float64Message}."),
        };
        _ops.Fill(destination.Address, destination.Numel, bits);
    }

    public void Copy(Tensor source, Tensor destination)
    {
        RequireDevice(source, "Copy", nameof(source));
        RequireDevice(destination, "Copy", nameof(destination));
        if (source.DType != destination.DType) throw new ArgumentException($"Copy: dtypes differ ({source.DType} vs {destination.DType}).");
        if (source.DType == DType.Float64) throw new NotSupportedException($"Copy: source is Float64; {Float64Message}.");
        if (!source.Shape.SequenceEqual(destination.Shape))
            throw new ArgumentException($"Copy: source {source.Describe()} and destination {destination.Describe()} differ in shape.");
        long n = source.Numel;
        if (n == 0) return;
        if (source.IsContiguous && destination.IsContiguous)
        {
            if (source.Address != destination.Address) _driver.CopyDeviceToDevice(destination.Address, source.Address, n * 4);
            return;
        }
        int rank = source.Rank;
        Span<long> sizes = stackalloc long[rank], src = stackalloc long[rank], dst = stackalloc long[rank], none = stackalloc long[rank];
        for (int i = 0; i < rank; i++)
        {
            sizes[i] = source.Shape[i];
            src[i] = source.Strides[i];
            dst[i] = destination.Strides[i];
        }
        none.Clear();
        rank = StridedLayout.Merge(sizes, src, dst, none);
        if (rank > CopyDesc6.MaxRank)
            throw new NotSupportedException($"Copy: {source.Describe()} needs {rank} strided dimensions after merging; the CUDA copy kernel takes at most {CopyDesc6.MaxRank}.");
        var desc = CopyDesc6.Create(sizes[..rank], src[..rank], dst[..rank]);
        _ops.StridedCopy(destination.Address, source.Address, desc, n);
    }

    public void Cast(Tensor source, Tensor destination)
    {
        RequireContiguous(source, "Cast", nameof(source));
        RequireContiguous(destination, "Cast", nameof(destination));
        if (!source.Shape.SequenceEqual(destination.Shape))
            throw new ArgumentException($"Cast: source {source.Describe()} and destination {destination.Describe()} differ in shape.");
        if (source.DType == DType.Float64 || destination.DType == DType.Float64)
            throw new NotSupportedException($"Cast: {source.DType} to {destination.DType}; {Float64Message}.");
        if (source.DType == destination.DType)
        {
            Copy(source, destination);
            return;
        }
        if (source.DType == DType.Int32) _ops.CastInt32ToFloat32(destination.Address, source.Address, source.Numel);
        else _ops.CastFloat32ToInt32(destination.Address, source.Address, source.Numel);
    }
}
