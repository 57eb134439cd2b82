using System.Buffers;
using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("DyTox.Tensor.Tests")]

namespace DyTox.Tensor.Cpu.Attention;

/// <summary>
/// Work distribution of the fused attention ops: Parallel.For over independent work items, each worker
/// holding one scratch array rented from the shared pool for all the items it runs. Items never share
/// outputs, and every cross-item reduction is done afterwards in a fixed order, so results are identical
/// for any degree of parallelism (tests pin this with <see cref="MaxDegreeOfParallelism"/>).
/// </summary>
internal static class AttentionParallel
{
    /// <summary>-1 = the runtime's default; tests set 1 to prove thread-count independence.</summary>
    internal static int MaxDegreeOfParallelism { get; set; } = -1;

    public static void For<T>(int items, int scratchLength, Action<int, T[]> body) where T : unmanaged
    {
        if (items <= 0) return;
        if (items == 1 || MaxDegreeOfParallelism == 1)
        {
            var scratch = ArrayPool<T>.Shared.Rent(scratchLength);
            try { for (int i = 0; i < items; i++) body(i, scratch); }
            finally { ArrayPool<T>.Shared.Return(scratch); }
            return;
        }
        Parallel.For(0, items, new ParallelOptions { MaxDegreeOfParallelism = MaxDegreeOfParallelism },
            () => ArrayPool<T>.Shared.Rent(scratchLength),
            (i, _, scratch) => { body(i, scratch); return scratch; },
            scratch => ArrayPool<T>.Shared.Return(scratch));
    }
}
