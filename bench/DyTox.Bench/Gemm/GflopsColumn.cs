using BenchmarkDotNet.Running;
using DyTox.Bench.Common;

namespace DyTox.Bench.Gemm;

/// <summary>GFLOP/s = 2·m·n·k·batch / time (FLOP per ns = GFLOP/s).</summary>
public sealed class GflopsColumn(bool fromBest) : RateColumn("Gflops", "GFLOP/s", "2·m·n·k·batch", fromBest)
{
    protected override double? WorkPerNanosecondUnit(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<GemmShape>().FirstOrDefault()?.Flops;
}
