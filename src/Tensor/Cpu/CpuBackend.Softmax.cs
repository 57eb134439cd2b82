using System.Numerics;
using System.Numerics.Tensors;

namespace DyTox.Tensor.Cpu;

// Softmax family over the last axis, max-subtracted (TensorPrimitives.SoftMax is not), one row per work item.
public sealed unsafe partial class CpuBackend
{
    public void Softmax(Tensor x, Tensor y) => SoftmaxFamily("Softmax", x, y, log: false);

    public void LogSoftmax(Tensor x, Tensor y) => SoftmaxFamily("LogSoftmax", x, y, log: true);

    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => SoftmaxFamilyBackward("SoftmaxBackward", y, dy, dx, log: false);

    public void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => SoftmaxFamilyBackward("LogSoftmaxBackward", y, dy, dx, log: true);

    private static void SoftmaxFamily(string op, Tensor x, Tensor y, bool log)
    {
        RequireContiguous((x, nameof(x)), (y, nameof(y)));
        var dtype = FloatingDType(op, x, nameof(x), (y, nameof(y)));
        RequireSameShape(op, x, nameof(x), y, nameof(y));
        var (rows, width) = RowsOf(op, x, nameof(x));
        if (dtype == DType.Float32) SoftmaxRows<float>((float*)x.Address, (float*)y.Address, rows, width, log);
        else SoftmaxRows<double>((double*)x.Address, (double*)y.Address, rows, width, log);
    }

    private static void SoftmaxFamilyBackward(string op, Tensor y, Tensor dy, Tensor dx, bool log)
    {
        RequireContiguous((y, nameof(y)), (dy, nameof(dy)), (dx, nameof(dx)));
        var dtype = FloatingDType(op, y, nameof(y), (dy, nameof(dy)), (dx, nameof(dx)));
        RequireSameShape(op, y, nameof(y), dy, nameof(dy));
        RequireSameShape(op, y, nameof(y), dx, nameof(dx));
        var (rows, width) = RowsOf(op, y, nameof(y));
        if (dtype == DType.Float32) SoftmaxBackwardRows<float>((float*)y.Address, (float*)dy.Address, (float*)dx.Address, rows, width, log);
        else SoftmaxBackwardRows<double>((double*)y.Address, (double*)dy.Address, (double*)dx.Address, rows, width, log);
    }

    internal static void SoftmaxRows<T>(T* x, T* y, int rows, int width, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (width == 0) return;
        CpuParallel.For(rows, 4L * width, (begin, end) =>
        {
            for (int r = begin; r < end; r++)
            {
                T* xr = x + (long)r * width, yr = y + (long)r * width;
                if (log) LogSoftmaxRow(xr, yr, width);
                else SoftmaxRow(xr, yr, width);
            }
        });
    }

    /// <summary>y = exp(x − max) / Σ exp(x − max); y may alias x.</summary>
    internal static void SoftmaxRow<T>(T* x, T* y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = Simd.Max(x, n);
        var ys = new Span<T>(y, n);
        TensorPrimitives.Subtract(new ReadOnlySpan<T>(x, n), max, ys);
        TensorPrimitives.Exp(ys, ys);
        T sum = Simd.Sum(y, n);
        TensorPrimitives.Multiply(ys, T.One / sum, ys);
    }

    /// <summary>y = (x − max) − log Σ exp(x − max), finite for any finite row; y may alias x only when
    /// it is not needed afterwards (x is read twice).</summary>
    internal static void LogSoftmaxRow<T>(T* x, T* y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = Simd.Max(x, n);
        T sum = SumExpShifted(x, n, max);
        T logSum = T.Log(sum);
        var ys = new Span<T>(y, n);
        TensorPrimitives.Subtract(new ReadOnlySpan<T>(x, n), max, ys);
        TensorPrimitives.Subtract(ys, logSum, ys);
    }

    /// <summary>Σ exp(x[i] − shift), in blocks through a stack buffer so that x is left untouched.</summary>
    internal static T SumExpShifted<T>(T* x, int n, T shift) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int Block = 256;
        T* tmp = stackalloc T[Block];
        T sum = T.Zero;
        for (int i = 0; i < n; i += Block)
        {
            int len = Math.Min(Block, n - i);
            var t = new Span<T>(tmp, len);
            TensorPrimitives.Subtract(new ReadOnlySpan<T>(x + i, len), shift, t);
            TensorPrimitives.Exp(t, t);
            sum += Simd.Sum(tmp, len);
        }
        return sum;
    }

    private static void SoftmaxBackwardRows<T>(T* y, T* dy, T* dx, int rows, int width, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (width == 0) return;
        CpuParallel.For(rows, 4L * width, (begin, end) =>
        {
            const int Block = 256;
            T* tmp = stackalloc T[Block];
            for (int r = begin; r < end; r++)
            {
                long o = (long)r * width;
                T* yr = y + o, gr = dy + o, dr = dx + o;
                if (!log)
                {
                    // dx = y·(dy − Σ dy·y)
                    T dot = Simd.Dot(gr, yr, width);
                    var ds = new Span<T>(dr, width);
                    TensorPrimitives.Subtract(new ReadOnlySpan<T>(gr, width), dot, ds);
                    TensorPrimitives.Multiply(ds, new ReadOnlySpan<T>(yr, width), ds);
                }
                else
                {
                    // dx = dy − softmax·Σ dy, softmax = exp(y)
                    T sum = Simd.Sum(gr, width);
                    for (int i = 0; i < width; i += Block)
                    {
                        int len = Math.Min(Block, width - i);
                        var t = new Span<T>(tmp, len);
                        TensorPrimitives.Exp(new ReadOnlySpan<T>(yr + i, len), t);
                        TensorPrimitives.MultiplyAdd(t, -sum, new ReadOnlySpan<T>(gr + i, len), new Span<T>(dr + i, len));
                    }
                }
            }
        });
    }
}
