using System.Diagnostics;
using DyTox.Kernels.Backend;
using DyTox.Kernels.Cuda;
using DyTox.Model;
using DyTox.Tensor;

namespace DyTox.GpuTests;

/// <summary>
/// Where a DyTox training step's device time goes: one step (B=128, task 2, GPSA as the backend is set) on a
/// <see cref="ProfilingBackend"/> that synchronises after every op, so each row is an op's launch plus device time.
/// The ops no longer overlap and each pays one synchronisation, so the rows add up to more than the step's real
/// time; the report gives both, and the number of ops (about the number of launches). Guides the next GPU work:
/// GEMMs vs attention vs the memory-bound ops vs launch overhead.
/// </summary>
internal static class StepProfile
{
    public static void Run(CudaDriver driver, CudaBackend gpu, Report report, DyToxConfig config, string name, int batch)
    {
        try
        {
            using var profiler = new ProfilingBackend(gpu) { Enabled = false, Synchronize = driver.Synchronize };
            using var step = new DyToxStep(config, profiler, batch, 10, 10);
            step.Run(); // warm-up: kernel compiles, allocator growth
            step.Run();
            driver.Synchronize();
            var clock = Stopwatch.StartNew();
            step.Run();
            driver.Synchronize();
            double unprofiled = clock.Elapsed.TotalMilliseconds;
            profiler.Enabled = true;
            profiler.Reset();
            clock.Restart();
            step.Run();
            double profiled = clock.Elapsed.TotalMilliseconds;
            profiler.Enabled = false;
            long ops = profiler.Timings.Values.Sum(t => t.Calls);
            report.Line($"step profile: DyTox {name} training step, B{batch}, task 2 (GPSA tensor cores {(gpu.GpsaTensorCores ? "on" : "off")}): " +
                         $"{unprofiled:F2} ms as run, {profiled:F2} ms with a synchronisation after each of its {ops} ops");
            foreach (var line in profiler.Report(45).Split('\n', StringSplitOptions.RemoveEmptyEntries)) report.Line("  " + line);
        }
        catch (Exception e)
        {
            report.Fail($"step profile: DyTox {name}: {e.GetType().Name}: {e.Message}");
        }
    }
}
