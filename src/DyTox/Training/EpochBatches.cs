using System.Buffers;
using DyTox.Data;
using DyTox.Data.Sampling;
using DyTox.Tensor;

namespace DyTox.Training;

/// <summary>One replica's batch on the host: its labels, its augmented CHW pixels (a pooled buffer) and its targets.</summary>
internal sealed class HostBatch(int[] labels, float[] pixels, int count, int imageElements, float[] targets) : IDisposable
{
    private float[]? pixels = pixels;

    public int[] Labels { get; } = labels;
    public int Count { get; } = count;
    public float[] Targets { get; } = targets;

    public ReadOnlySpan<float> Pixels => (pixels ?? throw new ObjectDisposedException(nameof(HostBatch))).AsSpan(0, Count * imageElements);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref pixels, null) is { } buffer) ArrayPool<float>.Shared.Return(buffer);
    }
}

/// <summary>
/// The host side of one epoch's training steps: for step i, every replica's augmented images and (MixUp'd) targets.
/// With <c>prefetch</c>, step i + 1 is prepared on a worker thread while step i runs, so an asynchronous device (CUDA)
/// does not wait for the CPU's augmentations between steps. The results do not depend on it: a sample's augmentation
/// comes from (seed, epoch, its position in the whole epoch), and the MixUp streams are drawn in step order either way
/// (one preparation at a time, steps in order).
/// </summary>
internal sealed class EpochBatches : IDisposable
{
    private readonly BatchAssembler images;
    private readonly IReadOnlyList<LabeledSubset> sets; // [rank]: the same set for every rank, except with distributed memories
    private readonly List<int[]>[] batches; // [rank][step]
    private readonly int[][] firstPositions; // [rank][step]: position of the batch's first sample in the rank's share
    private readonly long seed;
    private readonly int epoch, classes;
    private readonly MixUpSettings mixUp;
    private readonly Rng[] mixRngs;
    private readonly bool prefetch;
    private Task<HostBatch[]>? pending;
    private int pendingStep = -1;

    public EpochBatches(BatchAssembler images, IReadOnlyList<LabeledSubset> sets, List<int[]>[] batches, long seed, int epoch, int classes,
                        MixUpSettings mixUp, Rng[] mixRngs, bool prefetch)
    {
        this.images = images;
        if (sets.Count != batches.Length) throw new ArgumentException($"{sets.Count} sample sets for {batches.Length} replicas.", nameof(sets));
        this.sets = sets;
        this.batches = batches;
        this.seed = seed;
        this.epoch = epoch;
        this.classes = classes;
        this.mixUp = mixUp;
        this.mixRngs = mixRngs;
        this.prefetch = prefetch;
        firstPositions = Array.ConvertAll(batches, rank =>
        {
            var first = new int[rank.Count];
            for (int i = 1; i < rank.Count; i++) first[i] = first[i - 1] + rank[i - 1].Length;
            return first;
        });
    }

    /// <summary>Step <paramref name="step"/>'s batches, one per replica (call with steps in increasing order; dispose
    /// them after the step). With prefetch, starts preparing the next step before returning.</summary>
    public HostBatch[] Take(int step)
    {
        HostBatch[] current;
        if (pending is not null && pendingStep == step)
        {
            current = pending.GetAwaiter().GetResult();
            pending = null;
        }
        else
        {
            Drain();
            current = Prepare(step, maxThreads: 0);
        }
        if (prefetch && step + 1 < batches[0].Count)
        {
            int next = step + 1;
            pendingStep = next;
            pending = Task.Run(() => Prepare(next, PrefetchThreads));
        }
        return current;
    }

    /// <summary>Threads of a preparation that runs beside a step: all cores but one, which the step's own thread (launching
    /// the device's kernels) keeps.</summary>
    private static int PrefetchThreads => Math.Max(1, Environment.ProcessorCount - 1);

    private HostBatch[] Prepare(int step, int maxThreads)
    {
        int replicas = batches.Length, size = images.ImageElements;
        var result = new HostBatch[replicas];
        for (int r = 0; r < replicas; r++)
        {
            int[] batch = batches[r][step];
            int count = batch.Length;
            var set = sets[r];
            var labels = BatchAssembler.Labels(set, batch);
            float[] pixels = ArrayPool<float>.Shared.Rent(Math.Max(1, count * size));
            // Replica r's i-th sample is entry R·i + r of the whole epoch (RankSampler.GlobalPosition), so its augmentation
            // does not depend on how the global batch is split into replicas.
            images.FillHost(set, batch, seed, epoch, RankSampler.GlobalPosition(firstPositions[r][step], r, replicas), pixels,
                            positionStride: replicas, maxThreads: maxThreads);
            float[] targets = mixUp.Enabled
                ? MixUp.Apply(pixels.AsSpan(0, count * size), size, labels, classes, mixUp, mixRngs[r], images.Height, images.Width).Targets
                : MixUp.SmoothedOneHot(labels, classes, smoothing: 0);
            result[r] = new HostBatch(labels, pixels, count, size, targets);
        }
        return result;
    }

    /// <summary>Waits for a preparation still running and frees what it made.</summary>
    private void Drain()
    {
        if (pending is null) return;
        try
        {
            foreach (var b in pending.GetAwaiter().GetResult()) b.Dispose();
        }
        catch (Exception)
        {
            // the step that needed it failed first; its own error is the one to report
        }
        pending = null;
    }

    public void Dispose() => Drain();
}
