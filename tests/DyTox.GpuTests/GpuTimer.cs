using DyTox.Kernels.Cuda;
using DyTox.Kernels.Runtime;

namespace DyTox.GpuTests;

/// <summary>
/// Times GPU work with CUDA events on the driver's stream: one untimed warm-up, then the median of
/// <see cref="Reps"/> runs, each after a 256 MiB memset that scrubs the L2 (so the numbers are DRAM numbers).
/// </summary>
internal sealed class GpuTimer : IDisposable
{
    private readonly CudaDriver _driver;
    private readonly CachingAllocator _allocator;
    private readonly DeviceBuffer _scrub;
    private readonly CudaEvent _start, _stop;

    public int Reps { get; }

    public GpuTimer(CudaDriver driver, int reps)
    {
        _driver = driver;
        Reps = reps;
        _allocator = new CachingAllocator(driver);
        _scrub = _allocator.Allocate(256L << 20);
        _start = driver.CreateEvent();
        _stop = driver.CreateEvent();
    }

    /// <summary>Median microseconds of <paramref name="run"/> over <see cref="Reps"/> runs.</summary>
    public double Median(Action run) => Median(run, Reps);

    /// <summary>Median microseconds of <paramref name="run"/> over <paramref name="reps"/> runs.</summary>
    public double Median(Action run, int reps)
    {
        run();
        _driver.Synchronize();
        var times = new double[reps];
        for (var i = 0; i < reps; i++)
        {
            _scrub.Clear((byte)i);
            _start.Record();
            run();
            _stop.Record();
            times[i] = _stop.ElapsedMillisecondsSince(_start) * 1000.0;
        }
        Array.Sort(times);
        return times[reps / 2];
    }

    public void Dispose()
    {
        _start.Dispose();
        _stop.Dispose();
        _scrub.Dispose();
        _allocator.Dispose();
    }
}
