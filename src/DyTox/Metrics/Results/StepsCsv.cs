using System.Text;

namespace DyTox.Metrics.Results;

/// <summary>
/// <c>steps.csv</c>: one row per training step with the numbers the papers tabulate and plot. Columns:
/// step, classes_seen, top1, top5 (empty when not measured), avg_top1 (average incremental accuracy of steps 0..i),
/// avg_top5, old (accuracy on the classes of earlier tasks, sample-weighted; empty at step 0), new (accuracy on the
/// classes of task i), forgetting (Chaudhry), bwt (GEM), parameters (empty when unknown), then what the step cost
/// (<see cref="StepCost"/>; empty when unknown): seconds, peak_host_bytes, peak_tensor_bytes, tensor_pool_bytes.
/// Accuracies in percent.
/// The log's <c>forgetting</c>/<c>bwt</c> keep the reference's legacy formulas; these columns use the standard ones.
/// </summary>
public static class StepsCsv
{
    public const string FileName = "steps.csv";

    public static readonly IReadOnlyList<string> Columns =
        ["step", "classes_seen", "top1", "top5", "avg_top1", "avg_top5", "old", "new", "forgetting", "bwt", "parameters",
         "seconds", "peak_host_bytes", "peak_tensor_bytes", "tensor_pool_bytes"];

    public static string Render(ContinualMetricsHistory history)
    {
        var sb = new StringBuilder();
        CsvText.AppendRow(sb, Columns);
        var m = history.Matrix;
        double top1Sum = 0, top5Sum = 0;
        bool top5Complete = true;
        foreach (var step in history.Steps)
        {
            int i = step.Step;
            var e = step.Evaluation;
            top1Sum += e.Top1;
            top5Complete &= e.Top5.HasValue;
            top5Sum += e.Top5 ?? 0;
            CsvText.AppendRow(sb,
            [
                CsvText.Integer(i),
                CsvText.Integer(step.ClassesSeen),
                CsvText.Number(e.Top1),
                CsvText.Number(e.Top5),
                CsvText.Number(top1Sum / (i + 1)),
                CsvText.Number(top5Complete ? top5Sum / (i + 1) : null),
                CsvText.Number(ContinualMetrics.OldAccuracy(m, i)),
                CsvText.Number(ContinualMetrics.NewAccuracy(m, i)),
                CsvText.Number(ContinualMetrics.Forgetting(m, i)),
                CsvText.Number(ContinualMetrics.BackwardTransfer(m, i)),
                CsvText.Integer(step.ParameterCount),
                CsvText.Number(step.Cost?.Seconds),
                CsvText.Integer(step.Cost?.PeakHostBytes),
                CsvText.Integer(step.Cost?.PeakTensorBytes),
                CsvText.Integer(step.Cost?.TensorPoolBytes),
            ]);
        }
        return sb.ToString();
    }
}
