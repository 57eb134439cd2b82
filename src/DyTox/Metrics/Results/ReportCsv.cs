using System.Text;

namespace DyTox.Metrics.Results;

/// <summary>
/// <c>report.csv</c>: one row per method — label, runs, run_names (';'-separated), data_set, scenario, then mean and
/// sample std of parameters (after the last step), avg, last, avg_top5, last_top5, forgetting (Chaudhry) and top-1 after
/// each step (<c>top1_&lt;classes seen&gt;</c>). Std cells are empty for a single run, unknown values empty; a joint-training
/// group (one step over all classes) has only last, last_top5, parameters and the last top-1 column.
/// </summary>
public static class ReportCsv
{
    public const string FileName = "report.csv";

    public static string Render(ResultsReport report)
    {
        var header = new List<string> { "label", "runs", "run_names", "data_set", "scenario" };
        foreach (var metric in new[] { "parameters", "avg", "last", "avg_top5", "last_top5", "forgetting" })
        {
            header.Add(metric + "_mean");
            header.Add(metric + "_std");
        }
        foreach (int classes in report.ClassesSeen)
        {
            header.Add($"top1_{classes}_mean");
            header.Add($"top1_{classes}_std");
        }
        var sb = new StringBuilder();
        CsvText.AppendRow(sb, header);
        foreach (var g in report.Groups)
        {
            var row = new List<string>
            {
                CsvText.Text(g.Label), CsvText.Integer(g.Runs.Count), CsvText.Text(string.Join(';', g.Runs.Select(r => r.Name))),
                CsvText.Text(g.Runs[0].DataSet), CsvText.Text(report.ScenarioName),
            };
            var incremental = g.IsJoint ? null : (MeanStd?)g.Avg;
            var perStep = g.Top1At(report.ClassesSeen);
            foreach (var value in new[] { g.FinalParameters, incremental, g.Last, g.IsJoint ? null : g.AvgTop5, g.LastTop5, g.IsJoint ? null : g.Forgetting }.Concat(perStep))
            {
                row.Add(CsvText.Number(value?.Mean));
                row.Add(CsvText.Number(value?.Std));
            }
            CsvText.AppendRow(sb, row);
        }
        return sb.ToString();
    }
}
