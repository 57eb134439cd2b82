namespace DyTox.Tensor;

/// <summary>
/// Copies between tensors of two backends (devices): device to device where the destination's backend can reach the
/// source (<see cref="IPeerCopy"/>: GPU peer copies), else through host memory, the source's raw bytes out and the
/// destination's in. The bytes travel unchanged either way, so a value copied to another device and back is the same
/// bits. Tensors of one backend use its own <see cref="IBackend.Copy"/>. The host staging buffer is reused across calls
/// (it only grows).
/// </summary>
public sealed class DeviceTransfer
{
    private byte[] staging = [];

    /// <summary>destination = source; same shape and dtype, on any backends (contiguous when the backends differ).</summary>
    public void Copy(Tensor source, Tensor destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        if (ReferenceEquals(source.Backend, destination.Backend))
        {
            source.Backend.Copy(source, destination);
            return;
        }
        if (TryPeer(source, destination)) return;
        var span = Download(source, destination);
        destination.Backend.CopyFromHost(span, destination);
    }

    /// <summary>Every destination = source (a broadcast from one device to the others): peer to peer where possible, else
    /// through the host, where the source arrives once for all the destinations.</summary>
    public void Broadcast(Tensor source, IReadOnlyList<Tensor> destinations)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (destinations.Count == 0) return;
        Span<byte> span = default;
        bool downloaded = false;
        foreach (var destination in destinations)
        {
            if (ReferenceEquals(source.Backend, destination.Backend)) { source.Backend.Copy(source, destination); continue; }
            if (TryPeer(source, destination)) continue;
            if (!downloaded) { span = Download(source, destination); downloaded = true; }
            else Check(source, destination);
            destination.Backend.CopyFromHost(span, destination);
        }
    }

    private static bool TryPeer(Tensor source, Tensor destination)
    {
        if (destination.Backend is not IPeerCopy peer) return false;
        Check(source, destination);
        return peer.TryCopyFromPeer(source, destination);
    }

    private Span<byte> Download(Tensor source, Tensor destination)
    {
        Check(source, destination);
        long bytes = checked(source.Numel * source.DType.Size());
        if (staging.Length < bytes) staging = new byte[bytes];
        var span = staging.AsSpan(0, checked((int)bytes));
        source.Backend.CopyToHost(source, span);
        return span;
    }

    private static void Check(Tensor source, Tensor destination)
    {
        if (source.DType != destination.DType || !source.Shape.SequenceEqual(destination.Shape))
            throw new ArgumentException($"a transfer needs tensors of one shape and dtype: {source.Describe()} → {destination.Describe()}.");
        if (!source.IsContiguous || !destination.IsContiguous)
            throw new ArgumentException($"a transfer between devices needs contiguous tensors: {source.Describe()} → {destination.Describe()}.");
    }
}
