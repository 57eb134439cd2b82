using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Bench.Gemm;

/// <summary>
/// Short jobs (the whole GEMM suite runs in a few minutes on 2 cores) with GFLOP/s columns. OPENBLAS_CORETYPE is
/// read by OpenBLAS once at load, so each core type is its own job = its own child process.
/// </summary>
public static class GemmJobs
{
    /// <summary>The core type our policy picks for this CPU when the user has not set one (COOPERLAKE/SKYLAKEX on AVX-512).</summary>
    public static string BestCoreType =>
        OpenBlasCoreTypePolicy.Decide(CpuFeatures.HasAvx512F, CpuFeatures.HasAvx512Bf16, userValue: null).ValueToSet ?? "HASWELL";

    public static Job Short(string coreType) => Job.Default
        .WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(7)
        .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(250))
        .WithEnvironmentVariables(new EnvironmentVariable(OpenBlasCoreTypePolicy.VariableName, coreType))
        .WithId($"core={coreType}");

    public static ManualConfig Columns(ManualConfig config)
    {
        config.AddColumn(new GflopsColumn(fromBest: false), new GflopsColumn(fromBest: true), StatisticColumn.Min);
        config.WithOption(ConfigOptions.JoinSummary, false);
        config.WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(40));
        return config;
    }
}

/// <summary>OpenBLAS (best core type for this CPU) vs managed, one job.</summary>
public sealed class GemmBestCoreConfig : ManualConfig
{
    public GemmBestCoreConfig()
    {
        AddJob(GemmJobs.Short(GemmJobs.BestCoreType));
        GemmJobs.Columns(this);
    }
}

/// <summary>The OPENBLAS_CORETYPE trap: the same call under several forced core types.</summary>
public sealed class GemmCoreTypeTrapConfig : ManualConfig
{
    public GemmCoreTypeTrapConfig()
    {
        foreach (var core in new[] { "PRESCOTT", "HASWELL", "SKYLAKEX", "COOPERLAKE" }) AddJob(GemmJobs.Short(core));
        GemmJobs.Columns(this);
    }
}
