using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using DyTox.Bench.Gemm;
using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Bench.Model;

/// <summary>
/// A short job for whole-model steps (each invocation is 0.1–2 s: one invocation per iteration), with OpenBLAS on the
/// best core type for this CPU (SkylakeX-class kernels, like the PyTorch reference run) and img/s columns.
/// </summary>
public sealed class ModelBenchConfig : ManualConfig
{
    public ModelBenchConfig()
    {
        AddJob(Job.Default
            .WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(6)
            .WithInvocationCount(1).WithUnrollFactor(1)
            .WithEnvironmentVariables(new EnvironmentVariable(OpenBlasCoreTypePolicy.VariableName, GemmJobs.BestCoreType))
            .WithId("short"));
        AddColumn(new ImagesPerSecondColumn(fromBest: false), new ImagesPerSecondColumn(fromBest: true));
        WithOption(ConfigOptions.JoinSummary, false);
        WithSummaryStyle(SummaryStyle.Default.WithMaxParameterColumnWidth(30));
    }
}
