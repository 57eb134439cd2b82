namespace DyTox.Tensor.Cpu;

/// <summary>
/// How the CPU backend spreads work over threads. Ops split their work into items that are independent
/// (rows, batches, fixed-size chunks of a reduction), so which thread runs which item never changes a
/// result: outputs are the same bits for any number of threads. Small ops stay on the calling thread,
/// where the cost of waking the thread pool would exceed the work.
/// </summary>
public static class CpuParallel
{
    /// <summary>Below this many elements of work an op runs single-threaded.</summary>
    public const long MinParallelWork = 32 * 1024;

    private static int maxDegree = -1;

    /// <summary>The most threads an op may use; -1 (default) means one per processor. Tests set 1 or 2
    /// to check that results do not depend on it.</summary>
    public static int MaxDegreeOfParallelism
    {
        get => maxDegree;
        set
        {
            if (value == 0 || value < -1)
                throw new ArgumentOutOfRangeException(nameof(value), $"MaxDegreeOfParallelism must be -1 or positive; got {value}.");
            maxDegree = value;
        }
    }

    private static int Threads => maxDegree == -1 ? Environment.ProcessorCount : maxDegree;

    /// <summary>
    /// Calls <paramref name="body"/>(begin, end) on consecutive ranges covering [0, count). The items must be
    /// independent of each other; <paramref name="workPerItem"/> (elements touched per item) decides whether
    /// threads are worth it.
    /// </summary>
    public static void For(int count, long workPerItem, Action<int, int> body)
    {
        if (count <= 0) return;
        int threads = Threads;
        if (threads == 1 || count == 1 || (long)count * workPerItem < MinParallelWork)
        {
            body(0, count);
            return;
        }
        // A few ranges per thread balance uneven progress; range boundaries do not affect results.
        int ranges = (int)Math.Min(count, threads * 4L);
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        Parallel.For(0, ranges, options, r =>
        {
            int begin = (int)((long)count * r / ranges), end = (int)((long)count * (r + 1) / ranges);
            if (end > begin) body(begin, end);
        });
    }

    /// <summary>Number of fixed-size chunks of <paramref name="chunk"/> items covering <paramref name="count"/>
    /// (the chunking of deterministic reductions depends only on the problem size).</summary>
    public static int ChunkCount(long count, int chunk) => (int)((count + chunk - 1) / chunk);
}
