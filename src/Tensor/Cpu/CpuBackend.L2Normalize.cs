using System.Numerics;
using System.Numerics.Tensors;

namespace DyTox.Tensor.Cpu;

// y = x / (‖x‖₂ + eps) per row of the last axis (herding features).
public sealed unsafe partial class CpuBackend
{
    public void L2Normalize(Tensor x, double eps, Tensor y)
    {
        const string op = "L2Normalize";
        RequireContiguous((x, nameof(x)), (y, nameof(y)));
        var dtype = FloatingDType(op, x, nameof(x), (y, nameof(y)));
        RequireSameShape(op, x, nameof(x), y, nameof(y));
        var (rows, width) = RowsOf(op, x, nameof(x));
        if (dtype == DType.Float32) L2NormalizeImpl<float>((float*)x.Address, eps, (float*)y.Address, rows, width);
        else L2NormalizeImpl<double>((double*)x.Address, eps, (double*)y.Address, rows, width);
    }

    public void L2NormalizeBackward(Tensor x, Tensor dy, double eps, Tensor dx)
    {
        const string op = "L2NormalizeBackward";
        RequireContiguous((x, nameof(x)), (dy, nameof(dy)), (dx, nameof(dx)));
        var dtype = FloatingDType(op, x, nameof(x), (dy, nameof(dy)), (dx, nameof(dx)));
        RequireSameShape(op, x, nameof(x), dy, nameof(dy));
        RequireSameShape(op, x, nameof(x), dx, nameof(dx));
        var (rows, width) = RowsOf(op, x, nameof(x));
        if (dtype == DType.Float32) L2NormalizeBackwardImpl<float>((float*)x.Address, (float*)dy.Address, eps, (float*)dx.Address, rows, width);
        else L2NormalizeBackwardImpl<double>((double*)x.Address, (double*)dy.Address, eps, (double*)dx.Address, rows, width);
    }

    private static void L2NormalizeImpl<T>(T* x, double eps, T* y, int rows, int width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T e = T.CreateTruncating(eps);
        CpuParallel.For(rows, 2L * width, (begin, end) =>
        {
            for (int r = begin; r < end; r++)
            {
                T* xr = x + (long)r * width;
                T norm = T.Sqrt(Simd.SumOfSquares(xr, width));
                TensorPrimitives.Divide(new ReadOnlySpan<T>(xr, width), norm + e, new Span<T>(y + (long)r * width, width));
            }
        });
    }

    private static void L2NormalizeBackwardImpl<T>(T* x, T* dy, double eps, T* dx, int rows, int width) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T e = T.CreateTruncating(eps);
        CpuParallel.For(rows, 3L * width, (begin, end) =>
        {
            for (int r = begin; r < end; r++)
            {
                long o = (long)r * width;
                T* xr = x + o, gr = dy + o, dr = dx + o;
                T norm = T.Sqrt(Simd.SumOfSquares(xr, width));
                T d = norm + e;
                // dx = dy/d − x·(dy·x)/(d²·‖x‖); at x = 0 the norm's gradient is taken as 0 (torch's subgradient).
                T coef = norm > T.Zero ? -Simd.Dot(gr, xr, width) / (d * d * norm) : T.Zero;
                T inv = T.One / d;
                for (int i = 0; i < width; i++) dr[i] = gr[i] * inv + xr[i] * coef;
            }
        });
    }
}
