namespace DyTox.Kernels.Backend;

/// <summary>
/// Index-space simplification for strided kernels: drops extent-1 axes and merges an axis into its outer
/// neighbour when every operand steps over both as one (stride[outer] = stride[inner]·extent[inner]),
/// so most views fit the kernels' 6-dimension descriptors and decode fewer coordinates.
/// </summary>
internal static class StridedLayout
{
    /// <summary>
    /// Simplifies in place: sizes and the operands' strides (one span per operand, all of sizes' length).
    /// Returns the new rank (0 when the space has one element).
    /// </summary>
    public static int Merge(Span<long> sizes, Span<long> s0, Span<long> s1, Span<long> s2)
    {
        int rank = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            if (sizes[i] == 1) continue;
            if (rank > 0)
            {
                int last = rank - 1;
                if (s0[last] == s0[i] * sizes[i] && s1[last] == s1[i] * sizes[i] && s2[last] == s2[i] * sizes[i])
                {
                    sizes[last] *= sizes[i];
                    s0[last] = s0[i];
                    s1[last] = s1[i];
                    s2[last] = s2[i];
                    continue;
                }
            }
            sizes[rank] = sizes[i];
            s0[rank] = s0[i];
            s1[rank] = s1[i];
            s2[rank] = s2[i];
            rank++;
        }
        return rank;
    }

    /// <summary>Row-major strides of a contiguous tensor of <paramref name="sizes"/>.</summary>
    public static void Contiguous(ReadOnlySpan<long> sizes, Span<long> strides)
    {
        long s = 1;
        for (int i = sizes.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= sizes[i];
        }
    }
}
