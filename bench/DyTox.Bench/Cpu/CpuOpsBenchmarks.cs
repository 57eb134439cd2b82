using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Bench.Cpu;

/// <summary>
/// Memory-bound CPU ops at DyTox-CIFAR sizes (B = 128, N = 64, C = 384, 12 heads, MLP 4·C), float32.
/// Each benchmark states the bytes it must move (inputs read once, outputs written once); the GB/s column
/// divides that by the mean time. Run: dotnet run -c Release --project bench/DyTox.Bench -- --filter '*CpuOps*'
/// </summary>
[Config(typeof(CpuOpsConfig))]
public class CpuOpsBenchmarks
{
    private const int SoftmaxRows = 128 * 12 * 64, SoftmaxWidth = 64;
    private const int NormRows = 8192, NormWidth = 384;
    private const int GeluRows = 8192, GeluWidth = 1536;

    /// <summary>Bytes each benchmark moves at least once (float32 elements × 4).</summary>
    internal static readonly Dictionary<string, double> BytesMoved = new()
    {
        [nameof(Softmax)] = 2.0 * SoftmaxRows * SoftmaxWidth * 4,
        [nameof(LayerNormForward)] = 2.0 * NormRows * NormWidth * 4,
        // forward: read x, write y; backward: read dy and x, write dx.
        [nameof(LayerNormForwardBackward)] = 5.0 * NormRows * NormWidth * 4,
        [nameof(Gelu)] = 2.0 * GeluRows * GeluWidth * 4,
        [nameof(GeluBackward)] = 3.0 * GeluRows * GeluWidth * 4,
    };

    private readonly CpuBackend cpu = CpuBackend.Instance;
    private readonly List<TensorT> owned = new();
    private TensorT scores = null!, probs = null!;
    private TensorT x = null!, gamma = null!, beta = null!, y = null!, mean = null!, rstd = null!, dy = null!, dx = null!, dGamma = null!, dBeta = null!;
    private TensorT h = null!, hOut = null!, hGrad = null!;

    private TensorT Random(int rows, int width, double low, double high, ulong seed)
    {
        var t = cpu.Empty(DType.Float32, [rows, width]);
        var rng = new Rng(seed);
        var s = t.Span<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)rng.Uniform(low, high);
        owned.Add(t);
        return t;
    }

    private TensorT Empty(params int[] shape)
    {
        var t = cpu.Empty(DType.Float32, shape);
        owned.Add(t);
        return t;
    }

    [GlobalSetup]
    public void Setup()
    {
        scores = Random(SoftmaxRows, SoftmaxWidth, -4, 4, 1);
        probs = Empty(SoftmaxRows, SoftmaxWidth);
        x = Random(NormRows, NormWidth, -2, 2, 2);
        gamma = Random(1, NormWidth, 0.5, 1.5, 3).Reshape(NormWidth);
        owned.Add(gamma);
        beta = Random(1, NormWidth, -0.1, 0.1, 4).Reshape(NormWidth);
        owned.Add(beta);
        y = Empty(NormRows, NormWidth);
        mean = Empty(NormRows);
        rstd = Empty(NormRows);
        dy = Random(NormRows, NormWidth, -1, 1, 5);
        dx = Empty(NormRows, NormWidth);
        dGamma = Empty(NormWidth);
        dBeta = Empty(NormWidth);
        h = Random(GeluRows, GeluWidth, -4, 4, 6);
        hOut = Empty(GeluRows, GeluWidth);
        hGrad = Random(GeluRows, GeluWidth, -1, 1, 7);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in owned) t.Dispose();
        owned.Clear();
    }

    [Benchmark(Description = "Softmax 98304×64")]
    public void Softmax() => cpu.Softmax(scores, probs);

    [Benchmark(Description = "LayerNorm fwd 8192×384")]
    public void LayerNormForward() => cpu.LayerNorm(x, gamma, beta, 1e-6, y, mean, rstd);

    [Benchmark(Description = "LayerNorm fwd+bwd 8192×384")]
    public void LayerNormForwardBackward()
    {
        cpu.LayerNorm(x, gamma, beta, 1e-6, y, mean, rstd);
        cpu.LayerNormBackward(dy, x, gamma, mean, rstd, dx, dGamma, dBeta);
    }

    [Benchmark(Description = "GELU fwd 8192×1536")]
    public void Gelu() => cpu.Unary(UnaryOp.Gelu, h, hOut);

    [Benchmark(Description = "GELU bwd 8192×1536")]
    public void GeluBackward() => cpu.UnaryBackward(UnaryOp.Gelu, h, hOut, hGrad, hOut);
}

/// <summary>A short job (the machine is shared) plus the GB/s column.</summary>
public sealed class CpuOpsConfig : ManualConfig
{
    public CpuOpsConfig()
    {
        AddJob(Job.ShortRun.WithWarmupCount(2).WithIterationCount(5).WithLaunchCount(1));
        // The development machines are shared: the best iteration shows what the code can do, the mean what it got.
        AddColumn(StatisticColumn.Min);
        AddColumn(new GigabytesPerSecondColumn(fromMinimum: false), new GigabytesPerSecondColumn(fromMinimum: true));
    }
}

/// <summary>Bytes moved (from <see cref="CpuOpsBenchmarks.BytesMoved"/>) divided by the mean or the minimum time.</summary>
public sealed class GigabytesPerSecondColumn(bool fromMinimum) : IColumn
{
    public string Id => fromMinimum ? "GBpsBest" : "GBps";
    public string ColumnName => fromMinimum ? "GB/s (best)" : "GB/s (mean)";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"Minimum bytes moved per call / {(fromMinimum ? "fastest iteration" : "mean time")} (10⁹ bytes per second)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        var name = benchmarkCase.Descriptor.WorkloadMethod.Name;
        if (report?.ResultStatistics is not { } stats || !CpuOpsBenchmarks.BytesMoved.TryGetValue(name, out var bytes)) return "-";
        return (bytes / (fromMinimum ? stats.Min : stats.Mean)).ToString("F2"); // bytes per nanosecond = GB/s
    }

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
}
