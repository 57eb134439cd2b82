namespace DyTox.Metrics;

/// <summary>
/// Result of evaluating the model once (on the test images of all seen classes): correct/total counts per
/// task, top-1 and top-k counts over all samples, optional mean loss. Counts, not percentages, so that
/// old/new and overall accuracies are weighted exactly by sample numbers.
/// </summary>
public sealed class StepEvaluation
{
    public StepEvaluation(IReadOnlyList<long> correctPerTask, IReadOnlyList<long> totalPerTask,
        long top5Correct = -1, double? meanLoss = null, int topK = 5)
    {
        if (correctPerTask.Count != totalPerTask.Count || correctPerTask.Count == 0)
        {
            throw new ArgumentException(
                $"need one correct ({correctPerTask.Count}) and total ({totalPerTask.Count}) count per task, at least one task.");
        }
        for (int j = 0; j < correctPerTask.Count; j++)
        {
            if (totalPerTask[j] < 0 || correctPerTask[j] < 0 || correctPerTask[j] > totalPerTask[j])
            {
                throw new ArgumentException($"task {j}: {correctPerTask[j]} correct out of {totalPerTask[j]} is impossible.");
            }
        }
        CorrectPerTask = correctPerTask.ToArray();
        TotalPerTask = totalPerTask.ToArray();
        Samples = TotalPerTask.Sum();
        if (top5Correct > Samples)
        {
            throw new ArgumentException($"{top5Correct} top-k correct out of {Samples} samples is impossible.");
        }
        Top1Correct = CorrectPerTask.Sum();
        TopKCorrect = top5Correct;
        MeanLoss = meanLoss;
        TopK = topK;
    }

    public IReadOnlyList<long> CorrectPerTask { get; }
    public IReadOnlyList<long> TotalPerTask { get; }
    public long Samples { get; }
    public long Top1Correct { get; }

    /// <summary>Samples whose label is among the top-k logits; −1 when not measured.</summary>
    public long TopKCorrect { get; }

    /// <summary>k of <see cref="TopKCorrect"/> (min(5, classes) in the reference).</summary>
    public int TopK { get; }

    public double? MeanLoss { get; }

    /// <summary>(label, top-1 prediction) counts when the evaluation saw logits; not kept in checkpoints.</summary>
    public ConfusionMatrix? Confusion { get; init; }

    public int TaskCount => CorrectPerTask.Count;

    /// <summary>Top-1 over all samples, in percent.</summary>
    public double Top1 => Samples == 0 ? 0 : 100.0 * Top1Correct / Samples;

    /// <summary>Top-k over all samples, in percent; null when not measured.</summary>
    public double? Top5 => TopKCorrect < 0 ? null : Samples == 0 ? 0 : 100.0 * TopKCorrect / Samples;

    /// <summary>Accuracy on each task's test samples, in percent (NaN for a task without samples).</summary>
    public double[] PerTaskAccuracy() =>
        CorrectPerTask.Select((c, j) => TotalPerTask[j] == 0 ? double.NaN : 100.0 * c / TotalPerTask[j]).ToArray();
}
