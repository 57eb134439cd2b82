using DyTox.Kernels.Runtime;

namespace DyTox.Bench.Kernels;

/// <summary>Device buffers of one benchmark, filled with seeded uniform floats, freed together on Dispose.</summary>
internal sealed unsafe class DeviceArena(ICudaDriver driver) : IDisposable
{
    private readonly List<ulong> _buffers = [];
    private int _seed = 1;

    public ulong Uniform(long count, float lo = -1f, float hi = 1f)
    {
        var ptr = Zeros(count);
        var rng = new Random(_seed++);
        var host = new float[count];
        for (long i = 0; i < count; i++) host[i] = lo + (hi - lo) * rng.NextSingle();
        fixed (float* p = host) driver.CopyHostToDevice(ptr, p, count * sizeof(float));
        return ptr;
    }

    public ulong Zeros(long count) => Bytes(count * sizeof(float));

    public ulong Bytes(long bytes)
    {
        var ptr = driver.Alloc(Math.Max(bytes, 256));
        driver.MemsetD8(ptr, 0, Math.Max(bytes, 256));
        _buffers.Add(ptr);
        return ptr;
    }

    public void Dispose()
    {
        foreach (var p in _buffers) driver.Free(p);
        _buffers.Clear();
    }
}
