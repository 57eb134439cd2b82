using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;

namespace DyTox.Tensor.Cpu;

public sealed unsafe partial class CpuBackend
{
    /// <summary>Element-wise work is split into chunks of this many elements (fixed, so TensorPrimitives sees
    /// the same spans whatever the thread count).</summary>
    private const int ElementChunk = 16 * 1024;

    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor destination)
    {
        RequireCpu(a, nameof(a));
        RequireCpu(b, nameof(b));
        RequireCpuContiguous(destination, nameof(destination));
        var dtype = FloatingDType($"Binary({op})", a, nameof(a), (b, nameof(b)), (destination, nameof(destination)));
        RequireBroadcastsTo($"Binary({op})", a, nameof(a), destination);
        RequireBroadcastsTo($"Binary({op})", b, nameof(b), destination);
        if (dtype == DType.Float32) BinaryImpl<float>(op, a, b, destination);
        else BinaryImpl<double>(op, a, b, destination);
    }

    public void Unary(UnaryOp op, Tensor x, Tensor destination)
    {
        RequireContiguous((x, nameof(x)), (destination, nameof(destination)));
        var dtype = FloatingDType($"Unary({op})", x, nameof(x), (destination, nameof(destination)));
        RequireSameShape($"Unary({op})", x, nameof(x), destination, nameof(destination));
        if (dtype == DType.Float32) UnaryImpl<float>(op, x, destination);
        else UnaryImpl<double>(op, x, destination);
    }

    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx)
    {
        RequireContiguous((x, nameof(x)), (y, nameof(y)), (dy, nameof(dy)), (dx, nameof(dx)));
        var dtype = FloatingDType($"UnaryBackward({op})", x, nameof(x), (y, nameof(y)), (dy, nameof(dy)), (dx, nameof(dx)));
        RequireSameShape($"UnaryBackward({op})", x, nameof(x), y, nameof(y));
        RequireSameShape($"UnaryBackward({op})", x, nameof(x), dy, nameof(dy));
        RequireSameShape($"UnaryBackward({op})", x, nameof(x), dx, nameof(dx));
        if (dtype == DType.Float32) UnaryBackwardImpl<float>(op, x, y, dy, dx);
        else UnaryBackwardImpl<double>(op, x, y, dy, dx);
    }

    public void Affine(Tensor x, double alpha, double beta, Tensor destination)
    {
        RequireContiguous((x, nameof(x)), (destination, nameof(destination)));
        var dtype = FloatingDType("Affine", x, nameof(x), (destination, nameof(destination)));
        RequireSameShape("Affine", x, nameof(x), destination, nameof(destination));
        if (dtype == DType.Float32) AffineImpl<float>(x, alpha, beta, destination);
        else AffineImpl<double>(x, alpha, beta, destination);
    }

    public void Axpy(double alpha, Tensor x, Tensor y)
    {
        RequireContiguous((x, nameof(x)), (y, nameof(y)));
        var dtype = FloatingDType("Axpy", x, nameof(x), (y, nameof(y)));
        RequireSameShape("Axpy", y, nameof(y), x, nameof(x));
        if (dtype == DType.Float32) AxpyImpl<float>(alpha, x, y);
        else AxpyImpl<double>(alpha, x, y);
    }

    // ---- binary ---------------------------------------------------------------------------------

    private static void RequireBroadcastsTo(string op, Tensor t, string name, Tensor destination)
    {
        int rank = destination.Rank, lead = rank - t.Rank;
        bool ok = lead >= 0;
        for (int i = 0; ok && i < t.Rank; i++)
            ok = t.Shape[i] == destination.Shape[lead + i] || t.Shape[i] == 1;
        if (!ok)
            throw new ArgumentException($"{op}: {name} has shape {Shape.Format(t.Shape)}, which does not broadcast to the destination's {Shape.Format(destination.Shape)}.");
    }

    /// <summary>Strides of <paramref name="t"/> broadcast to <paramref name="shape"/> (0 on broadcast axes).</summary>
    private static long[] BroadcastStrides(Tensor t, ReadOnlySpan<int> shape)
    {
        var strides = new long[shape.Length];
        int lead = shape.Length - t.Rank;
        for (int i = 0; i < t.Rank; i++)
            strides[lead + i] = t.Shape[i] == 1 && shape[lead + i] != 1 ? 0 : t.Strides[i];
        return strides;
    }

    private static void BinaryImpl<T>(BinaryOp op, Tensor a, Tensor b, Tensor destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        long n = destination.Numel;
        if (n == 0) return;
        T* pa = (T*)a.Address, pb = (T*)b.Address, pd = (T*)destination.Address;

        // Merge axes that are contiguous with their inner neighbour in all three operands (dst is contiguous),
        // dropping extent-1 axes; a same-shape contiguous op becomes one long row.
        var shape = destination.Shape;
        var sa = BroadcastStrides(a, shape);
        var sb = BroadcastStrides(b, shape);
        var dims = new List<(int Extent, long A, long B)>();
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == 1) continue;
            if (dims.Count > 0)
            {
                var last = dims[^1];
                if (last.A == sa[i] * shape[i] && last.B == sb[i] * shape[i])
                {
                    dims[^1] = (last.Extent * shape[i], sa[i], sb[i]);
                    continue;
                }
            }
            dims.Add((shape[i], sa[i], sb[i]));
        }
        if (dims.Count == 0) dims.Add((1, 1, 1));

        var (inner, ia, ib) = dims[^1];
        int outerRank = dims.Count - 1;
        int rows = checked((int)(n / inner));
        var outer = dims.Take(outerRank).ToArray();

        if (rows == 1)
        {
            // One long row: split it into fixed chunks.
            int chunks = CpuParallel.ChunkCount(inner, ElementChunk);
            CpuParallel.For(chunks, ElementChunk, (begin, end) =>
            {
                for (int c = begin; c < end; c++)
                {
                    long start = (long)c * ElementChunk;
                    int len = (int)Math.Min(ElementChunk, inner - start);
                    BinaryRow(op, pa + start * ia, ia, pb + start * ib, ib, pd + start, len);
                }
            });
            return;
        }

        CpuParallel.For(rows, inner, (begin, end) =>
        {
            for (int r = begin; r < end; r++)
            {
                long oa = 0, ob = 0;
                int rest = r;
                for (int d = outerRank - 1; d >= 0; d--)
                {
                    int idx = rest % outer[d].Extent;
                    rest /= outer[d].Extent;
                    oa += idx * outer[d].A;
                    ob += idx * outer[d].B;
                }
                BinaryRow(op, pa + oa, ia, pb + ob, ib, pd + (long)r * inner, inner);
            }
        });
    }

    /// <summary>One row of a binary op; unit or zero strides go to TensorPrimitives' vector loops.</summary>
    private static void BinaryRow<T>(BinaryOp op, T* a, long sa, T* b, long sb, T* d, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dst = new Span<T>(d, n);
        if (sa == 1 && sb == 1)
        {
            var x = new ReadOnlySpan<T>(a, n);
            var y = new ReadOnlySpan<T>(b, n);
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(x, y, dst); return;
                case BinaryOp.Sub: TensorPrimitives.Subtract(x, y, dst); return;
                case BinaryOp.Mul: TensorPrimitives.Multiply(x, y, dst); return;
                case BinaryOp.Div: TensorPrimitives.Divide(x, y, dst); return;
                case BinaryOp.Max: TensorPrimitives.Max(x, y, dst); return;
                case BinaryOp.Min: TensorPrimitives.Min(x, y, dst); return;
            }
        }
        else if (sa == 1 && sb == 0)
        {
            var x = new ReadOnlySpan<T>(a, n);
            T y = *b;
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(x, y, dst); return;
                case BinaryOp.Sub: TensorPrimitives.Subtract(x, y, dst); return;
                case BinaryOp.Mul: TensorPrimitives.Multiply(x, y, dst); return;
                case BinaryOp.Div: TensorPrimitives.Divide(x, y, dst); return;
                case BinaryOp.Max: TensorPrimitives.Max(x, y, dst); return;
                case BinaryOp.Min: TensorPrimitives.Min(x, y, dst); return;
            }
        }
        else if (sa == 0 && sb == 1)
        {
            T x = *a;
            var y = new ReadOnlySpan<T>(b, n);
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(y, x, dst); return;
                case BinaryOp.Sub: TensorPrimitives.Subtract(x, y, dst); return;
                case BinaryOp.Mul: TensorPrimitives.Multiply(y, x, dst); return;
                case BinaryOp.Div: TensorPrimitives.Divide(x, y, dst); return;
                case BinaryOp.Max: TensorPrimitives.Max(y, x, dst); return;
                case BinaryOp.Min: TensorPrimitives.Min(y, x, dst); return;
            }
        }
        for (int i = 0; i < n; i++) d[i] = ApplyBinary(op, a[i * sa], b[i * sb]);
    }

    private static T ApplyBinary<T>(BinaryOp op, T x, T y) where T : unmanaged, IFloatingPointIeee754<T> => op switch
    {
        BinaryOp.Add => x + y,
        BinaryOp.Sub => x - y,
        BinaryOp.Mul => x * y,
        BinaryOp.Div => x / y,
        BinaryOp.Max => T.Max(x, y),
        BinaryOp.Min => T.Min(x, y),
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown binary op"),
    };

    // ---- unary ----------------------------------------------------------------------------------

    /// <summary>Runs <paramref name="chunk"/>(start, length) over fixed chunks of [0, n), in parallel when large.</summary>
    private static void ForChunks(long n, long workPerElement, Action<long, int> chunk)
    {
        int chunks = CpuParallel.ChunkCount(n, ElementChunk);
        CpuParallel.For(chunks, ElementChunk * workPerElement, (begin, end) =>
        {
            for (int c = begin; c < end; c++)
            {
                long start = (long)c * ElementChunk;
                chunk(start, (int)Math.Min(ElementChunk, n - start));
            }
        });
    }

    private static void UnaryImpl<T>(UnaryOp op, Tensor x, Tensor destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* px = (T*)x.Address, pd = (T*)destination.Address;
        // Transcendentals cost far more than a load/store: let them go parallel sooner.
        long work = op is UnaryOp.Gelu ? 16 : op is UnaryOp.Exp or UnaryOp.Log or UnaryOp.Sigmoid or UnaryOp.Tanh ? 4 : 1;
        ForChunks(x.Numel, work, (start, len) =>
        {
            var s = new ReadOnlySpan<T>(px + start, len);
            var d = new Span<T>(pd + start, len);
            switch (op)
            {
                case UnaryOp.Neg: TensorPrimitives.Negate(s, d); break;
                case UnaryOp.Exp: TensorPrimitives.Exp(s, d); break;
                case UnaryOp.Log: TensorPrimitives.Log(s, d); break;
                case UnaryOp.Sqrt: TensorPrimitives.Sqrt(s, d); break;
                case UnaryOp.Square: TensorPrimitives.Multiply(s, s, d); break;
                case UnaryOp.Abs: TensorPrimitives.Abs(s, d); break;
                case UnaryOp.Reciprocal: TensorPrimitives.Reciprocal(s, d); break;
                case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(s, d); break;
                case UnaryOp.Tanh: TensorPrimitives.Tanh(s, d); break;
                case UnaryOp.Relu: TensorPrimitives.Max(s, T.Zero, d); break;
                case UnaryOp.Gelu:
                    if (typeof(T) == typeof(float)) VectorGelu.Forward((float*)(px + start), (float*)(pd + start), len);
                    else for (int i = 0; i < len; i++) d[i] = T.CreateTruncating(SpecialFunctions.Gelu(double.CreateTruncating(s[i])));
                    break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown unary op");
            }
        });
    }

    private static void UnaryBackwardImpl<T>(UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* px = (T*)x.Address, py = (T*)y.Address, pg = (T*)dy.Address, pd = (T*)dx.Address;
        T two = T.CreateTruncating(2);
        long work = op is UnaryOp.Gelu ? 16 : 1;
        ForChunks(x.Numel, work, (start, len) =>
        {
            T* xs = px + start, ys = py + start, gs = pg + start, ds = pd + start;
            var g = new ReadOnlySpan<T>(gs, len);
            var d = new Span<T>(ds, len);
            switch (op)
            {
                case UnaryOp.Neg: TensorPrimitives.Negate(g, d); break;
                case UnaryOp.Exp: TensorPrimitives.Multiply(g, new ReadOnlySpan<T>(ys, len), d); break;
                case UnaryOp.Log: TensorPrimitives.Divide(g, new ReadOnlySpan<T>(xs, len), d); break;
                case UnaryOp.Sqrt: for (int i = 0; i < len; i++) ds[i] = gs[i] / (two * ys[i]); break;
                case UnaryOp.Square: for (int i = 0; i < len; i++) ds[i] = two * xs[i] * gs[i]; break;
                case UnaryOp.Abs: for (int i = 0; i < len; i++) ds[i] = xs[i] > T.Zero ? gs[i] : xs[i] < T.Zero ? -gs[i] : T.Zero; break;
                case UnaryOp.Reciprocal: for (int i = 0; i < len; i++) ds[i] = -gs[i] * ys[i] * ys[i]; break;
                case UnaryOp.Sigmoid: for (int i = 0; i < len; i++) ds[i] = gs[i] * ys[i] * (T.One - ys[i]); break;
                case UnaryOp.Tanh: for (int i = 0; i < len; i++) ds[i] = gs[i] * (T.One - ys[i] * ys[i]); break;
                case UnaryOp.Relu: for (int i = 0; i < len; i++) ds[i] = xs[i] > T.Zero ? gs[i] : T.Zero; break;
                case UnaryOp.Gelu:
                    if (typeof(T) == typeof(float)) { VectorGelu.Backward((float*)xs, (float*)gs, (float*)ds, len); break; }
                    for (int i = 0; i < len; i++)
                        ds[i] = T.CreateTruncating(double.CreateTruncating(gs[i]) * SpecialFunctions.GeluDerivative(double.CreateTruncating(xs[i])));
                    break;
                default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown unary op");
            }
        });
    }

    private static void AffineImpl<T>(Tensor x, double alpha, double beta, Tensor destination) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* px = (T*)x.Address, pd = (T*)destination.Address;
        T a = T.CreateTruncating(alpha), b = T.CreateTruncating(beta);
        ForChunks(x.Numel, 1, (start, len) =>
        {
            T* s = px + start, d = pd + start;
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            int w = Vector512<T>.Count, i = 0;
            for (; i <= len - w; i += w) (Vector512.Load(s + i) * va + vb).Store(d + i);
            for (; i < len; i++) d[i] = s[i] * a + b;
        });
    }

    private static void AxpyImpl<T>(double alpha, Tensor x, Tensor y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* px = (T*)x.Address, py = (T*)y.Address;
        T a = T.CreateTruncating(alpha);
        ForChunks(x.Numel, 1, (start, len) =>
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<T>(px + start, len), a, new ReadOnlySpan<T>(py + start, len), new Span<T>(py + start, len)));
    }
}
