using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DyTox.Bench.Gemm;

/// <summary>GFLOP/s = 2·m·n·k·batch / time, from the median or the fastest iteration (the machine is shared: best shows capability).</summary>
public sealed class GflopsColumn(bool fromBest) : IColumn
{
    public string Id => fromBest ? "GflopsBest" : "GflopsMedian";
    public string ColumnName => fromBest ? "GFLOP/s (best)" : "GFLOP/s (median)";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => fromBest ? 1 : 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => fromBest ? "2·m·n·k·batch / fastest iteration" : "2·m·n·k·batch / median iteration";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
    {
        var shape = benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<GemmShape>().FirstOrDefault();
        var stats = summary[benchmarkCase]?.ResultStatistics;
        if (shape is null || stats is null) return "NA";
        double nanoseconds = fromBest ? stats.Min : stats.Median;
        return (shape.Flops / nanoseconds).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
    }
}
