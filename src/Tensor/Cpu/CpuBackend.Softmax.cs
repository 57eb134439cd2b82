using System.Numerics;
using System.Runtime.Intrinsics;

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

    /// <summary>y = exp(x − max) / Σ exp(x − max) in one fused vector pass plus a scaling pass; y may alias x.</summary>
    internal static void SoftmaxRow<T>(T* x, T* y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = Simd.Max(x, n);
        var vmax = Vector512.Create(max);
        var acc = Vector512<T>.Zero;
        int w = Vector512<T>.Count, i = 0;
        for (; i <= n - w; i += w)
        {
            var e = Simd.Exp(Vector512.Load(x + i) - vmax);
            e.Store(y + i);
            acc += e;
        }
        T sum = Vector512.Sum(acc);
        for (; i < n; i++)
        {
            T e = T.Exp(x[i] - max);
            y[i] = e;
            sum += e;
        }
        T inv = T.One / sum;
        var vinv = Vector512.Create(inv);
        for (i = 0; i <= n - w; i += w) (Vector512.Load(y + i) * vinv).Store(y + i);
        for (; i < n; i++) y[i] *= inv;
    }

    /// <summary>y = (x − max) − log Σ exp(x − max), finite for any finite row; y may alias x.</summary>
    internal static void LogSoftmaxRow<T>(T* x, T* y, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = Simd.Max(x, n);
        T logSum = T.Log(SumExpShifted(x, n, max));
        var vmax = Vector512.Create(max);
        var vlog = Vector512.Create(logSum);
        int w = Vector512<T>.Count, i = 0;
        for (; i <= n - w; i += w) (Vector512.Load(x + i) - vmax - vlog).Store(y + i);
        for (; i < n; i++) y[i] = x[i] - max - logSum;
    }

    /// <summary>Σ exp(x[i] − shift), leaving x untouched.</summary>
    internal static T SumExpShifted<T>(T* x, int n, T shift) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var vs = Vector512.Create(shift);
        var acc = Vector512<T>.Zero;
        int w = Vector512<T>.Count, i = 0;
        for (; i <= n - w; i += w) acc += Simd.Exp(Vector512.Load(x + i) - vs);
        T sum = Vector512.Sum(acc);
        for (; i < n; i++) sum += T.Exp(x[i] - shift);
        return sum;
    }

    private static void SoftmaxBackwardRows<T>(T* y, T* dy, T* dx, int rows, int width, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (width == 0) return;
        CpuParallel.For(rows, 4L * width, (begin, end) =>
        {
            int w = Vector512<T>.Count;
            for (int r = begin; r < end; r++)
            {
                long o = (long)r * width;
                T* yr = y + o, gr = dy + o, dr = dx + o;
                int i = 0;
                if (!log)
                {
                    // dx = y·(dy − Σ dy·y)
                    T dot = Simd.Dot(gr, yr, width);
                    var vdot = Vector512.Create(dot);
                    for (; i <= width - w; i += w) ((Vector512.Load(gr + i) - vdot) * Vector512.Load(yr + i)).Store(dr + i);
                    for (; i < width; i++) dr[i] = (gr[i] - dot) * yr[i];
                }
                else
                {
                    // dx = dy − softmax·Σ dy, softmax = exp(y)
                    T sum = Simd.Sum(gr, width);
                    var vsum = Vector512.Create(sum);
                    for (; i <= width - w; i += w) (Vector512.Load(gr + i) - Simd.Exp(Vector512.Load(yr + i)) * vsum).Store(dr + i);
                    for (; i < width; i++) dr[i] = gr[i] - T.Exp(yr[i]) * sum;
                }
            }
        });
    }
}
