using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>
/// One body for float (12×32 tile) and double (12×16 tile) with Vector512 FMA: 24 accumulators + 2 B vectors + 1 broadcast (27 of 32 zmm).
/// Per k step: 2 B loads, 12 broadcasts, 24 FMAs, so the loop is FMA-bound. The two register-tile kernels (Vector512, Vector256) share this
/// shape; only the vector width and MR differ.
/// </summary>
internal readonly unsafe struct Avx512GemmKernel<T> : IGemmMicroKernel<T> where T : unmanaged, INumber<T>
{
    public static int MR => 12;
    public static int NR => 2 * Vector512<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, int ldc, T alpha, T beta)
    {
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + Vector512<T>.Count);
            Vector512<T> x;
            x = Vector512.Create(a[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Fma(x, b0, c60); c61 = Fma(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Fma(x, b0, c70); c71 = Fma(x, b1, c71);
            x = Vector512.Create(a[8]); c80 = Fma(x, b0, c80); c81 = Fma(x, b1, c81);
            x = Vector512.Create(a[9]); c90 = Fma(x, b0, c90); c91 = Fma(x, b1, c91);
            x = Vector512.Create(a[10]); c100 = Fma(x, b0, c100); c101 = Fma(x, b1, c101);
            x = Vector512.Create(a[11]); c110 = Fma(x, b0, c110); c111 = Fma(x, b1, c111);
            a += 12;
            b += 2 * Vector512<T>.Count;
        }
        var va = Vector512.Create(alpha);
        if (beta == T.Zero)
        {
            Store0(c + 0 * ldc, va, c00, c01);
            Store0(c + 1 * ldc, va, c10, c11);
            Store0(c + 2 * ldc, va, c20, c21);
            Store0(c + 3 * ldc, va, c30, c31);
            Store0(c + 4 * ldc, va, c40, c41);
            Store0(c + 5 * ldc, va, c50, c51);
            Store0(c + 6 * ldc, va, c60, c61);
            Store0(c + 7 * ldc, va, c70, c71);
            Store0(c + 8 * ldc, va, c80, c81);
            Store0(c + 9 * ldc, va, c90, c91);
            Store0(c + 10 * ldc, va, c100, c101);
            Store0(c + 11 * ldc, va, c110, c111);
        }
        else
        {
            var vb = Vector512.Create(beta);
            Store(c + 0 * ldc, va, vb, c00, c01);
            Store(c + 1 * ldc, va, vb, c10, c11);
            Store(c + 2 * ldc, va, vb, c20, c21);
            Store(c + 3 * ldc, va, vb, c30, c31);
            Store(c + 4 * ldc, va, vb, c40, c41);
            Store(c + 5 * ldc, va, vb, c50, c51);
            Store(c + 6 * ldc, va, vb, c60, c61);
            Store(c + 7 * ldc, va, vb, c70, c71);
            Store(c + 8 * ldc, va, vb, c80, c81);
            Store(c + 9 * ldc, va, vb, c90, c91);
            Store(c + 10 * ldc, va, vb, c100, c101);
            Store(c + 11 * ldc, va, vb, c110, c111);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store0(T* row, Vector512<T> alpha, Vector512<T> x0, Vector512<T> x1)
    {
        (alpha * x0).Store(row);
        (alpha * x1).Store(row + Vector512<T>.Count);
    }

    // beta·C + alpha·acc as one FMA; the scalar edge path (GemmEdge) uses the same formula, so tiles agree bitwise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, Vector512<T> alpha, Vector512<T> beta, Vector512<T> x0, Vector512<T> x1)
    {
        Fma(Vector512.Load(row), beta, alpha * x0).Store(row);
        Fma(Vector512.Load(row + Vector512<T>.Count), beta, alpha * x1).Store(row + Vector512<T>.Count);
    }

    // One generic body for float and double: the JIT specialises the struct per element type and folds these type
    // tests, so each instantiation compiles to the plain FMA instruction of its element width.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma(Vector512<T> a, Vector512<T> b, Vector512<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector512.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector512.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        throw new NotSupportedException($"no GEMM micro-kernel for {typeof(T).Name}");
    }
}
