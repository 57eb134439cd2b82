using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Checks;

/// <summary>
/// What a kernel check runs with: a driver, a caching allocator over it (disposed with the context),
/// and a seeded random source so every run sees the same inputs.
/// </summary>
public sealed class CheckContext : IDisposable
{
    public ICudaDriver Driver { get; }
    public CachingAllocator Allocator { get; }
    public Random Random { get; }

    public CheckContext(ICudaDriver driver, int seed = 1234)
    {
        Driver = driver;
        Allocator = new CachingAllocator(driver);
        Random = new Random(seed);
    }

    /// <summary>n floats uniform in [lo, hi).</summary>
    public float[] Uniform(int n, float lo = -1f, float hi = 1f)
    {
        var a = new float[n];
        for (var i = 0; i < n; i++) a[i] = lo + (hi - lo) * Random.NextSingle();
        return a;
    }

    /// <summary>A device buffer holding <paramref name="data"/>, with <paramref name="padFloats"/> spare floats in front (to test misaligned pointers).</summary>
    public DeviceBuffer Upload(float[] data, int padFloats = 0)
    {
        var buffer = Allocator.Allocate<float>(data.Length + padFloats + 4);
        var host = new float[data.Length + padFloats];
        data.CopyTo(host, padFloats);
        buffer.CopyFrom<float>(host);
        return buffer;
    }

    public DeviceBuffer Zeros(int n, int padFloats = 0)
    {
        var buffer = Allocator.Allocate<float>(n + padFloats + 4);
        buffer.Clear();
        return buffer;
    }

    /// <summary>The device address of element <paramref name="index"/> of a float buffer.</summary>
    public static ulong At(DeviceBuffer buffer, int index) => buffer.Pointer + (ulong)index * sizeof(float);

    public float[] Download(DeviceBuffer buffer, int n, int padFloats = 0)
    {
        Driver.Synchronize();
        var host = new float[n + padFloats];
        buffer.CopyTo<float>(host);
        return host[padFloats..];
    }

    public void Dispose() => Allocator.Dispose();
}
