using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>
/// One body for float (6×16 tile) and double (6×8 tile) with Vector256 FMA: 12 accumulators + 2 B vectors + 1 broadcast (15 of 16 ymm).
/// Per k step: 2 B loads, 6 broadcasts, 12 FMAs, so the loop is FMA-bound. The two register-tile kernels (Vector512, Vector256) share this
/// shape; only the vector width and MR differ.
/// </summary>
internal readonly unsafe struct Vector256GemmKernel<T> : IGemmMicroKernel<T> where T : unmanaged, INumber<T>
{
    public static int MR => 6;
    public static int NR => 2 * Vector256<T>.Count;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, int ldc, T alpha, T beta)
    {
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + Vector256<T>.Count);
            Vector256<T> x;
            x = Vector256.Create(a[0]); c00 = Fma(x, b0, c00); c01 = Fma(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Fma(x, b0, c10); c11 = Fma(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Fma(x, b0, c20); c21 = Fma(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Fma(x, b0, c30); c31 = Fma(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Fma(x, b0, c40); c41 = Fma(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Fma(x, b0, c50); c51 = Fma(x, b1, c51);
            a += 6;
            b += 2 * Vector256<T>.Count;
        }
        var va = Vector256.Create(alpha);
        if (beta == T.Zero)
        {
            Store0(c + 0 * ldc, va, c00, c01);
            Store0(c + 1 * ldc, va, c10, c11);
            Store0(c + 2 * ldc, va, c20, c21);
            Store0(c + 3 * ldc, va, c30, c31);
            Store0(c + 4 * ldc, va, c40, c41);
            Store0(c + 5 * ldc, va, c50, c51);
        }
        else
        {
            var vb = Vector256.Create(beta);
            Store(c + 0 * ldc, va, vb, c00, c01);
            Store(c + 1 * ldc, va, vb, c10, c11);
            Store(c + 2 * ldc, va, vb, c20, c21);
            Store(c + 3 * ldc, va, vb, c30, c31);
            Store(c + 4 * ldc, va, vb, c40, c41);
            Store(c + 5 * ldc, va, vb, c50, c51);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store0(T* row, Vector256<T> alpha, Vector256<T> x0, Vector256<T> x1)
    {
        (alpha * x0).Store(row);
        (alpha * x1).Store(row + Vector256<T>.Count);
    }

    // beta·C + alpha·acc as one FMA; the scalar edge path (GemmEdge) uses the same formula, so tiles agree bitwise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(T* row, Vector256<T> alpha, Vector256<T> beta, Vector256<T> x0, Vector256<T> x1)
    {
        Fma(Vector256.Load(row), beta, alpha * x0).Store(row);
        Fma(Vector256.Load(row + Vector256<T>.Count), beta, alpha * x1).Store(row + Vector256<T>.Count);
    }

    // One generic body for float and double: the JIT specialises the struct per element type and folds these type
    // tests, so each instantiation compiles to the plain FMA instruction of its element width.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma(Vector256<T> a, Vector256<T> b, Vector256<T> c)
    {
        if (typeof(T) == typeof(float))
            return Vector256.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Vector256.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        throw new NotSupportedException($"no GEMM micro-kernel for {typeof(T).Name}");
    }
}
