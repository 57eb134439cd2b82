using BenchmarkDotNet.Running;
using DyTox.Bench.Common;

namespace DyTox.Bench.Model;

/// <summary>Images per second = batch / iteration time.</summary>
public sealed class ImagesPerSecondColumn(bool fromBest) : RateColumn("ImagesPerSecond", "img/s", "batch", fromBest)
{
    protected override double? WorkPerNanosecondUnit(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<ModelBenchCase>().FirstOrDefault()?.Batch * 1e9;
}
