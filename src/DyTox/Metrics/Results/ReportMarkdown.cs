using System.Globalization;
using System.Text;

namespace DyTox.Metrics.Results;

/// <summary>
/// <c>report.md</c>: the papers' table (method, runs, #P, Avg, Last, top-5 Avg/Last, forgetting as mean ± sample std)
/// and a second table of top-1 after each step, columns = classes seen.
/// </summary>
public static class ReportMarkdown
{
    public const string FileName = "report.md";

    public static string Render(ResultsReport report)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"## {report.ScenarioName}: {report.Groups.Count} method(s), {report.RunCount} run(s)\n\n");
        double largest = report.Groups.Max(g => g.FinalParameters?.Mean ?? 0);
        var (divisor, unit) = RunResultFiles.ParameterUnit(largest);
        Row(sb, ["Method", "Runs", largest > 0 ? $"#P ({unit})" : "#P", "Avg", "Last", "Avg top-5", "Last top-5", "Forgetting"]);
        Row(sb, ["---", "---:", "---:", "---:", "---:", "---:", "---:", "---:"]);
        foreach (var g in report.Groups)
        {
            Row(sb,
            [
                Escape(g.Label), g.Runs.Count.ToString(CultureInfo.InvariantCulture),
                g.FinalParameters?.Format("F2", divisor) ?? "-", g.IsJoint ? "-" : g.Avg.Format(), g.Last.Format(),
                g.IsJoint ? "-" : g.AvgTop5?.Format() ?? "-", g.LastTop5?.Format() ?? "-", g.IsJoint ? "-" : g.Forgetting.Format(),
            ]);
        }
        sb.Append("\nTop-1 (%) after each step, by number of classes seen:\n\n");
        Row(sb, ["Method", .. report.ClassesSeen.Select(c => c.ToString(CultureInfo.InvariantCulture))]);
        Row(sb, ["---", .. report.ClassesSeen.Select(_ => "---:")]);
        foreach (var g in report.Groups)
        {
            Row(sb, [Escape(g.Label), .. g.Top1At(report.ClassesSeen).Select(s => s?.Format() ?? "-")]);
        }
        sb.Append("\nMean ± sample standard deviation (n − 1) over each method's runs; Avg = average incremental top-1, ")
          .Append("Last = top-1 after the final step, forgetting = Chaudhry et al. after the final step; a joint-training run ")
          .Append("(one step over all classes, the upper bound) has only Last.\n");
        return sb.ToString();
    }

    private static void Row(StringBuilder sb, IEnumerable<string> cells) => sb.Append("| ").Append(string.Join(" | ", cells)).Append(" |\n");

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}
