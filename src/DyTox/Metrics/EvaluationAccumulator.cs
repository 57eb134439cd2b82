namespace DyTox.Metrics;

/// <summary>
/// Collects predictions batch by batch during one evaluation and produces a <see cref="StepEvaluation"/>.
/// Top-1 is the first argmax; top-k uses k = min(5, classes) like the reference, a sample being top-k correct
/// when fewer than k logits rank before its label's (greater, or equal at a lower class index).
/// The test loss is the reference's: cross-entropy over all the logits, averaged within each batch, then
/// averaged over batches with equal weight (its MetricLogger updates the loss meter once per batch with n = 1,
/// so a smaller last batch counts as much as a full one).
/// </summary>
public sealed class EvaluationAccumulator
{
    private readonly long[] _correct;
    private readonly long[] _total;
    private long _topKCorrect;
    private bool _topKMeasured;
    private ConfusionMatrix? _confusion;
    private double _batchLossSum;
    private long _lossBatches;

    public EvaluationAccumulator(int taskCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        _correct = new long[taskCount];
        _total = new long[taskCount];
    }

    /// <summary>Adds a batch of logits (row-major, <c>labels.Length × classes</c>).</summary>
    public void AddLogits(ReadOnlySpan<float> logits, int classes, ReadOnlySpan<int> labels, ReadOnlySpan<int> taskIds)
    {
        if (classes <= 0 || logits.Length != labels.Length * classes || labels.Length != taskIds.Length)
        {
            throw new ArgumentException(
                $"logits ({logits.Length}) must be labels ({labels.Length}) × classes ({classes}); task ids: {taskIds.Length}.");
        }
        int k = Math.Min(5, classes);
        _topKMeasured = true;
        _confusion ??= new ConfusionMatrix(classes);
        if (_confusion.ClassCount != classes)
            throw new ArgumentException($"every batch of one evaluation must have the same {_confusion.ClassCount} classes, got {classes}.");
        double batchLoss = 0;
        for (int s = 0; s < labels.Length; s++)
        {
            var row = logits.Slice(s * classes, classes);
            int label = labels[s];
            if ((uint)label >= (uint)classes)
            {
                throw new ArgumentException($"label {label} of sample {s} is outside the {classes} logits.");
            }
            int argmax = 0;
            for (int c = 1; c < classes; c++)
            {
                if (row[c] > row[argmax])
                {
                    argmax = c;
                }
            }
            // Rank of the label: logits strictly greater, plus equal ones at a lower index (first-index tie order).
            int ahead = 0;
            float target = row[label];
            for (int c = 0; c < classes; c++)
            {
                if (row[c] > target || (row[c] == target && c < label))
                {
                    ahead++;
                }
            }
            if (ahead < k)
            {
                _topKCorrect++;
            }
            Count(taskIds[s], argmax == label);
            _confusion.Add(label, argmax);
            batchLoss += CrossEntropy(row, label, row[argmax]);
        }
        if (labels.Length > 0)
        {
            _batchLossSum += batchLoss / labels.Length;
            _lossBatches++;
        }
    }

    /// <summary>−log softmax(row)[label] in float64, shifted by the row maximum for range.</summary>
    private static double CrossEntropy(ReadOnlySpan<float> row, int label, float max)
    {
        double sum = 0;
        foreach (float v in row)
        {
            sum += Math.Exp((double)v - max);
        }
        return Math.Log(sum) - ((double)row[label] - max);
    }

    /// <summary>Adds a batch of top-1 predictions (top-k then stays unmeasured unless logits are also given).</summary>
    public void AddPredictions(ReadOnlySpan<int> predictions, ReadOnlySpan<int> labels, ReadOnlySpan<int> taskIds)
    {
        if (predictions.Length != labels.Length || labels.Length != taskIds.Length)
        {
            throw new ArgumentException("predictions, labels and task ids must have the same length.");
        }
        for (int s = 0; s < labels.Length; s++)
        {
            Count(taskIds[s], predictions[s] == labels[s]);
        }
    }

    public StepEvaluation ToEvaluation() => new(
        _correct, _total, _topKMeasured ? _topKCorrect : -1, _lossBatches > 0 ? _batchLossSum / _lossBatches : null) { Confusion = _confusion };

    private void Count(int task, bool correct)
    {
        if ((uint)task >= (uint)_total.Length)
        {
            throw new ArgumentException($"task id {task} is outside the {_total.Length} evaluated tasks.");
        }
        _total[task]++;
        if (correct)
        {
            _correct[task]++;
        }
    }
}
