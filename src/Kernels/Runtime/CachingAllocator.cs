namespace DyTox.Kernels.Runtime;

/// <summary>Allocator counters, in bytes.</summary>
/// <param name="InUse">Capacity of buffers currently handed out.</param>
/// <param name="PeakInUse">Highest InUse seen.</param>
/// <param name="Cached">Capacity of freed buffers kept for reuse.</param>
/// <param name="Reserved">InUse + Cached: what the driver has given this allocator.</param>
public readonly record struct AllocatorStats(long InUse, long PeakInUse, long Cached, long Reserved,
                                             long DriverAllocations, long CacheHits, long OutOfMemoryRetries);

/// <summary>
/// A caching device allocator over any <see cref="ICudaDriver"/> (the real driver or the emulator).
/// Requests are rounded up to size buckets; freed buffers go to a per-bucket free list and are reused,
/// so a training step that allocates the same shapes every step stops calling cuMemAlloc (which also
/// synchronises) after the first. When the driver reports out-of-memory (an
/// <see cref="OutOfMemoryException"/>), every cached block is freed and the allocation retried once.
/// Thread-safe. Dispose frees everything it holds, including buffers not yet returned.
/// </summary>
public sealed class CachingAllocator : IDisposable
{
    /// <summary>Smallest bucket; also keeps every buffer 512-byte aligned in size.</summary>
    public const long MinBlockBytes = 512;

    private readonly Lock _gate = new();
    private readonly Dictionary<long, Stack<ulong>> _free = [];
    private readonly HashSet<DeviceBuffer> _live = [];
    private long _inUse, _peak, _cached, _driverAllocations, _cacheHits, _oomRetries;
    private bool _disposed;

    public CachingAllocator(ICudaDriver driver) => Driver = driver ?? throw new ArgumentNullException(nameof(driver));

    public ICudaDriver Driver { get; }

    /// <summary>
    /// The bucket a request of <paramref name="bytes"/> lands in: powers of two up to 1 MiB (min 512 B),
    /// above that the next multiple of a quarter of the enclosing power of two (at most 25% waste, so a
    /// few hundred buckets cover the whole device).
    /// </summary>
    public static long BucketSize(long bytes)
    {
        if (bytes <= 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Expected a positive byte count.");
        if (bytes <= MinBlockBytes) return MinBlockBytes;
        var pow2 = (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)bytes);
        if (pow2 <= 1 << 20) return pow2;
        var quarter = pow2 / 8; // steps of 1/4 of the lower power of two (pow2/2)
        return (bytes + quarter - 1) / quarter * quarter;
    }

    public DeviceBuffer Allocate(long bytes)
    {
        var capacity = BucketSize(bytes);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ulong pointer;
            if (_free.TryGetValue(capacity, out var stack) && stack.Count > 0)
            {
                pointer = stack.Pop();
                _cached -= capacity;
                _cacheHits++;
            }
            else
            {
                pointer = AllocateFromDriver(capacity);
            }
            _inUse += capacity;
            _peak = Math.Max(_peak, _inUse);
            var buffer = new DeviceBuffer(this, pointer, bytes, capacity);
            _live.Add(buffer);
            return buffer;
        }
    }

    /// <summary>A buffer for <paramref name="count"/> elements of <typeparamref name="T"/>.</summary>
    public unsafe DeviceBuffer Allocate<T>(long count) where T : unmanaged =>
        count > 0 ? Allocate(checked(count * sizeof(T)))
                  : throw new ArgumentOutOfRangeException(nameof(count), count, "Expected a positive element count.");

    private ulong AllocateFromDriver(long capacity)
    {
        try
        {
            _driverAllocations++;
            return Driver.Alloc(capacity);
        }
        catch (OutOfMemoryException)
        {
            if (_cached == 0) throw;
            _oomRetries++;
            ReleaseCachedLocked();
            return Driver.Alloc(capacity); // a second failure propagates: the device is truly full
        }
    }

    internal void Return(DeviceBuffer buffer)
    {
        lock (_gate)
        {
            if (_disposed || !_live.Remove(buffer)) return; // already freed by Dispose
            _inUse -= buffer.Capacity;
            if (!_free.TryGetValue(buffer.Capacity, out var stack)) _free[buffer.Capacity] = stack = new Stack<ulong>();
            stack.Push(buffer.Pointer);
            _cached += buffer.Capacity;
        }
    }

    /// <summary>Frees every cached (not in use) block to the driver.</summary>
    public void ReleaseCached()
    {
        lock (_gate) ReleaseCachedLocked();
    }

    private void ReleaseCachedLocked()
    {
        foreach (var stack in _free.Values)
            while (stack.Count > 0) Driver.Free(stack.Pop());
        _free.Clear();
        _cached = 0;
    }

    public AllocatorStats Stats
    {
        get
        {
            lock (_gate) return new AllocatorStats(_inUse, _peak, _cached, _inUse + _cached, _driverAllocations, _cacheHits, _oomRetries);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            ReleaseCachedLocked();
            foreach (var buffer in _live) Driver.Free(buffer.Pointer);
            _live.Clear();
            _inUse = 0;
            _disposed = true;
        }
    }
}
