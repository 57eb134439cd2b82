using DyTox.Metrics.Plots;

namespace DyTox.Metrics.Results;

/// <summary>
/// Writes a <see cref="ResultsReport"/>: <c>report.csv</c>, <c>report.md</c> and <c>accuracy.svg</c> (top-1 vs classes seen,
/// one line per method at its mean, with a ± std band). Same runs → same bytes.
/// </summary>
public static class ReportFiles
{
    public const string ChartFileName = "accuracy.svg";

    public static IReadOnlyList<string> Write(ResultsReport report, string outputDirectory)
    {
        Directory.CreateDirectory(outputDirectory);
        string csv = Path.Combine(outputDirectory, ReportCsv.FileName);
        string markdown = Path.Combine(outputDirectory, ReportMarkdown.FileName);
        string chart = Path.Combine(outputDirectory, ChartFileName);
        File.WriteAllText(csv, ReportCsv.Render(report));
        File.WriteAllText(markdown, ReportMarkdown.Render(report));
        AccuracyChart(report).Render().Save(chart);
        return [csv, markdown, chart];
    }

    public static LineChart AccuracyChart(ResultsReport report)
    {
        var classes = report.ClassesSeen.Select(c => (double)c).ToArray();
        return new LineChart
        {
            Title = report.ScenarioName,
            XTitle = "number of classes seen",
            YTitle = "top-1 accuracy on seen classes (%)",
            YLowerLimit = 0,
            YUpperLimit = 100,
            // A joint-training group is one isolated marker at the last column (the papers' upper bound).
            Series = report.Groups.Select(g => new ChartSeries(
                g.Runs.Count > 1 ? $"{g.Label} (n={g.Runs.Count})" : g.Label,
                g.IsJoint ? [classes[^1]] : classes,
                g.Top1PerStep.Select(s => s.Mean).ToArray(),
                g.Top1PerStep.Select(s => s.Std ?? 0).ToArray())).ToArray(),
        };
    }
}
