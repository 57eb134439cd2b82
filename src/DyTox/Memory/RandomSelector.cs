using DyTox.Data;

namespace DyTox.Memory;

/// <summary>
/// Uniform random exemplars. Default: without replacement (Continuum, iCaRL). With
/// <c>withReplacement</c> it reproduces the reference's <c>np.random.choice(…, size=m)</c>, which may store
/// the same image several times and always returns exactly m draws.
/// </summary>
public sealed class RandomSelector(bool withReplacement = false) : IExemplarSelector
{
    public string Name => "random";

    public bool NeedsFeatures => false;

    public bool WithReplacement => withReplacement;

    public int[] Select(ReadOnlySpan<float> features, int count, int dimension, int quota, IRandomSource rng)
    {
        ExemplarSelectors.Check(features, count, dimension, quota, needsFeatures: false);
        if (count == 0)
        {
            return [];
        }
        if (withReplacement)
        {
            var draws = new int[quota];
            for (int i = 0; i < quota; i++)
            {
                draws[i] = rng.NextInt(count);
            }
            return draws;
        }
        return rng.Permutation(count).Take(Math.Min(quota, count)).ToArray();
    }
}
