using System.Numerics;

namespace DyTox.Tensor.Tests.Gemm;

/// <summary>Naive float64 row-major GEMM and test-data helpers for the GEMM tests.</summary>
internal static class GemmReference
{
    /// <summary>
    /// C = alpha·op(A)·op(B) + beta·C in float64; also returns, per element, the magnitude
    /// |alpha|·Σ|a||b| + |beta·c| that scales the rounding error of a low-precision evaluation.
    /// </summary>
    public static (double[] Value, double[] Scale) Compute<T>(bool transA, bool transB, int m, int n, int k, double alpha,
        T[] a, int aOffset, int lda, T[] b, int bOffset, int ldb, double beta, T[] c, int cOffset, int ldc)
        where T : unmanaged, INumberBase<T>
    {
        var value = new double[m * n];
        var scale = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0, abs = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = double.CreateChecked(transA ? a[aOffset + p * lda + i] : a[aOffset + i * lda + p]);
                    double y = double.CreateChecked(transB ? b[bOffset + j * ldb + p] : b[bOffset + p * ldb + j]);
                    sum += x * y;
                    abs += Math.Abs(x * y);
                }
                double old = beta == 0 ? 0 : double.CreateChecked(c[cOffset + i * ldc + j]);
                value[i * n + j] = alpha * sum + beta * old;
                scale[i * n + j] = Math.Abs(alpha) * abs + Math.Abs(beta * old);
            }
        return (value, scale);
    }

    /// <summary>Uniform values in [-1, 1), exactly representable in T, from a fixed seed.</summary>
    public static T[] Random<T>(int length, int seed) where T : unmanaged, INumberBase<T>
    {
        var rng = new Random(seed);
        var data = new T[length];
        for (int i = 0; i < length; i++) data[i] = T.CreateTruncating(rng.NextDouble() * 2 - 1);
        return data;
    }

    /// <summary>Unit roundoff of T.</summary>
    public static double Epsilon<T>() => typeof(T) == typeof(float) ? Math.Pow(2, -24) : Math.Pow(2, -53);

    /// <summary>Error bound: a few units of roundoff times sqrt(k) (random-sign accumulation) times the magnitude.</summary>
    public static double Tolerance<T>(int k, double scale) => 4 * Epsilon<T>() * Math.Sqrt(Math.Max(k, 1) + 2) * scale + 1e-30;
}
