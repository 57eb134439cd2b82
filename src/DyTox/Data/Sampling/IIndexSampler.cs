namespace DyTox.Data.Sampling;

/// <summary>Produces the dataset positions visited in one epoch, deterministically from the epoch number.</summary>
public interface IIndexSampler
{
    /// <summary>The positions (0..datasetCount-1) drawn in epoch <paramref name="epoch"/>, in order.</summary>
    int[] EpochIndices(int epoch);

    /// <summary>
    /// The length the sampler reports to the loader (PyTorch <c>len(sampler)</c>), which decides <c>drop_last</c>
    /// in the reference; it can differ from the number of indices actually produced (reference single-process defect).
    /// </summary>
    int ReportedLength { get; }
}

/// <summary>Visits 0..n-1 in order (test loaders and DyTox's <c>ft_no_sampling</c> finetuning loader).</summary>
public sealed class SequentialSampler(int count) : IIndexSampler
{
    public int ReportedLength { get; } = count >= 0 ? count : throw new ArgumentOutOfRangeException(nameof(count));

    public int[] EpochIndices(int epoch) => Enumerable.Range(0, ReportedLength).ToArray();
}

/// <summary>A fresh uniform permutation every epoch, seeded by (seed, epoch) (PyTorch RandomSampler semantics).</summary>
public sealed class ShuffledSampler : IIndexSampler
{
    private readonly int _count;
    private readonly long _seed;
    private readonly RandomSourceFactory _random;

    public ShuffledSampler(int count, long seed, RandomSourceFactory? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        _count = count;
        _seed = seed;
        _random = random ?? SplitMix64Random.Factory;
    }

    public int ReportedLength => _count;

    public int[] EpochIndices(int epoch) => _random(SeedMixer.Mix(_seed, epoch)).Permutation(_count);
}
