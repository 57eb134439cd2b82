namespace DyTox.Metrics;

/// <summary>
/// Continual-learning metrics derived from an <see cref="AccuracyMatrix"/> (percent units). "After step k"
/// means rows 0..k are used, i.e. T = k + 1 tasks seen. Standard definitions follow the conventions doc;
/// the <c>ContinuumLogged*</c> variants reproduce the values in DyTox's published JSON logs (older Continuum).
/// </summary>
public static class ContinualMetrics
{
    /// <summary>iCaRL "Avg": arithmetic mean of the per-step top-1 (all seen classes), first step included.</summary>
    public static double AverageIncrementalAccuracy(IReadOnlyList<double> accuracyPerStep)
    {
        if (accuracyPerStep.Count == 0)
        {
            throw new ArgumentException("no steps to average.");
        }
        return accuracyPerStep.Average();
    }

    /// <summary>Top-1 after the final step.</summary>
    public static double Last(IReadOnlyList<double> accuracyPerStep) =>
        accuracyPerStep.Count == 0 ? throw new ArgumentException("no steps.") : accuracyPerStep[^1];

    /// <summary>
    /// Chaudhry et al. (RWalk) average forgetting after step k: mean over old tasks j &lt; k of
    /// max_{j ≤ l ≤ k−1} a_{l,j} − a_{k,j}. Zero after the first step.
    /// </summary>
    public static double Forgetting(AccuracyMatrix m, int step)
    {
        CheckStep(m, step);
        if (step == 0)
        {
            return 0;
        }
        double sum = 0;
        for (int j = 0; j < step; j++)
        {
            double best = double.NegativeInfinity;
            for (int l = j; l < step; l++)
            {
                best = Math.Max(best, m.Get(l, j));
            }
            sum += best - m.Get(step, j);
        }
        return sum / step;
    }

    /// <summary>
    /// Forgetting as logged by the reference (old Continuum, dytox-spec §3): with T = step + 1,
    /// (1/(T−1)) Σ_{j=0}^{T−3} [max_{j ≤ l ≤ T−3} a_{l,j} − a_{T−1,j}] — it skips the newest old task and the
    /// accuracies measured right after the previous step.
    /// </summary>
    public static double ContinuumLoggedForgetting(AccuracyMatrix m, int step)
    {
        CheckStep(m, step);
        int t = step + 1;
        if (t <= 1)
        {
            return 0;
        }
        double sum = 0;
        for (int j = 0; j <= t - 3; j++)
        {
            double best = double.NegativeInfinity;
            for (int l = j; l <= t - 3; l++)
            {
                best = Math.Max(best, m.Get(l, j));
            }
            sum += best - m.Get(t - 1, j);
        }
        return sum / (t - 1);
    }

    /// <summary>GEM backward transfer (Lopez-Paz &amp; Ranzato): mean over j &lt; k of a_{k,j} − a_{j,j}. Zero after the first step.</summary>
    public static double BackwardTransfer(AccuracyMatrix m, int step)
    {
        CheckStep(m, step);
        if (step == 0)
        {
            return 0;
        }
        double sum = 0;
        for (int j = 0; j < step; j++)
        {
            sum += m.Get(step, j) - m.Get(j, j);
        }
        return sum / step;
    }

    /// <summary>Continuum's current BWT: mean over all pairs i &gt; j (i ≤ k) of a_{i,j} − a_{j,j}.</summary>
    public static double BackwardTransferAllPairs(AccuracyMatrix m, int step)
    {
        CheckStep(m, step);
        int t = step + 1;
        if (t <= 1)
        {
            return 0;
        }
        double sum = 0;
        for (int i = 1; i < t; i++)
        {
            for (int j = 0; j < i; j++)
            {
                sum += m.Get(i, j) - m.Get(j, j);
            }
        }
        return sum / (t * (t - 1) / 2.0);
    }

    /// <summary>
    /// BWT as logged by the reference (old Continuum): Σ_{i=1}^{T−1} Σ_{j=0}^{i−2} (a_{i,j} − a_{j,j}) / (T(T−1)/2).
    /// </summary>
    public static double ContinuumLoggedBackwardTransfer(AccuracyMatrix m, int step)
    {
        CheckStep(m, step);
        int t = step + 1;
        if (t <= 1)
        {
            return 0;
        }
        double sum = 0;
        for (int i = 1; i < t; i++)
        {
            for (int j = 0; j < i - 1; j++)
            {
                sum += m.Get(i, j) - m.Get(j, j);
            }
        }
        return sum / (t * (t - 1) / 2.0);
    }

    /// <summary>
    /// "fwt" as logged by the reference (old Continuum): mean of the strictly lower triangle a_{i,j}, j &lt; i ≤ k.
    /// Not a forward transfer (DyTox never evaluates future tasks); kept only to reproduce the logs.
    /// </summary>
    public static double ContinuumLoggedForwardTransfer(AccuracyMatrix m, int step)
    {
        CheckStep(m, step);
        int t = step + 1;
        if (t <= 1)
        {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < t; i++)
        {
            for (int j = 0; j < i; j++)
            {
                sum += m.Get(i, j);
            }
        }
        return sum / (t * (t - 1) / 2.0);
    }

    /// <summary>
    /// Forward transfer without the random-init baseline: mean over 1 ≤ i ≤ k of a_{i−1,i} (accuracy on task i
    /// before training it). Null when those future-task evaluations were not made.
    /// </summary>
    public static double? ForwardTransfer(AccuracyMatrix m, int step)
    {
        CheckStep(m, step);
        if (step == 0)
        {
            return 0;
        }
        double sum = 0;
        for (int i = 1; i <= step; i++)
        {
            if (!m.Has(i - 1, i))
            {
                return null;
            }
            sum += m[i - 1, i];
        }
        return sum / step;
    }

    /// <summary>Díaz-Rodríguez et al. accuracy A: mean of a_{i,j} over the lower triangle including the diagonal.</summary>
    public static double AccuracyA(AccuracyMatrix m, int step)
    {
        CheckStep(m, step);
        double sum = 0;
        int n = 0;
        for (int i = 0; i <= step; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                sum += m.Get(i, j);
                n++;
            }
        }
        return sum / n;
    }

    /// <summary>Accuracy on the tasks before step k (sample-weighted when counts are known); null at step 0.</summary>
    public static double? OldAccuracy(AccuracyMatrix m, int step)
    {
        CheckStep(m, step);
        return step == 0 ? null : WeightedMean(m, step, 0, step);
    }

    /// <summary>Accuracy on the task learned at step k.</summary>
    public static double NewAccuracy(AccuracyMatrix m, int step)
    {
        CheckStep(m, step);
        return m.Get(step, step);
    }

    /// <summary>Continuum's model_size_growth: min(1, mean_i size_0 / size_i).</summary>
    public static double ModelSizeGrowth(IReadOnlyList<long> parametersPerStep)
    {
        if (parametersPerStep.Count <= 1)
        {
            return 1.0;
        }
        double sum = parametersPerStep.Sum(p => (double)parametersPerStep[0] / p);
        return Math.Min(1.0, sum / parametersPerStep.Count);
    }

    private static double WeightedMean(AccuracyMatrix m, int step, int from, int to)
    {
        if (m.HasCounts(step))
        {
            double correct = 0;
            long total = 0;
            for (int j = from; j < to; j++)
            {
                long n = m.SampleCount(step, j);
                correct += m.Get(step, j) * n;
                total += n;
            }
            if (total > 0)
            {
                return correct / total;
            }
        }
        double sum = 0;
        for (int j = from; j < to; j++)
        {
            sum += m.Get(step, j);
        }
        return sum / (to - from);
    }

    private static void CheckStep(AccuracyMatrix m, int step)
    {
        if ((uint)step >= (uint)m.Steps)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"the matrix has {m.Steps} steps.");
        }
    }
}
