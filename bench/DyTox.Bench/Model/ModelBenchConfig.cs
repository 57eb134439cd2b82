using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using DyTox.Bench.Gemm;
using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Bench.Model;

/// <summary>
/// A short job for whole-model steps (each invocation is 0.1–2 s: one invocation per iteration), with OpenBLAS on the
/// best core type for this CPU (SkylakeX-class kernels, like the PyTorch reference run) and img/s columns.
/// Ten warm-up iterations: a step makes a few hundred op calls, so with two warm-ups many of the engine's methods
/// were still at tier 0 (the JIT promotes a method after 30 calls, in the background), and the small model's
/// inference measured ~2× below its steady state (best iteration 802–1275 img/s vs 2062–2285 with 12 warm-ups).
/// </summary>
public sealed class ModelBenchConfig : ManualConfig
{
    public ModelBenchConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1).WithWarmupCount(10).WithIterationCount(6)
            .WithInvocationCount(1).WithUnrollFactor(1)
            .WithEnvironmentVariables(new EnvironmentVariable(OpenBlasCoreTypePolicy.VariableName, GemmJobs.BestCoreType))
            .WithId("short"));
        AddColumn(new ImagesPerSecondColumn(fromBest: false), new ImagesPerSecondColumn(fromBest: true));
        WithOption(ConfigOptions.JoinSummary, false);
        WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(30));
    }
}
