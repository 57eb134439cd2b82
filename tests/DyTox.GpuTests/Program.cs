using DyTox.Kernels.Backend;
using DyTox.Kernels.Checks;
using DyTox.Kernels.Cuda;
using DyTox.Kernels.Runtime;

namespace DyTox.GpuTests;

/// <summary>
/// The GPU suite: opens the real CUDA device, prints device/driver/NVRTC/cuBLAS versions and the ptxas
/// report of every kernel for this device, runs every kernel check, every IBackend op of CudaBackend against
/// CpuBackend (BackendChecks), a DyTox training step against the CPU, then the benchmarks (kernel table, the
/// issue bars, DyTox images/s), and ends with "N passed, N failed". Exit code 0 only when every check passed
/// (the performance bars are reported as "BAR PASS|FAIL" lines and in bars.csv, not counted as checks).
/// Usage: DyTox.GpuTests [--out DIR] [--no-bench] [--quick] [--compile-only ARCH]
/// --quick: the backend checks at the emulator's small shapes, 5 repetitions per timing, CIFAR shapes only.
/// (--compile-only needs only NVRTC: it compiles every kernel for sm_ARCH and checks warnings and spills.)
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        string? outDir = null;
        var bench = true;
        var quick = false;
        int? compileOnly = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--out" when i + 1 < args.Length: outDir = args[++i]; break;
                case "--no-bench": bench = false; break;
                case "--quick": quick = true; break;
                case "--compile-only" when i + 1 < args.Length && int.TryParse(args[i + 1], out var arch): compileOnly = arch; i++; break;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'; usage: DyTox.GpuTests [--out DIR] [--no-bench] [--quick] [--compile-only ARCH]");
                    return 64;
            }
        }
        using var report = new Report(outDir);
        try
        {
            return compileOnly is { } only ? CompileOnly(report, only) : Run(report, bench, quick);
        }
        catch (Exception e)
        {
            report.Line($"FATAL {e}");
            report.Line("0 passed, 1 failed");
            return 1;
        }
    }

    private static int CompileOnly(Report report, int arch)
    {
        var compiler = NvrtcCompiler.TryCreate(out var reason, useDefaultCache: false);
        if (compiler is null)
        {
            report.Line($"FAIL NVRTC: {reason}");
            report.Line("0 passed, 1 failed");
            return 2;
        }
        report.Line($"nvrtc:   {compiler.Version} ({compiler.LoadedFrom}), target {compiler.TargetFor(arch)}");
        var (passed, failed) = ReportPtxas(report, compiler, arch);
        report.Line($"{passed} passed, {failed} failed");
        return failed == 0 ? 0 : 1;
    }

    private static (int Passed, int Failed) ReportPtxas(Report report, NvrtcCompiler compiler, int arch)
    {
        int passed = 0, failed = 0;
        report.Line($"ptxas report for sm_{arch}:");
        foreach (var file in KernelSources.SourceFiles)
        {
            try
            {
                var module = compiler.CompileEmbedded(file, arch);
                foreach (var r in module.Resources)
                    report.Line($"  {file,-16} {r.Function,-44} regs {r.Registers,3}  smem {r.SharedMemoryBytes,6}  spill {r.SpillStoreBytes}/{r.SpillLoadBytes}");
                foreach (var w in module.Warnings) report.Line($"  warning: {w}");
                if (module.Warnings.Count > 0 || module.Resources.Any(r => r.Spills)) { failed++; report.Line($"FAIL compile {file}: warnings or spills"); }
                else passed++;
            }
            catch (Exception e)
            {
                failed++;
                report.Line($"FAIL compile {file}: {e.Message}");
            }
        }
        return (passed, failed);
    }

    private static int Run(Report report, bool bench, bool quick)
    {
        report.Line($"DyTox GPU suite, .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        if (!CudaDriver.TryCreate(out var driver, out var reason))
        {
            report.Line($"FAIL open device: {reason}");
            report.Line("0 passed, 1 failed");
            return 2;
        }
        using (driver)
        {
            var d = driver.Device;
            var (free, total) = driver.MemoryInfo();
            report.Line($"device:  {d.Name}, {d.Arch}, {d.MultiprocessorCount} SMs, {total / (1 << 20)} MiB ({free / (1 << 20)} MiB free), " +
                        $"L2 {driver.L2CacheBytes / (1 << 20)} MiB, peak DRAM {driver.PeakMemoryBandwidthGBs:F0} GB/s, smem opt-in {d.MaxSharedMemoryPerBlockOptin} B");
            report.Line($"driver:  CUDA {driver.DriverVersion} ({driver.DriverLibrary})");
            report.Line($"nvrtc:   {driver.NvrtcVersion} ({driver.Compiler.LoadedFrom}), target {driver.Compiler.TargetFor(d.Major * 10 + d.Minor)}, cache {driver.Compiler.Cache?.Directory ?? "off"}");
            report.Line($"cublas:  {driver.CublasVersion}");

            report.Line("");
            var (passed, failed) = ReportPtxas(report, driver.Compiler, d.Major * 10 + d.Minor);

            report.Line("");
            report.Line("kernel checks:");
            foreach (var check in KernelChecks.All)
            {
                var result = KernelChecks.Run(check, driver);
                report.Line("  " + result);
                if (result.Passed) passed++; else failed++;
            }
            foreach (var result in GpuOnlyChecks.Run(driver))
            {
                report.Line("  " + result);
                if (result.Passed) passed++; else failed++;
            }
            foreach (var result in AttentionChecks.Run(driver))
            {
                report.Line("  " + result);
                if (result.Passed) passed++; else failed++;
            }

            using var backend = new CudaBackend(driver);
            var shapes = quick ? BackendShapes.Emulator : BackendShapes.Gpu;
            report.Line("");
            report.Line($"backend checks, CudaBackend vs CpuBackend ({shapes}):");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            foreach (var check in BackendChecks.All())
            {
                var result = BackendChecks.Run(check, backend, shapes);
                report.Line("  " + result);
                if (result.Passed) passed++; else failed++;
            }
            var step = DyToxStepCheck.Run(backend);
            report.Line("  " + step);
            if (step.Passed) passed++; else failed++;
            if (!quick) // two short trainings: too long under compute-sanitizer, which runs the --quick checks
            {
                var devices = MultiDeviceCheck.Run(backend);
                report.Line("  " + devices);
                if (devices.Passed) passed++; else failed++;
            }
            report.Line($"  ({clock.Elapsed.TotalSeconds:F1} s)");

            if (bench)
            {
                report.Line("");
                try
                {
                    if (!quick) Benchmarks.Run(driver, report);
                    report.Line("");
                    BackendBenchmarks.Run(driver, backend, report, quick);
                }
                catch (Exception e)
                {
                    failed++;
                    report.Line($"FAIL benchmarks: {e.GetType().Name}: {e.Message}");
                }
            }
            failed += report.Failures;
            report.Line("");
            report.Line($"{passed} passed, {failed} failed");
            return failed == 0 ? 0 : 1;
        }
    }
}
