namespace DyTox.Tensor;

/// <summary>
/// A reference-counted block of elements on one device. Tensors (and their views) share a storage;
/// the block goes back to its allocator when the last tensor referring to it is disposed. Never
/// freed from a finalizer: native and device memory is released deterministically (engine guide §6.3).
/// </summary>
public sealed class Storage
{
    private long capacity;
    private int references;

    internal Storage(IBackend backend, IStorageAllocator allocator, DType dtype, long length)
    {
        if (length < 0) throw new ArgumentOutOfRangeException(nameof(length), "storage length must be non-negative.");
        Backend = backend;
        Allocator = allocator;
        DType = dtype;
        Length = length;
        Address = allocator.Rent(Math.Max(1, length) * dtype.Size(), out capacity);
        references = 1;
    }

    public IBackend Backend { get; }
    public IStorageAllocator Allocator { get; }
    public DType DType { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }
    public long Bytes => Length * DType.Size();

    /// <summary>Host pointer (CPU) or device address (CUDA) of element 0.</summary>
    public ulong Address { get; private set; }

    public bool IsReleased => Volatile.Read(ref references) <= 0;

    internal void Retain()
    {
        if (Interlocked.Increment(ref references) <= 1)
            throw new ObjectDisposedException(nameof(Storage), "a released storage was used again.");
    }

    internal void Release()
    {
        int left = Interlocked.Decrement(ref references);
        if (left == 0)
        {
            Allocator.Return(Address, capacity);
            Address = 0;
            capacity = 0;
        }
        else if (left < 0)
        {
            throw new ObjectDisposedException(nameof(Storage), "storage released more often than retained.");
        }
    }
}
