using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>
/// float 6×16 tile with Vector256 FMA: 12 accumulators + 2 B vectors + 1 broadcast (15 of 16 ymm).
/// Per k step: 2 B loads, 6 broadcasts, 12 FMAs, so the loop is FMA-bound. The four register-tile kernels share this shape;
/// only the vector width, element type and MR differ.
/// </summary>
internal readonly unsafe struct Vector256SgemmKernel : IGemmMicroKernel<float>
{
    public static int MR => 6;
    public static int NR => 16;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, float* a, float* b, float* c, int ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> x;
            x = Vector256.Create(a[0]); c00 = Vector256.FusedMultiplyAdd(x, b0, c00); c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(a[1]); c10 = Vector256.FusedMultiplyAdd(x, b0, c10); c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(a[2]); c20 = Vector256.FusedMultiplyAdd(x, b0, c20); c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(a[3]); c30 = Vector256.FusedMultiplyAdd(x, b0, c30); c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            x = Vector256.Create(a[4]); c40 = Vector256.FusedMultiplyAdd(x, b0, c40); c41 = Vector256.FusedMultiplyAdd(x, b1, c41);
            x = Vector256.Create(a[5]); c50 = Vector256.FusedMultiplyAdd(x, b0, c50); c51 = Vector256.FusedMultiplyAdd(x, b1, c51);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (beta == 0f)
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
    private static void Store0(float* row, Vector256<float> alpha, Vector256<float> x0, Vector256<float> x1)
    {
        (alpha * x0).Store(row);
        (alpha * x1).Store(row + 8);
    }

    // beta·C + alpha·acc as one FMA; the scalar edge path (GemmEdge) uses the same formula, so tiles agree bitwise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* row, Vector256<float> alpha, Vector256<float> beta, Vector256<float> x0, Vector256<float> x1)
    {
        Vector256.FusedMultiplyAdd(Vector256.Load(row), beta, alpha * x0).Store(row);
        Vector256.FusedMultiplyAdd(Vector256.Load(row + 8), beta, alpha * x1).Store(row + 8);
    }
}
