using DyTox.Kernels.Runtime.Launchers;
using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

// Deterministic reductions: one block per output element (segment kernels), fixed trees, no atomics.
public sealed partial class CudaBackend
{
    /// <summary>Narrower rows than this are reduced one block per output (a warp per column would waste the coalescing).</summary>
    private const long ColumnSumMinInner = 32;

    private static readonly string[] ReduceNames = Enum.GetValues<ReduceOp>().Select(o => $"Reduce({o})").ToArray();
    public void SumToShape(Tensor source, Tensor destination)
    {
        const string op = "SumToShape";
        RequireF32(source, op, nameof(source));
        RequireF32(destination, op, nameof(destination));
        int rank = source.Rank, lead = rank - destination.Rank;
        bool ok = lead >= 0;
        for (int i = 0; ok && i < destination.Rank; i++)
            ok = destination.Shape[i] == source.Shape[lead + i] || destination.Shape[i] == 1;
        if (!ok)
            throw new ArgumentException($"{op}: destination has shape {Shape.Format(destination.Shape)}, which does not broadcast to the source's {Shape.Format(source.Shape)}.");
        if (destination.Numel == 0) return;
        if (source.Numel == 0)
        {
            Fill(destination, 0);
            return;
        }
        // Output dimensions: the source axes the destination keeps; reduced: the axes it sums over.
        Span<long> outSizes = stackalloc long[rank], outStrides = stackalloc long[rank];
        Span<long> redSizes = stackalloc long[rank], redStrides = stackalloc long[rank];
        int no = 0, nr = 0;
        for (int i = 0; i < rank; i++)
        {
            int extent = source.Shape[i];
            int kept = i < lead ? 1 : destination.Shape[i - lead];
            long stride = source.Strides[i];
            if (kept == extent) { outSizes[no] = extent; outStrides[no++] = stride; }
            else { redSizes[nr] = extent; redStrides[nr++] = stride; }
        }
        ReduceSegments(op, destination.Address, source.Address, outSizes[..no], outStrides[..no], redSizes[..nr], redStrides[..nr], sum: true, 1f);
    }

    /// <summary>Merges the output and reduced index spaces and launches the segment sum or max.</summary>
    private void ReduceSegments(string op, ulong output, ulong input, Span<long> outSizes, Span<long> outStrides,
                                Span<long> redSizes, Span<long> redStrides, bool sum, float scale)
    {
        Span<long> zo = stackalloc long[outSizes.Length], zr = stackalloc long[redSizes.Length];
        zo.Clear();
        zr.Clear();
        int no = StridedLayout.Merge(outSizes, outStrides, zo, zo);
        int nr = StridedLayout.Merge(redSizes, redStrides, zr, zr);
        if (no > CopyDesc6.MaxRank || nr > CopyDesc6.MaxRank)
            throw new NotSupportedException($"{op}: {no} kept and {nr} reduced dimensions after merging; the CUDA reduction takes at most {CopyDesc6.MaxRank} of each.");
        // Sums over rows of a wide row-major block ([outer,] extent, inner with inner ≥ 32) read coalesced
        // through the column-sum kernels; everything else goes one block per output segment.
        if (sum && nr == 1 && no is 1 or 2 && outStrides[no - 1] == 1 && redStrides[0] == outSizes[no - 1] && outSizes[no - 1] >= ColumnSumMinInner
            && (no == 1 || outStrides[0] == redSizes[0] * outSizes[1])
            && redSizes[0] <= int.MaxValue && outSizes[no - 1] <= int.MaxValue && (no == 1 || outSizes[0] <= 65535))
        {
            int outer = no == 2 ? (int)outSizes[0] : 1, extent = (int)redSizes[0], inner = (int)outSizes[no - 1];
            if (ReductionKernels.ColumnChunks(extent) <= 65535)
            {
                using var partials = Scratch((long)outer * ReductionKernels.ColumnChunks(extent) * inner * sizeof(float));
                _reduce.ColumnSum(output, input, outer, extent, inner, scale, partials.Pointer);
                return;
            }
        }
        var desc = SegmentDesc6.Create(outSizes[..no], outStrides[..no], redSizes[..nr], redStrides[..nr]);
        if (sum) _reduce.SegmentSum(output, input, desc, scale);
        else _reduce.SegmentMax(output, input, desc);
    }

    public void Reduce(ReduceOp op, Tensor x, int axis, Tensor destination)
    {
        string name = NameOf(ReduceNames, (int)op, "Reduce");
        RequireF32(x, name, nameof(x));
        RequireF32(destination, name, nameof(destination));
        int a = Shape.Axis(axis, x.Rank);
        Span<int> expected = stackalloc int[x.Rank];
        x.Shape.CopyTo(expected);
        expected[a] = 1;
        RequireShape(name, destination, nameof(destination), expected);
        var (outer, extent, inner) = AroundAxis(x, a);
        if (destination.Numel == 0) return;
        if (extent == 0)
        {
            if (op == ReduceOp.Max)
                throw new ArgumentException($"Reduce(Max): axis {a} of x {Shape.Format(x.Shape)} is empty; a maximum needs at least one element.");
            Fill(destination, 0);
            return;
        }
        Span<long> outSizes = [outer, inner], outStrides = [(long)extent * inner, 1];
        Span<long> redSizes = [extent], redStrides = [inner];
        float scale = op == ReduceOp.Mean ? 1f / extent : 1f;
        ReduceSegments(name, destination.Address, x.Address, outSizes, outStrides, redSizes, redStrides, sum: op != ReduceOp.Max, scale);
    }

    public void ArgMax(Tensor x, int axis, Tensor indices)
    {
        RequireF32(x, "ArgMax", nameof(x));
        RequireContiguous(indices, "ArgMax", nameof(indices));
        RequireInt32(indices, "ArgMax", nameof(indices));
        int a = Shape.Axis(axis, x.Rank);
        Span<int> expected = stackalloc int[x.Rank];
        x.Shape.CopyTo(expected);
        expected[a] = 1;
        RequireShape("ArgMax", indices, nameof(indices), expected);
        if (x.Shape[a] == 0) throw new ArgumentException($"ArgMax: axis {a} of x {Shape.Format(x.Shape)} is empty.");
        var (outer, extent, inner) = AroundAxis(x, a);
        _reduce.ArgMax(indices.Address, x.Address, outer, extent, inner);
    }

    public void SumAll(Tensor x, Tensor destination) => FlatSum("SumAll", x, destination, squares: false);

    public void SumOfSquares(Tensor x, Tensor destination) => FlatSum("SumOfSquares", x, destination, squares: true);

    private void FlatSum(string op, Tensor x, Tensor destination, bool squares)
    {
        RequireF32(x, op, nameof(x));
        RequireF32(destination, op, nameof(destination));
        RequireScalar(op, destination, nameof(destination));
        using var partials = Scratch(ReductionKernels.ChunkCount(x.Numel) * sizeof(float));
        _reduce.FlatSum(destination.Address, x.Address, x.Numel, squares, 1f, partials.Pointer);
    }
}
