namespace DyTox.Data.Sampling;

/// <summary>Cuts an epoch's index list into batches (PyTorch DataLoader batching).</summary>
public static class Batching
{
    /// <summary>Consecutive batches of <paramref name="batchSize"/>; the last partial batch is dropped when <paramref name="dropLast"/>.</summary>
    public static List<int[]> MakeBatches(IReadOnlyList<int> indices, int batchSize, bool dropLast)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var batches = new List<int[]>();
        for (int start = 0; start < indices.Count; start += batchSize)
        {
            int size = Math.Min(batchSize, indices.Count - start);
            if (size < batchSize && dropLast)
            {
                break;
            }
            var batch = new int[size];
            for (int i = 0; i < size; i++)
            {
                batch[i] = indices[start + i];
            }
            batches.Add(batch);
        }
        return batches;
    }

    /// <summary>The reference's rule for training loaders: <c>drop_last = len(sampler) &gt; batch_size</c>.</summary>
    public static bool ReferenceDropLast(IIndexSampler sampler, int batchSize) => sampler.ReportedLength > batchSize;
}
