namespace DyTox.Tensor;

/// <summary>
/// A backend that can copy straight from another backend's device memory (GPU to GPU), without going through this
/// process's memory. <see cref="DeviceTransfer"/> asks for it first and goes through the host when it says no.
/// </summary>
public interface IPeerCopy
{
    /// <summary>
    /// destination (on this backend) = source (on another backend), bytes unchanged, after the work queued on both;
    /// false when this backend cannot reach <paramref name="source"/>'s memory (another kind of device).
    /// </summary>
    bool TryCopyFromPeer(Tensor source, Tensor destination);
}
