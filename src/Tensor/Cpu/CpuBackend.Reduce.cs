using System.Numerics;
using System.Runtime.Intrinsics;

namespace DyTox.Tensor.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Whole-tensor reductions are cut into chunks of this many elements; partial sums are added
    /// in chunk order (fixed by the size alone).</summary>
    private const int ReductionChunk = 8 * 1024;

    public void SumToShape(Tensor source, Tensor destination)
    {
        RequireContiguous((source, nameof(source)), (destination, nameof(destination)));
        var dtype = FloatingDType("SumToShape", source, nameof(source), (destination, nameof(destination)));
        int lead = source.Rank - destination.Rank;
        bool ok = lead >= 0;
        for (int i = 0; ok && i < destination.Rank; i++)
            ok = destination.Shape[i] == source.Shape[lead + i] || destination.Shape[i] == 1;
        if (!ok)
            throw new ArgumentException($"SumToShape: destination has shape {Shape.Format(destination.Shape)}, which does not broadcast to the source's {Shape.Format(source.Shape)}.");
        if (dtype == DType.Float32) SumToShapeImpl<float>(source, destination);
        else SumToShapeImpl<double>(source, destination);
    }

    public void Reduce(ReduceOp op, Tensor x, int axis, Tensor destination)
    {
        RequireContiguous((x, nameof(x)), (destination, nameof(destination)));
        var dtype = FloatingDType($"Reduce({op})", x, nameof(x), (destination, nameof(destination)));
        int a = Shape.Axis(axis, x.Rank);
        var expected = x.ShapeArray();
        expected[a] = 1;
        RequireShape($"Reduce({op})", destination, nameof(destination), expected);
        if (op == ReduceOp.Max && x.Shape[a] == 0)
            throw new ArgumentException($"Reduce(Max): axis {a} of x {Shape.Format(x.Shape)} is empty; a maximum needs at least one element.");
        if (dtype == DType.Float32) ReduceImpl<float>(op, x, a, destination);
        else ReduceImpl<double>(op, x, a, destination);
    }

    public void ArgMax(Tensor x, int axis, Tensor indices)
    {
        RequireContiguous((x, nameof(x)), (indices, nameof(indices)));
        var dtype = FloatingDType("ArgMax", x, nameof(x));
        RequireInt32("ArgMax", indices, nameof(indices));
        int a = Shape.Axis(axis, x.Rank);
        var expected = x.ShapeArray();
        expected[a] = 1;
        RequireShape("ArgMax", indices, nameof(indices), expected);
        if (x.Shape[a] == 0) throw new ArgumentException($"ArgMax: axis {a} of x {Shape.Format(x.Shape)} is empty.");
        if (dtype == DType.Float32) ArgMaxImpl<float>(x, a, indices);
        else ArgMaxImpl<double>(x, a, indices);
    }

    public void SumAll(Tensor x, Tensor destination)
    {
        RequireContiguous((x, nameof(x)), (destination, nameof(destination)));
        var dtype = FloatingDType("SumAll", x, nameof(x), (destination, nameof(destination)));
        RequireScalar("SumAll", destination, nameof(destination));
        if (dtype == DType.Float32) ((float*)destination.Address)[0] = (float)ChunkedSum<float>(x, squares: false);
        else ((double*)destination.Address)[0] = ChunkedSum<double>(x, squares: false);
    }

    public void SumOfSquares(Tensor x, Tensor destination)
    {
        RequireContiguous((x, nameof(x)), (destination, nameof(destination)));
        var dtype = FloatingDType("SumOfSquares", x, nameof(x), (destination, nameof(destination)));
        RequireScalar("SumOfSquares", destination, nameof(destination));
        if (dtype == DType.Float32) ((float*)destination.Address)[0] = (float)ChunkedSum<float>(x, squares: true);
        else ((double*)destination.Address)[0] = ChunkedSum<double>(x, squares: true);
    }

    /// <summary>Σx or Σx² over all elements: vector sums per fixed chunk, the chunk sums added in double in order.</summary>
    private static double ChunkedSum<T>(Tensor x, bool squares) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long n = x.Numel;
        T* p = (T*)x.Address;
        int chunks = CpuParallel.ChunkCount(n, ReductionChunk);
        if (chunks == 0) return 0;
        var partial = new double[chunks];
        CpuParallel.For(chunks, ReductionChunk, (begin, end) =>
        {
            for (int c = begin; c < end; c++)
            {
                long start = (long)c * ReductionChunk;
                int len = (int)Math.Min(ReductionChunk, n - start);
                T s = squares ? Simd.SumOfSquares(p + start, len) : Simd.Sum(p + start, len);
                partial[c] = double.CreateTruncating(s);
            }
        });
        double total = 0;
        foreach (var s in partial) total += s;
        return total;
    }

    /// <summary>x seen as [outer, extent, inner] around one axis.</summary>
    private static (int Outer, int Extent, int Inner) AroundAxis(Tensor x, int axis)
    {
        long outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= x.Shape[i];
        for (int i = axis + 1; i < x.Rank; i++) inner *= x.Shape[i];
        return (checked((int)outer), x.Shape[axis], checked((int)inner));
    }

    private static void ReduceImpl<T>(ReduceOp op, Tensor x, int axis, Tensor destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outer, extent, inner) = AroundAxis(x, axis);
        T* px = (T*)x.Address, pd = (T*)destination.Address;
        T scale = op == ReduceOp.Mean ? T.One / T.CreateTruncating(extent) : T.One;
        if (inner == 1)
        {
            // Reducing the innermost axis: one vector reduction per row.
            CpuParallel.For(outer, extent, (begin, end) =>
            {
                for (int o = begin; o < end; o++)
                {
                    T* row = px + (long)o * extent;
                    pd[o] = extent == 0 ? T.Zero
                        : op == ReduceOp.Max ? Simd.Max(row, extent)
                        : Simd.Sum(row, extent) * scale;
                }
            });
            return;
        }
        // Reducing an outer axis: accumulate whole inner rows (vectorised along inner), in increasing index.
        CpuParallel.For(outer, (long)extent * inner, (begin, end) =>
        {
            for (int o = begin; o < end; o++)
            {
                T* src = px + (long)o * extent * inner;
                T* dst = pd + (long)o * inner;
                if (extent == 0) { new Span<T>(dst, inner).Clear(); continue; }
                new ReadOnlySpan<T>(src, inner).CopyTo(new Span<T>(dst, inner));
                for (int k = 1; k < extent; k++)
                {
                    T* row = src + (long)k * inner;
                    if (op == ReduceOp.Max) MaxInPlace(dst, row, inner);
                    else Simd.AddInPlace(dst, row, inner);
                }
                if (op == ReduceOp.Mean)
                    for (int i = 0; i < inner; i++) dst[i] *= scale;
            }
        });
    }

    private static void MaxInPlace<T>(T* dst, T* src, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, i = 0;
        for (; i <= n - w; i += w) Vector512.Max(Vector512.Load(dst + i), Vector512.Load(src + i)).Store(dst + i);
        for (; i < n; i++) dst[i] = T.Max(dst[i], src[i]);
    }

    private static void ArgMaxImpl<T>(Tensor x, int axis, Tensor indices) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (outer, extent, inner) = AroundAxis(x, axis);
        T* px = (T*)x.Address;
        int* pi = (int*)indices.Address;
        CpuParallel.For(outer, (long)extent * inner, (begin, end) =>
        {
            for (int o = begin; o < end; o++)
                for (int i = 0; i < inner; i++)
                {
                    T* p = px + (long)o * extent * inner + i;
                    T best = p[0];
                    int bestIndex = 0;
                    // First maximum; a NaN counts as the maximum (torch.argmax).
                    for (int k = 1; k < extent && !T.IsNaN(best); k++)
                    {
                        T v = p[(long)k * inner];
                        if (v > best || T.IsNaN(v)) { best = v; bestIndex = k; }
                    }
                    pi[(long)o * inner + i] = bestIndex;
                }
        });
    }

    private static void SumToShapeImpl<T>(Tensor source, Tensor destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* ps = (T*)source.Address, pd = (T*)destination.Address;
        int rank = source.Rank, lead = rank - destination.Rank;
        // Group the axes into runs that are all kept or all summed (extent-1 source axes drop out).
        var groups = new List<(long Extent, bool Summed)>();
        for (int i = 0; i < rank; i++)
        {
            int e = source.Shape[i];
            if (e == 1) continue;
            bool summed = i < lead || destination.Shape[i - lead] == 1;
            if (groups.Count > 0 && groups[^1].Summed == summed) groups[^1] = (groups[^1].Extent * e, summed);
            else groups.Add((e, summed));
        }
        long n = source.Numel;
        if (n == 0) { destination.Span<T>().Clear(); return; }
        if (groups.All(g => !g.Summed))
        {
            new ReadOnlySpan<T>(ps, (int)n).CopyTo(new Span<T>(pd, (int)n));
            return;
        }
        if (groups.Count == 1)
        {
            pd[0] = T.CreateTruncating(ChunkedSum<T>(source, squares: false));
            return;
        }
        if (groups.Count == 2 && groups[0].Summed)
        {
            // [R, C] → [C]: bias-style column sums.
            Simd.ColumnSums(ps, (int)groups[0].Extent, (int)groups[1].Extent, pd);
            return;
        }
        if (groups.Count == 2)
        {
            // [M, R] → [M]: one row sum per output.
            int width = (int)groups[1].Extent;
            CpuParallel.For((int)groups[0].Extent, width, (begin, end) =>
            {
                for (int r = begin; r < end; r++) pd[r] = Simd.Sum(ps + (long)r * width, width);
            });
            return;
        }
        // General pattern: walk the source in row-major order (a fixed order), adding each innermost run
        // into its destination slot(s).
        new Span<T>(pd, (int)destination.Numel).Clear();
        var g = groups.ToArray();
        int last = g.Length - 1;
        int inner = (int)g[last].Extent;
        bool innerSummed = g[last].Summed;
        long rows = n / inner;
        var dstStride = new long[g.Length];
        long stride = innerSummed ? 1 : inner;
        for (int i = last - 1; i >= 0; i--)
        {
            dstStride[i] = g[i].Summed ? 0 : stride;
            if (!g[i].Summed) stride *= g[i].Extent;
        }
        for (long r = 0; r < rows; r++)
        {
            long rest = r, offset = 0;
            for (int i = last - 1; i >= 0; i--)
            {
                long idx = rest % g[i].Extent;
                rest /= g[i].Extent;
                offset += idx * dstStride[i];
            }
            T* src = ps + r * inner;
            if (innerSummed) pd[offset] += Simd.Sum(src, inner);
            else Simd.AddInPlace(pd + offset, src, inner);
        }
    }
}
