using DyTox.Data;

namespace DyTox.Memory;

/// <summary>
/// iCaRL herding as in DyTox's <c>icarl_selection</c> (dytox-spec §2.7): L2-normalise each feature
/// (divide by norm + 1e-8), μ = mean, w = μ; repeat: i* = argmax ⟨w, f_i⟩ (first index on ties); if i* is new
/// it gets the next rank; w ← w + μ − f_{i*} (also for repeats); stop after min(m, n) distinct picks or 1000
/// iterations. Unchosen samples get rank 10000; the result is the m best ranks in rank order (ties among
/// unchosen samples broken by index). Arithmetic is in double (the reference uses float32).
/// </summary>
public sealed class HerdingSelector : IExemplarSelector
{
    public const int MaxIterations = 1000;
    public const int UnchosenRank = 10000;

    public string Name => "icarl";

    public bool NeedsFeatures => true;

    public int[] Select(ReadOnlySpan<float> features, int count, int dimension, int quota, IRandomSource rng)
    {
        var ranks = Ranks(features, count, dimension, quota);
        var order = Enumerable.Range(0, count).ToArray();
        // Stable sort by rank: chosen samples in pick order, then unchosen ones by index.
        var sorted = order.OrderBy(i => ranks[i]).ToArray();
        return sorted.Take(Math.Min(quota, count)).ToArray();
    }

    /// <summary>The herding rank of every sample (1-based pick order, <see cref="UnchosenRank"/> if never picked).</summary>
    public static int[] Ranks(ReadOnlySpan<float> features, int count, int dimension, int quota)
    {
        ExemplarSelectors.Check(features, count, dimension, quota, needsFeatures: count > 0);
        var d = new double[count * dimension];
        var mu = new double[dimension];
        for (int i = 0; i < count; i++)
        {
            double norm = 0;
            for (int k = 0; k < dimension; k++)
            {
                double v = features[i * dimension + k];
                norm += v * v;
            }
            double scale = 1.0 / (Math.Sqrt(norm) + 1e-8);
            for (int k = 0; k < dimension; k++)
            {
                double v = features[i * dimension + k] * scale;
                d[i * dimension + k] = v;
                mu[k] += v;
            }
        }
        for (int k = 0; k < dimension; k++)
        {
            mu[k] /= Math.Max(count, 1);
        }
        var ranks = new int[count];
        var w = (double[])mu.Clone();
        int target = Math.Min(quota, count);
        int chosen = 0;
        int iterations = 0;
        while (chosen != target && iterations < MaxIterations)
        {
            int best = 0;
            double bestScore = double.NegativeInfinity;
            for (int i = 0; i < count; i++)
            {
                double score = 0;
                for (int k = 0; k < dimension; k++)
                {
                    score += w[k] * d[i * dimension + k];
                }
                if (score > bestScore)
                {
                    bestScore = score;
                    best = i;
                }
            }
            iterations++;
            if (ranks[best] == 0)
            {
                ranks[best] = ++chosen;
            }
            for (int k = 0; k < dimension; k++)
            {
                w[k] += mu[k] - d[best * dimension + k];
            }
        }
        for (int i = 0; i < count; i++)
        {
            if (ranks[i] == 0)
            {
                ranks[i] = UnchosenRank;
            }
        }
        return ranks;
    }
}
