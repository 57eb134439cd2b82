using System.Numerics;
using System.Runtime.InteropServices;

namespace DyTox.Tensor;

/// <summary>
/// Host memory for CPU tensors: 64-byte aligned native blocks (AVX-512 lines), cached in power-of-two
/// size classes. A warmed-up training step rents and returns the same classes every time, so it makes no
/// system allocations. Thread-safe.
/// </summary>
public sealed unsafe class CpuMemoryPool : IStorageAllocator, IDisposable
{
    private const long MinBlock = 256;
    private const nuint Alignment = 64;
    private readonly Dictionary<long, Stack<ulong>> cache = new();
    private readonly Lock gate = new();
    private long inUse, peak, cached, allocations;

    public static CpuMemoryPool Shared { get; } = new();

    public Device Device => Device.Cpu;

    public ulong Rent(long bytes, out long capacity)
    {
        capacity = SizeClass(bytes);
        lock (gate)
        {
            inUse += capacity;
            peak = Math.Max(peak, inUse);
            if (cache.TryGetValue(capacity, out var stack) && stack.Count > 0)
            {
                cached -= capacity;
                return stack.Pop();
            }
            allocations++;
        }
        void* p = NativeMemory.AlignedAlloc((nuint)capacity, Alignment);
        if (p == null) throw new OutOfMemoryException($"could not allocate {capacity} bytes of host memory for a tensor.");
        return (ulong)p;
    }

    public void Return(ulong address, long capacity)
    {
        lock (gate)
        {
            inUse -= capacity;
            cached += capacity;
            if (!cache.TryGetValue(capacity, out var stack)) cache[capacity] = stack = new Stack<ulong>();
            stack.Push(address);
        }
    }

    public void Trim()
    {
        lock (gate)
        {
            foreach (var stack in cache.Values)
                while (stack.Count > 0) NativeMemory.AlignedFree((void*)stack.Pop());
            cached = 0;
        }
    }

    public MemoryStats Stats
    {
        get { lock (gate) return new MemoryStats(inUse, peak, cached, allocations); }
    }

    public void Dispose() => Trim();

    private static long SizeClass(long bytes) =>
        bytes <= MinBlock ? MinBlock : (long)BitOperations.RoundUpToPowerOf2((ulong)bytes);
}
