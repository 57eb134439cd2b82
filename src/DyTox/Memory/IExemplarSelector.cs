using DyTox.Data;

namespace DyTox.Memory;

/// <summary>
/// Chooses the exemplars of one class from its feature vectors (row-major, <c>count × dimension</c>).
/// Returns positions into the class's samples in priority order: the memory keeps a prefix when the
/// per-class quota shrinks, so the first returned sample must be the most valuable one.
/// </summary>
public interface IExemplarSelector
{
    /// <summary>Rehearsal name as in the reference's <c>--rehearsal</c> (random, closest, icarl, furthest).</summary>
    string Name { get; }

    /// <summary>Whether <see cref="Select"/> reads the features (random selection does not).</summary>
    bool NeedsFeatures { get; }

    int[] Select(ReadOnlySpan<float> features, int count, int dimension, int quota, IRandomSource rng);
}

/// <summary>Builds selectors from the reference's <c>rehearsal</c> option values.</summary>
public static class ExemplarSelectors
{
    /// <summary>
    /// <c>random</c>, <c>closest_token|closest_all</c>, <c>icarl_token|icarl_all</c>, <c>furthest_token|furthest_all</c>.
    /// The <c>_token</c>/<c>_all</c> suffix only decides which features the trainer extracts.
    /// </summary>
    public static IExemplarSelector FromRehearsalOption(string rehearsal, bool randomWithReplacement = false) =>
        rehearsal switch
        {
            "random" => new RandomSelector(randomWithReplacement),
            "closest_token" or "closest_all" => new ClosestToMeanSelector(furthest: false),
            "furthest_token" or "furthest_all" => new ClosestToMeanSelector(furthest: true),
            "icarl_token" or "icarl_all" => new HerdingSelector(),
            _ => throw new ArgumentException(
                $"unknown rehearsal \"{rehearsal}\"; expected random, closest_token, closest_all, icarl_token, icarl_all, furthest_token or furthest_all.",
                nameof(rehearsal)),
        };

    /// <summary>True for the <c>*_all</c> variants (features = concatenation of all task embeddings).</summary>
    public static bool UsesAllTaskEmbeddings(string rehearsal) => rehearsal.EndsWith("_all", StringComparison.Ordinal);

    internal static void Check(ReadOnlySpan<float> features, int count, int dimension, int quota, bool needsFeatures)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(quota);
        if (needsFeatures && (dimension <= 0 || features.Length != (long)count * dimension))
        {
            throw new ArgumentException(
                $"features hold {features.Length} values, expected {count} samples × {dimension} dimensions.");
        }
    }
}
