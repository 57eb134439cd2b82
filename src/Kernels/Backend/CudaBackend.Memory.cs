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

    /// <summary>From another CUDA backend's memory (another GPU, or another driver of this one), device to device.</summary>
    public bool TryCopyFromPeer(Tensor source, Tensor destination)
    {
        if (source.Backend is not CudaBackend peer || ReferenceEquals(peer, this)) return false;
        RequireContiguous(source, "TryCopyFromPeer", nameof(source));
        RequireContiguous(destination, "TryCopyFromPeer", nameof(destination));
        if (source.DType != destination.DType || source.Numel != destination.Numel)
            throw new ArgumentException($"TryCopyFromPeer: {source.Describe()} into {destination.Describe()}: expected one dtype and size.");
        if (destination.Backend != this)
            throw new ArgumentException($"TryCopyFromPeer: the destination {destination.Describe()} belongs to another backend.");
        _driver.CopyFromPeer(destination.Address, peer._driver, source.Address, source.Numel * source.DType.Size());
        return true;
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
        int lead = Math.Max(0, rank - CopyDesc6.MaxRank);
        var desc = CopyDesc6.Create(sizes[lead..rank], src[lead..rank], dst[lead..rank]);
        long inner = n;
        for (int i = 0; i < lead; i++) inner /= sizes[i];
        if (lead == 0)
        {
            _ops.StridedCopy(destination.Address, source.Address, desc, n);
            return;
        }
        // More than 6 strided dimensions even after merging: one launch per index of the leading ones.
        Span<long> index = stackalloc long[lead];
        index.Clear();
        for (long launch = 0, launches = n / inner; launch < launches; launch++)
        {
            long so = 0, dof = 0;
            for (int i = 0; i < lead; i++) { so += index[i] * src[i]; dof += index[i] * dst[i]; }
            _ops.StridedCopy(destination.Address + (ulong)(dof * 4), source.Address + (ulong)(so * 4), desc, inner);
            for (int i = lead - 1; i >= 0; i--)
            {
                if (++index[i] < sizes[i]) break;
                index[i] = 0;
            }
        }
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
