using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DyTox.Bench.Model;

/// <summary>Images per second = batch / iteration time (median, or the fastest iteration: the machine is shared).</summary>
public sealed class ImagesPerSecondColumn(bool fromBest) : IColumn
{
    public string Id => fromBest ? "ImagesPerSecondBest" : "ImagesPerSecondMedian";
    public string ColumnName => fromBest ? "img/s (best)" : "img/s (median)";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => fromBest ? 1 : 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => fromBest ? "batch / fastest iteration" : "batch / median iteration";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var bench = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<ModelBenchCase>().FirstOrDefault();
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (bench is null || stats is null) return "NA";
        double nanoseconds = fromBest ? stats.Min : stats.Median;
        return (bench.Batch * 1e9 / nanoseconds).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }
}
