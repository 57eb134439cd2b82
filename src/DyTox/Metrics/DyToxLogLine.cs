using System.Text;
using System.Text.Json;

namespace DyTox.Metrics;

/// <summary>Which definitions fill the reference's <c>forgetting</c>, <c>bwt</c> and <c>fwt</c> keys.</summary>
public enum LoggedMetricFlavor
{
    /// <summary>The values the reference actually logged (old Continuum formulas; diff-able against Python logs).</summary>
    ContinuumLegacy,
    /// <summary>Chaudhry forgetting, GEM BWT, and forward transfer only when future tasks were evaluated (else 0).</summary>
    Standard,
}

/// <summary>Training statistics of the epoch that precedes an evaluation.</summary>
public sealed record TrainingStats(double LearningRate, double Loss);

/// <summary>
/// One line of the reference's <c>logs_&lt;trial&gt;.json</c>: keys task, epoch, acc, avg_acc, forgetting,
/// acc_per_task, train_lr, bwt, fwt, test_acc1, test_acc5, mean_acc5, train_loss, test_loss, then the
/// model's extra entries (e.g. token_mean_dist), with the reference's rounding.
/// </summary>
public sealed class DyToxLogLine
{
    public int Task { get; init; }
    public int Epoch { get; init; }
    public double Acc { get; init; }
    public double AvgAcc { get; init; }
    public double Forgetting { get; init; }
    public IReadOnlyList<double> AccPerTask { get; init; } = [];
    public double TrainLr { get; init; }
    public double Bwt { get; init; }
    public double Fwt { get; init; }
    public double TestAcc1 { get; init; }
    public double TestAcc5 { get; init; }
    public double MeanAcc5 { get; init; }
    public double TrainLoss { get; init; }
    public double TestLoss { get; init; }
    public IReadOnlyList<KeyValuePair<string, double>> Extra { get; init; } = [];

    /// <summary>
    /// Builds the line for an evaluation during or at the end of task <paramref name="task"/>:
    /// <paramref name="completed"/> holds the final evaluations of tasks 0..task−1 and <paramref name="current"/> is
    /// the evaluation being logged (it acts as row <paramref name="task"/> of the accuracy matrix, like the
    /// reference's logger, whose latest epoch stands for the current task).
    /// </summary>
    public static DyToxLogLine Build(
        ContinualMetricsHistory completed, StepEvaluation current, int task, int epoch, TrainingStats training,
        LoggedMetricFlavor flavor = LoggedMetricFlavor.ContinuumLegacy,
        IReadOnlyList<KeyValuePair<string, double>>? extra = null)
    {
        if (completed.StepCount != task)
        {
            throw new ArgumentException($"logging task {task} needs the {task} completed steps before it, got {completed.StepCount}.");
        }
        if (current.TaskCount != task + 1)
        {
            throw new ArgumentException($"the evaluation of task {task} must cover {task + 1} tasks, got {current.TaskCount}.");
        }
        var matrix = completed.Matrix.Prefix(task);
        matrix.AddRow(current);
        var top1 = completed.Top1PerStep.Append(current.Top1).ToArray();
        var top5 = completed.Steps.Select(s => s.Evaluation.Top5 ?? 0).Append(current.Top5 ?? 0).ToArray();
        double forgetting, bwt, fwt;
        if (flavor == LoggedMetricFlavor.ContinuumLegacy)
        {
            forgetting = ContinualMetrics.ContinuumLoggedForgetting(matrix, task);
            bwt = ContinualMetrics.ContinuumLoggedBackwardTransfer(matrix, task);
            fwt = ContinualMetrics.ContinuumLoggedForwardTransfer(matrix, task);
        }
        else
        {
            forgetting = ContinualMetrics.Forgetting(matrix, task);
            bwt = ContinualMetrics.BackwardTransfer(matrix, task);
            fwt = ContinualMetrics.ForwardTransfer(matrix, task) ?? 0;
        }
        return new DyToxLogLine
        {
            Task = task,
            Epoch = epoch,
            Acc = PythonJson.Round(current.Top1, 2),
            AvgAcc = PythonJson.Round(top1.Average(), 2),
            Forgetting = PythonJson.Round(forgetting, 6),
            AccPerTask = current.PerTaskAccuracy().Select(a => PythonJson.Round(a, 2)).ToArray(),
            TrainLr = training.LearningRate,
            Bwt = PythonJson.Round(bwt, 2),
            Fwt = PythonJson.Round(fwt, 2),
            TestAcc1 = PythonJson.Round(current.Top1, 2),
            TestAcc5 = PythonJson.Round(current.Top5 ?? 0, 2),
            MeanAcc5 = PythonJson.Round(top5.Average(), 2),
            TrainLoss = PythonJson.Round(training.Loss, 5),
            TestLoss = PythonJson.Round(current.MeanLoss ?? 0, 5),
            Extra = extra ?? [],
        };
    }

    /// <summary>The JSON object on one line, keys in the reference's order.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("task", Task);
            w.WriteNumber("epoch", Epoch);
            Number(w, "acc", Acc);
            Number(w, "avg_acc", AvgAcc);
            Number(w, "forgetting", Forgetting);
            w.WritePropertyName("acc_per_task");
            w.WriteStartArray();
            foreach (double a in AccPerTask)
            {
                w.WriteRawValue(PythonJson.Float(a), skipInputValidation: true);
            }
            w.WriteEndArray();
            Number(w, "train_lr", TrainLr);
            Number(w, "bwt", Bwt);
            Number(w, "fwt", Fwt);
            Number(w, "test_acc1", TestAcc1);
            Number(w, "test_acc5", TestAcc5);
            Number(w, "mean_acc5", MeanAcc5);
            Number(w, "train_loss", TrainLoss);
            Number(w, "test_loss", TestLoss);
            foreach (var (key, value) in Extra)
            {
                Number(w, key, value);
            }
            w.WriteEndObject();
        }
        // Python's json.dumps separates with ", " and ": ".
        return PythonSeparators(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    private static void Number(Utf8JsonWriter w, string key, double value)
    {
        w.WritePropertyName(key);
        w.WriteRawValue(PythonJson.Float(value), skipInputValidation: true);
    }

    /// <summary>Inserts Python's spaces after ',' and ':' outside strings.</summary>
    internal static string PythonSeparators(string compact)
    {
        var sb = new StringBuilder(compact.Length + 64);
        bool inString = false;
        for (int i = 0; i < compact.Length; i++)
        {
            char ch = compact[i];
            sb.Append(ch);
            if (ch == '"' && (i == 0 || compact[i - 1] != '\\'))
            {
                inString = !inString;
            }
            else if (!inString && (ch == ',' || ch == ':'))
            {
                sb.Append(' ');
            }
        }
        return sb.ToString();
    }
}
