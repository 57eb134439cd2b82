using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace DyTox.Bench.Kernels;

/// <summary>Benchmarks that count the bytes and FLOPs of each method and keep their device-side times (events on a GPU).</summary>
public interface IKernelCounted
{
    double Bytes(string method);
    double Flops(string method);

    /// <summary>The benchmark's parameters other than the shape (e.g. a kernel version), part of its device-time key.</summary>
    string Variant => "";
}

/// <summary>Device times per benchmark case (in-process, so the summary columns can read them).</summary>
internal static class DeviceTimes
{
    private static readonly Dictionary<string, List<double>> Times = [];

    public static void Add(string key, double ms)
    {
        lock (Times)
        {
            if (!Times.TryGetValue(key, out var list)) Times[key] = list = [];
            list.Add(ms);
        }
    }

    /// <summary>Median device time in ms, or NaN when none was recorded.</summary>
    public static double Median(string key)
    {
        lock (Times)
        {
            if (!Times.TryGetValue(key, out var list) || list.Count == 0) return double.NaN;
            var sorted = list.Order().ToArray();
            return sorted[sorted.Length / 2];
        }
    }

    public static string Key(string type, string method, object? shape, string variant = "") => $"{type}.{method}.{shape}.{variant}";
}

/// <summary>One derived column: device time (events), GB/s, GFLOP/s, fraction of the H200 roofline, or the device name.</summary>
public sealed class KernelColumn(string id, string legend, Func<IKernelCounted, string, double, string> value) : IColumn
{
    public string Id => id;
    public string ColumnName => id;
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => legend;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var type = benchmarkCase.Descriptor.Type;
        var instance = (IKernelCounted)Activator.CreateInstance(type)!;
        object? shape = null;
        foreach (var p in benchmarkCase.Parameters.Items)
        {
            type.GetProperty(p.Name)?.SetValue(instance, p.Value);
            if (p.Name == "Shape") shape = p.Value;
        }
        var method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        var ms = DeviceTimes.Median(DeviceTimes.Key(type.Name, method, shape, instance.Variant));
        return value(instance, method, ms);
    }
}

/// <summary>In-process job (device times are shared with the columns), few iterations (each launch is big), and the columns.</summary>
public sealed class KernelBenchConfig : ManualConfig
{
    public KernelBenchConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(2)
                  .WithIterationCount(KernelBenchDevice.IsEmulator ? 3 : 20).WithInvocationCount(1).WithUnrollFactor(1));
        AddColumn(
            new KernelColumn("Device", "where the times come from", (_, _, _) => KernelBenchDevice.Description),
            new KernelColumn("DeviceMs", "median device time per call (CUDA events; host wall time on the emulator)", (_, _, ms) => ms.ToString("F4")),
            new KernelColumn("GB/s", "counted compulsory bytes / device time",
                (k, m, ms) => KernelBenchDevice.IsEmulator ? "n/a (emulator)" : (k.Bytes(m) / (ms * 1e-3) / 1e9).ToString("F1")),
            new KernelColumn("GFLOP/s", "counted multiply-add FLOPs / device time",
                (k, m, ms) => KernelBenchDevice.IsEmulator ? "n/a (emulator)" : (k.Flops(m) / (ms * 1e-3) / 1e9).ToString("F1")),
            new KernelColumn("Roofline%", "device time vs max(bytes / 4.8 TB/s, FLOPs / 67 TFLOP/s) on an H200",
                (k, m, ms) => KernelBenchDevice.IsEmulator ? "n/a (emulator)"
                    : (100 * Math.Max(k.Bytes(m) / KernelBenchDevice.PeakBytesPerSecond, k.Flops(m) / KernelBenchDevice.PeakFlopsPerSecond) / (ms * 1e-3)).ToString("F1")));
    }
}
