using DyTox.Kernels.Cuda;
using DyTox.Kernels.Emulator;
using DyTox.Kernels.Runtime;

namespace DyTox.Bench.Kernels;

/// <summary>
/// The device the kernel benchmarks run on: the real GPU when libcuda and NVRTC load, else the CPU emulator, at
/// reduced shapes. Emulator timings measure fiber scheduling on the host CPU, not kernel performance; every
/// summary row says which device produced it (the Device column) and the setup prints a warning.
/// </summary>
internal static class KernelBenchDevice
{
    private static readonly Lazy<(ICudaDriver Driver, string Description)> Opened = new(Open);

    public static ICudaDriver Driver => Opened.Value.Driver;
    public static bool IsEmulator => Driver is EmulatorDriver;
    public static string Description => Opened.Value.Description;

    /// <summary>H200 SXM peaks used for the roofline fractions (engine guide §3.4 / task brief): 4.8 TB/s HBM3e, 67 TFLOP/s FP32 (non-tensor).</summary>
    public const double PeakBytesPerSecond = 4.8e12, PeakFlopsPerSecond = 67e12;

    private static (ICudaDriver, string) Open()
    {
        if (CudaDriver.TryCreate(out var cuda, out var reason))
            return (cuda, $"{cuda.Device.Name} ({cuda.Device.Arch}, driver {cuda.Device.DriverVersion})");
        Console.WriteLine($"WARNING: no CUDA device ({reason}). Kernel benchmarks run on the CPU EMULATOR at reduced shapes: " +
                          "their times measure the emulator, NOT GPU performance; the GB/s, GFLOP/s and roofline columns are meaningless there.");
        return (new EmulatorDriver(new EmulatorOptions { WorkerThreads = 0 }), "EMULATOR (CPU fibers; not performance)");
    }

    /// <summary>Times <paramref name="launch"/> with CUDA events on a GPU (milliseconds); on the emulator, host wall time.</summary>
    public static double TimeMilliseconds(Action launch)
    {
        if (Driver is CudaDriver cuda)
        {
            using var start = cuda.CreateEvent();
            using var end = cuda.CreateEvent();
            start.Record();
            launch();
            end.Record();
            return end.ElapsedMillisecondsSince(start);
        }
        var sw = System.Diagnostics.Stopwatch.StartNew();
        launch();
        Driver.Synchronize();
        return sw.Elapsed.TotalMilliseconds;
    }
}
