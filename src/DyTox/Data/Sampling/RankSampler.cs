namespace DyTox.Data.Sampling;

/// <summary>
/// One replica's share of another sampler's epoch, as PyTorch's <c>DistributedSampler</c> deals it: the
/// epoch's indices are padded to a multiple of the replicas by repeating from the start, and replica
/// <c>r</c> takes entries r, r + R, r + 2R, … So every replica gets ⌈L/R⌉ indices, and step s of the R
/// replicas together covers the same entries as step s of one replica with an R-times larger batch.
/// Its i-th index is entry R·i + r of the whole epoch (<see cref="GlobalPosition"/>).
/// </summary>
public sealed class RankSampler : IIndexSampler
{
    private readonly IIndexSampler inner;

    public RankSampler(IIndexSampler inner, int replicas, int rank)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        if ((uint)rank >= (uint)replicas) throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {replicas}).");
        this.inner = inner;
        Replicas = replicas;
        Rank = rank;
    }

    public int Replicas { get; }
    public int Rank { get; }

    public int ReportedLength => (inner.ReportedLength + Replicas - 1) / Replicas;

    public int[] EpochIndices(int epoch)
    {
        int[] all = inner.EpochIndices(epoch);
        if (Replicas == 1) return all;
        int perReplica = (all.Length + Replicas - 1) / Replicas;
        var mine = new int[all.Length == 0 ? 0 : perReplica];
        for (int i = 0; i < mine.Length; i++) mine[i] = all[(Rank + i * Replicas) % all.Length];
        return mine;
    }

    /// <summary>The position in the whole epoch of replica <paramref name="rank"/>'s <paramref name="i"/>-th index
    /// (DistributedSampler's and the repeated-augmentation sampler's dealing).</summary>
    public static int GlobalPosition(int i, int rank, int replicas) => i * replicas + rank;
}
