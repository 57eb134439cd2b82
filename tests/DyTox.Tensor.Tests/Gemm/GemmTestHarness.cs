using System.Numerics;
using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Tensor.Tests.Gemm;

/// <summary>
/// Runs one CpuGemm call on padded buffers and checks it against the float64 reference: row strides are larger
/// than the rows (padding holds NaN, so reading it would poison the result), C's padding must stay untouched.
/// </summary>
internal static unsafe class GemmTestHarness
{
    public const int Pad = 3;

    public static void Check<T>(bool transA, bool transB, int m, int n, int k, double alpha, double beta, int seed, bool nanInC = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int aRows = transA ? k : m, aCols = transA ? m : k;
        int bRows = transB ? n : k, bCols = transB ? k : n;
        int lda = aCols + Pad, ldb = bCols + Pad, ldc = n + Pad;
        var a = Padded<T>(aRows, aCols, lda, seed);
        var b = Padded<T>(bRows, bCols, ldb, seed + 1);
        var c = GemmReference.Random<T>(Math.Max(1, m * ldc), seed + 2);
        if (nanInC) Array.Fill(c, T.NaN);
        var cBefore = (T[])c.Clone();
        var (expected, scale) = GemmReference.Compute(transA, transB, m, n, k, alpha, a, 0, lda, b, 0, ldb, beta, cBefore, 0, ldc);

        Run(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        string what = $"{typeof(T).Name} {(transA ? 'T' : 'N')}{(transB ? 'T' : 'N')} m={m} n={n} k={k} alpha={alpha} beta={beta} [{CpuGemm.Describe}]";
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double got = double.CreateChecked(c[i * ldc + j]);
                double want = expected[i * n + j];
                double tol = GemmReference.Tolerance<T>(k, scale[i * n + j]);
                if (!(Math.Abs(got - want) <= tol))
                    Assert.Fail($"{what}: C[{i},{j}] = {got}, expected {want} ± {tol:E2}");
            }
            for (int j = n; j < ldc && i * ldc + j < c.Length; j++)
                if (!c[i * ldc + j].Equals(cBefore[i * ldc + j]))
                    Assert.Fail($"{what}: C padding [{i},{j}] was written");
        }
    }

    public static void Run<T>(bool transA, bool transB, int m, int n, int k, double alpha, T[] a, int lda, T[] b, int ldb,
                              double beta, T[] c, int ldc) where T : unmanaged
    {
        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            if (typeof(T) == typeof(float))
                CpuGemm.Sgemm(transA, transB, m, n, k, (float)alpha, (float*)pa, lda, (float*)pb, ldb, (float)beta, (float*)pc, ldc);
            else
                CpuGemm.Dgemm(transA, transB, m, n, k, alpha, (double*)pa, lda, (double*)pb, ldb, beta, (double*)pc, ldc);
        }
    }

    /// <summary>rows × cols values with row stride ld; the (ld − cols) padding per row is NaN.</summary>
    public static T[] Padded<T>(int rows, int cols, int ld, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var data = GemmReference.Random<T>(Math.Max(1, rows * ld), seed);
        for (int r = 0; r < rows; r++)
            for (int q = cols; q < ld; q++) data[r * ld + q] = T.NaN;
        return data;
    }
}
