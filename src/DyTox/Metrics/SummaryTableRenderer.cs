using System.Globalization;
using System.Text;

namespace DyTox.Metrics;

/// <summary>Plain-text report of a run: one row per step, then Avg / Last / forgetting / BWT.</summary>
public static class SummaryTableRenderer
{
    public static string Render(ContinualMetricsHistory history, string? title = null)
    {
        if (history.StepCount == 0)
        {
            return (title is null ? "" : title + "\n") + "(no steps recorded)\n";
        }
        bool hasTop5 = history.Top5PerStep is not null;
        bool hasParams = history.ParametersPerStep.All(p => p.HasValue);
        var header = new List<string> { "step", "classes", "top1" };
        if (hasTop5)
        {
            header.Add("top5");
        }
        header.AddRange(["old", "new"]);
        if (hasParams)
        {
            header.Add("#params");
        }
        header.Add("acc per task");
        var rows = new List<string[]>();
        foreach (var step in history.Steps)
        {
            var m = history.Matrix;
            var row = new List<string> { step.Step.ToString(CultureInfo.InvariantCulture), step.ClassesSeen.ToString(CultureInfo.InvariantCulture), F(step.Evaluation.Top1) };
            if (hasTop5)
            {
                row.Add(F(step.Evaluation.Top5!.Value));
            }
            double? old = ContinualMetrics.OldAccuracy(m, step.Step);
            row.Add(old.HasValue ? F(old.Value) : "-");
            row.Add(F(ContinualMetrics.NewAccuracy(m, step.Step)));
            if (hasParams)
            {
                row.Add(step.ParameterCount!.Value.ToString("N0", CultureInfo.InvariantCulture));
            }
            row.Add(string.Join(" ", m.Row(step.Step).Select(F)));
            rows.Add(row.ToArray());
        }
        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Max(r => r[c].Length))).ToArray();
        var sb = new StringBuilder();
        if (title is not null)
        {
            sb.Append(title).Append('\n');
        }
        AppendRow(sb, header.ToArray(), widths);
        sb.Append(string.Join("-+-", widths.Select(w => new string('-', w)))).Append('\n');
        foreach (var row in rows)
        {
            AppendRow(sb, row, widths);
        }
        sb.Append('\n');
        sb.Append(CultureInfo.InvariantCulture, $"Avg (incremental top-1): {F(history.AverageIncrementalAccuracy)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Last top-1:              {F(history.Last)}\n");
        if (hasTop5)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Avg top-5:               {F(history.AverageTop5!.Value)}\n");
            sb.Append(CultureInfo.InvariantCulture, $"Last top-5:              {F(history.LastTop5!.Value)}\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"Forgetting (Chaudhry):   {F(history.Forgetting)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"Forgetting (DyTox log):  {F(history.ContinuumLoggedForgetting)}\n");
        sb.Append(CultureInfo.InvariantCulture, $"BWT (GEM):               {F(history.BackwardTransfer)}\n");
        return sb.ToString();
    }

    private static void AppendRow(StringBuilder sb, string[] cells, int[] widths)
    {
        for (int c = 0; c < cells.Length; c++)
        {
            if (c > 0)
            {
                sb.Append(" | ");
            }
            sb.Append(c == cells.Length - 1 ? cells[c] : cells[c].PadLeft(widths[c]));
        }
        sb.Append('\n');
    }

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("F2", CultureInfo.InvariantCulture); // as the log and the console: 74.225 (binary 74.2249…) is 74.22
}
