namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>Which implementation <see cref="CpuGemm"/> uses.</summary>
public enum GemmProvider
{
    Auto,
    OpenBlas,
    Managed,
}

/// <summary>
/// Row-major GEMM on host memory: C[m×n] = alpha·op(A)·op(B) + beta·C. (Placeholder of the lead's: a
/// plain correct loop nest; the gemm branch replaces this file with OpenBLAS + a managed AVX-512 kernel.)
/// </summary>
public static unsafe class CpuGemm
{
    public static GemmProvider Provider { get; set; } = GemmProvider.Auto;
    public static string Describe => "naive reference loops";

    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
                             float* b, int ldb, float beta, float* c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                float s = 0;
                for (int p = 0; p < k; p++)
                    s += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                c[i * ldc + j] = beta == 0 ? alpha * s : alpha * s + beta * c[i * ldc + j];
            }
    }

    public static void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda,
                             double* b, int ldb, double beta, double* c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                    s += (transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]);
                c[i * ldc + j] = beta == 0 ? alpha * s : alpha * s + beta * c[i * ldc + j];
            }
    }

    public static void SgemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha,
                                           float* a, int lda, long strideA, float* b, int ldb, long strideB,
                                           float beta, float* c, int ldc, long strideC, int batch)
    {
        for (int i = 0; i < batch; i++)
            Sgemm(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * strideC, ldc);
    }

    public static void DgemmStridedBatched(bool transA, bool transB, int m, int n, int k, double alpha,
                                           double* a, int lda, long strideA, double* b, int ldb, long strideB,
                                           double beta, double* c, int ldc, long strideC, int batch)
    {
        for (int i = 0; i < batch; i++)
            Dgemm(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * strideC, ldc);
    }
}
