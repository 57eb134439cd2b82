using System.Globalization;
using System.Text;
using DyTox.Metrics.Plots;

namespace DyTox.Metrics.Results;

/// <summary>
/// <c>epochs.csv</c>: the training curve, one row per epoch (columns task, phase, epoch, loss, lr, images_per_second,
/// seconds): the mean training loss of the epoch, its learning rate, the throughput and the wall time. Rows are in run
/// order (tasks, then the main training before the finetuning, then epochs); writing an epoch again (a resumed run)
/// drops that epoch and everything after it first, so the file always reads as one uninterrupted run.
/// </summary>
public static class EpochsCsv
{
    public const string FileName = "epochs.csv";
    private const string Header = "task,phase,epoch,loss,lr,images_per_second,seconds";

    /// <summary>One epoch's numbers; <paramref name="Phase"/> is "train" or "finetune".</summary>
    public sealed record Row(int Task, string Phase, int Epoch, double Loss, double LearningRate, double ImagesPerSecond, double Seconds)
    {
        internal (int, int, int) Key => (Task, Phase == "train" ? 0 : 1, Epoch);
    }

    public static void Update(string path, Row row)
    {
        ArgumentNullException.ThrowIfNull(row);
        if (row.Phase is not ("train" or "finetune")) throw new ArgumentException($"phase \"{row.Phase}\" must be train or finetune.", nameof(row));
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var kept in Read(path).Where(r => r.Key.CompareTo(row.Key) < 0)) Append(sb, kept);
        Append(sb, row);
        File.WriteAllText(path + ".tmp", sb.ToString());
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The rows of the file at <paramref name="path"/> (none when it does not exist; malformed rows are skipped).</summary>
    public static IReadOnlyList<Row> Read(string path)
    {
        if (!File.Exists(path)) return [];
        var rows = new List<Row>();
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var c = line.Split(',');
            if (c.Length == 7 && int.TryParse(c[0], NumberStyles.None, CultureInfo.InvariantCulture, out int task)
                && int.TryParse(c[2], NumberStyles.None, CultureInfo.InvariantCulture, out int epoch)
                && TryNumber(c[3], out double loss) && TryNumber(c[4], out double lr) && TryNumber(c[5], out double speed) && TryNumber(c[6], out double seconds))
                rows.Add(new Row(task, c[1], epoch, loss, lr, speed, seconds));
        }
        return rows;
    }

    /// <summary>The training loss per epoch across the run (x = epochs so far), one series per phase; null without rows.</summary>
    public static LineChart? LossChart(IReadOnlyList<Row> rows, string title)
    {
        if (rows.Count == 0) return null;
        var series = new List<ChartSeries>();
        foreach (var phase in new[] { "train", "finetune" })
        {
            var points = rows.Select((r, i) => (X: (double)(i + 1), r)).Where(p => p.r.Phase == phase && double.IsFinite(p.r.Loss)).ToArray();
            // A new segment wherever the other phase ran in between (the finetuning of a task between two main trainings).
            var starts = Enumerable.Range(1, Math.Max(0, points.Length - 1)).Where(i => points[i].X - points[i - 1].X > 1).ToArray();
            if (points.Length > 0)
                series.Add(new ChartSeries(phase == "train" ? "training loss" : "finetuning loss", points.Select(p => p.X).ToArray(),
                                           points.Select(p => p.r.Loss).ToArray(), SegmentStarts: starts));
        }
        return series.Count == 0 ? null : new LineChart
        {
            Title = title, XTitle = "epoch (all tasks, in run order)", YTitle = "mean training loss", Series = series, YIncludesZero = true,
        };
    }

    private static void Append(StringBuilder sb, Row r) =>
        sb.Append(CultureInfo.InvariantCulture, $"{r.Task},{r.Phase},{r.Epoch},{r.Loss:R},{r.LearningRate:R},{r.ImagesPerSecond:F1},{r.Seconds:F3}\n");

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
}
