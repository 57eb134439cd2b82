using DyTox.Kernels.Runtime;
using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>
/// Tensor storage on the device: an <see cref="IStorageAllocator"/> over a <see cref="CachingAllocator"/>.
/// Rent hands out device addresses (host addresses under the emulator); the buffer behind each address
/// is remembered so Return can give it back to the cache. Thread-safe.
/// </summary>
public sealed class CudaStorageAllocator : IStorageAllocator
{
    private readonly CachingAllocator _cache;
    private readonly Dictionary<ulong, DeviceBuffer> _rented = [];
    private readonly Lock _gate = new();

    public CudaStorageAllocator(CachingAllocator cache, int deviceIndex = 0)
    {
        _cache = cache ?? throw new ArgumentNullException(nameof(cache));
        Device = Device.Cuda(deviceIndex);
    }

    public Device Device { get; }

    public ulong Rent(long bytes, out long capacity)
    {
        if (bytes <= 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Expected a positive byte count.");
        var buffer = _cache.Allocate(bytes);
        lock (_gate) _rented.Add(buffer.Pointer, buffer);
        capacity = buffer.Capacity;
        return buffer.Pointer;
    }

    public void Return(ulong address, long capacity)
    {
        DeviceBuffer? buffer;
        lock (_gate)
        {
            if (!_rented.Remove(address, out buffer))
                throw new ArgumentException($"Address 0x{address:x} was not rented from this allocator (or was returned twice).", nameof(address));
        }
        if (buffer.Capacity != capacity)
            throw new ArgumentException($"Address 0x{address:x} was rented with capacity {buffer.Capacity}, returned with {capacity}.", nameof(capacity));
        buffer.Dispose();
    }

    public void Trim() => _cache.ReleaseCached();

    public MemoryStats Stats
    {
        get
        {
            var s = _cache.Stats;
            return new MemoryStats(s.InUse, s.PeakInUse, s.Cached, s.DriverAllocations);
        }
    }
}
