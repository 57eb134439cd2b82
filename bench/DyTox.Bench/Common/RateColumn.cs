using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace DyTox.Bench.Common;

/// <summary>
/// A summary column "work per second": the work one invocation does (FLOPs, images, …) divided by the typical
/// iteration time (median, or mean) or by the fastest one. The machines these run on are often shared, where the
/// typical time mostly measures preemption and the best iteration shows what the code can do; both are reported.
/// </summary>
public abstract class RateColumn(string id, string unit, string work, bool fromBest, bool useMean = false) : IColumn
{
    public string Id => id + (fromBest ? "Best" : useMean ? "Mean" : "Median");
    public string ColumnName => $"{unit} ({(fromBest ? "best" : useMean ? "mean" : "median")})";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => fromBest ? 1 : 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"{work} / {(fromBest ? "fastest" : useMean ? "mean" : "median")} iteration";
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var stats = summary[benchmarkCase]?.ResultStatistics;
        double? amount = stats is null ? null : WorkPerNanosecondUnit(benchmarkCase);
        if (stats is null || amount is null) return "NA";
        double nanoseconds = fromBest ? stats.Min : useMean ? stats.Mean : stats.Median;
        return (amount.Value / nanoseconds).ToString("F1", CultureInfo.InvariantCulture);
    }

    /// <summary>The work of one invocation, scaled so that work / nanoseconds is in the column's unit; null if unknown.</summary>
    protected abstract double? WorkPerNanosecondUnit(BenchmarkCase benchmarkCase);
}
