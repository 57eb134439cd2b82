using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>
/// double 12×16 tile with Vector512 FMA: 24 accumulators + 2 B vectors + 1 broadcast (27 of 32 zmm).
/// Per k step: 2 B loads, 12 broadcasts, 24 FMAs, so the loop is FMA-bound. The four register-tile kernels share this shape;
/// only the vector width, element type and MR differ.
/// </summary>
internal readonly unsafe struct Avx512DgemmKernel : IGemmMicroKernel<double>
{
    public static int MR => 12;
    public static int NR => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, double* a, double* b, double* c, int ldc, double alpha, double beta)
    {
        Vector512<double> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default, c80 = default, c81 = default, c90 = default, c91 = default, c100 = default, c101 = default, c110 = default, c111 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 8);
            Vector512<double> x;
            x = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(x, b0, c40); c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(x, b0, c50); c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(x, b0, c60); c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(x, b0, c70); c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            x = Vector512.Create(a[8]); c80 = Vector512.FusedMultiplyAdd(x, b0, c80); c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
            x = Vector512.Create(a[9]); c90 = Vector512.FusedMultiplyAdd(x, b0, c90); c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
            x = Vector512.Create(a[10]); c100 = Vector512.FusedMultiplyAdd(x, b0, c100); c101 = Vector512.FusedMultiplyAdd(x, b1, c101);
            x = Vector512.Create(a[11]); c110 = Vector512.FusedMultiplyAdd(x, b0, c110); c111 = Vector512.FusedMultiplyAdd(x, b1, c111);
            a += 12;
            b += 16;
        }
        var va = Vector512.Create(alpha);
        if (beta == 0d)
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
    private static void Store0(double* row, Vector512<double> alpha, Vector512<double> x0, Vector512<double> x1)
    {
        (alpha * x0).Store(row);
        (alpha * x1).Store(row + 8);
    }

    // beta·C + alpha·acc as one FMA; the scalar edge path (GemmEdge) uses the same formula, so tiles agree bitwise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(double* row, Vector512<double> alpha, Vector512<double> beta, Vector512<double> x0, Vector512<double> x1)
    {
        Vector512.FusedMultiplyAdd(Vector512.Load(row), beta, alpha * x0).Store(row);
        Vector512.FusedMultiplyAdd(Vector512.Load(row + 8), beta, alpha * x1).Store(row + 8);
    }
}
