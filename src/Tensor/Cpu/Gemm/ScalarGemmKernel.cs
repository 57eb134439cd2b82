using System.Numerics;
using System.Runtime.CompilerServices;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>Portable 4×4 tile for CPUs without AVX2/AVX-512 FMA (and for tests of the driver's blocking on any CPU).</summary>
internal readonly unsafe struct ScalarGemmKernel<T> : IGemmMicroKernel<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public static int MR => 4;
    public static int NR => 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(int kc, T* a, T* b, T* c, int ldc, T alpha, T beta)
    {
        T* acc = stackalloc T[16];
        for (int t = 0; t < 16; t++) acc[t] = T.Zero;
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < 4; i++)
            {
                var x = a[i];
                acc[i * 4 + 0] = T.FusedMultiplyAdd(x, b[0], acc[i * 4 + 0]);
                acc[i * 4 + 1] = T.FusedMultiplyAdd(x, b[1], acc[i * 4 + 1]);
                acc[i * 4 + 2] = T.FusedMultiplyAdd(x, b[2], acc[i * 4 + 2]);
                acc[i * 4 + 3] = T.FusedMultiplyAdd(x, b[3], acc[i * 4 + 3]);
            }
            a += 4;
            b += 4;
        }
        for (int i = 0; i < 4; i++)
        {
            var row = c + (long)i * ldc;
            for (int j = 0; j < 4; j++)
                row[j] = beta == T.Zero ? alpha * acc[i * 4 + j] : T.FusedMultiplyAdd(row[j], beta, alpha * acc[i * 4 + j]);
        }
    }
}
