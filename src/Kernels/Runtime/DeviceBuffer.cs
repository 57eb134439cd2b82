namespace DyTox.Kernels.Runtime;

/// <summary>
/// A block of device memory handed out by a <see cref="CachingAllocator"/>. Dispose returns it to the
/// allocator's cache (it is not freed to the driver until the allocator releases its cache). There is
/// deliberately no finalizer: device memory is released deterministically, never from the finalizer
/// thread, where no context is current (engine guide §6.3).
/// </summary>
public sealed unsafe class DeviceBuffer : IDisposable
{
    private readonly CachingAllocator _owner;
    private bool _disposed;

    internal DeviceBuffer(CachingAllocator owner, ulong pointer, long bytes, long capacity)
    {
        _owner = owner;
        Pointer = pointer;
        Bytes = bytes;
        Capacity = capacity;
    }

    /// <summary>The device address (on the emulator, a host address).</summary>
    public ulong Pointer { get; }

    /// <summary>Bytes requested.</summary>
    public long Bytes { get; }

    /// <summary>Bytes actually reserved (the size bucket).</summary>
    public long Capacity { get; }

    public bool IsDisposed => _disposed;

    /// <summary>Copies <paramref name="source"/> to the start of the buffer.</summary>
    public void CopyFrom<T>(ReadOnlySpan<T> source) where T : unmanaged
    {
        var bytes = (long)source.Length * sizeof(T);
        CheckRange(bytes, nameof(source));
        fixed (T* p = source) _owner.Driver.CopyHostToDevice(Pointer, p, bytes);
    }

    /// <summary>Copies the start of the buffer into <paramref name="destination"/>.</summary>
    public void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        var bytes = (long)destination.Length * sizeof(T);
        CheckRange(bytes, nameof(destination));
        fixed (T* p = destination) _owner.Driver.CopyDeviceToHost(p, Pointer, bytes);
    }

    /// <summary>Sets every byte of the requested range to <paramref name="value"/>.</summary>
    public void Clear(byte value = 0)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _owner.Driver.MemsetD8(Pointer, value, Bytes);
    }

    private void CheckRange(long bytes, string what)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (bytes > Bytes)
            throw new ArgumentException($"{what} spans {bytes} bytes but the device buffer holds {Bytes}.", what);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _owner.Return(this);
    }
}
