namespace DyTox.Data.Sampling;

/// <summary>Which semantics of DeiT's repeated-augmentation sampler to reproduce.</summary>
public enum RepeatedAugmentationMode
{
    /// <summary>
    /// DeiT <c>RASampler</c> with <c>set_epoch</c> called every epoch: a new permutation per epoch, each index
    /// repeated, dealt round-robin to the replicas, each replica keeping ⌊⌊L/R_round⌋·R_round / R⌋ entries.
    /// </summary>
    Distributed,

    /// <summary>
    /// The reference's single-process <c>RASamplerNoDist</c> as actually run (dytox-spec §2.3): it pretends to be
    /// 2 replicas and alternates its rank every epoch, and since <c>set_epoch</c> is never called the
    /// permutation is the same (epoch 0) in every epoch; each epoch yields ⌊L/256⌋·128 indices while the
    /// reported length is twice that.
    /// </summary>
    ReferenceSingleProcess,
}

/// <summary>
/// Repeated augmentation (DeiT/DyTox <c>RASampler</c>): every shuffled index is repeated
/// <see cref="Repeats"/> (3) times consecutively so the copies get independent augmentations.
/// With one replica (the default) an epoch is the first ⌊L/256⌋·256 entries of the repeated list,
/// which is exactly the union of what two 128-batch GPUs see in the paper's 2-GPU runs (global batch 256).
/// The permutation comes from the pluggable random source seeded with (seed, epoch); the bits of
/// <c>torch.randperm</c> are not reproduced.
/// </summary>
public sealed class RepeatedAugmentationSampler : IIndexSampler
{
    private readonly RandomSourceFactory _random;
    private int _singleProcessRank;

    public RepeatedAugmentationSampler(
        int count, long seed, int repeats = 3, int numReplicas = 1, int rank = 0, int roundTo = 256,
        RepeatedAugmentationMode mode = RepeatedAugmentationMode.Distributed, RandomSourceFactory? random = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numReplicas, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(roundTo, 1);
        if (mode == RepeatedAugmentationMode.ReferenceSingleProcess)
        {
            numReplicas = 2; // RASamplerNoDist hard-codes two emulated replicas
            rank = 0;
        }
        if ((uint)rank >= (uint)numReplicas)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {numReplicas}).");
        }
        Count = count;
        Seed = seed;
        Repeats = repeats;
        NumReplicas = numReplicas;
        Rank = rank;
        RoundTo = roundTo;
        Mode = mode;
        _random = random ?? SplitMix64Random.Factory;
        _singleProcessRank = 0;
    }

    public int Count { get; }
    public long Seed { get; }
    public int Repeats { get; }
    public int NumReplicas { get; }
    public int Rank { get; }
    public int RoundTo { get; }
    public RepeatedAugmentationMode Mode { get; }

    /// <summary>Indices produced per epoch by one replica: ⌊(⌊L/roundTo⌋·roundTo) / R⌋.</summary>
    public int SelectedPerEpoch => Count / RoundTo * RoundTo / NumReplicas;

    public int ReportedLength => Mode == RepeatedAugmentationMode.ReferenceSingleProcess
        ? SelectedPerEpoch * NumReplicas
        : SelectedPerEpoch;

    /// <summary>
    /// Indices of one epoch. In <see cref="RepeatedAugmentationMode.ReferenceSingleProcess"/> the emulated rank
    /// advances with every call (like the reference's iterator), so call it once per epoch, in order.
    /// </summary>
    public int[] EpochIndices(int epoch)
    {
        bool reference = Mode == RepeatedAugmentationMode.ReferenceSingleProcess;
        int[] permutation = _random(SeedMixer.Mix(Seed, reference ? 0 : epoch)).Permutation(Count);
        int numSamples = (int)Math.Ceiling(Count * (double)Repeats / NumReplicas);
        int totalSize = numSamples * NumReplicas;
        var repeated = new int[totalSize];
        int n = 0;
        foreach (int index in permutation)
        {
            for (int r = 0; r < Repeats; r++)
            {
                repeated[n++] = index;
            }
        }
        for (int i = 0; n < totalSize; i++)
        {
            repeated[n++] = repeated[i]; // pad to a multiple of the replicas, as the reference does
        }
        int rank = reference ? _singleProcessRank : Rank;
        if (reference)
        {
            _singleProcessRank = (_singleProcessRank + 1) % NumReplicas;
        }
        int selected = SelectedPerEpoch;
        var result = new int[selected];
        for (int i = 0; i < selected; i++)
        {
            result[i] = repeated[rank + i * NumReplicas];
        }
        return result;
    }
}
