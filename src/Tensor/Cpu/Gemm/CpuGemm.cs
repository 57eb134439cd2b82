using System.Numerics;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>
/// Row-major GEMM for the CPU backend: C[m×n] = alpha·op(A)·op(B) + beta·C, op(A) is m×k, op(B) is k×n, lda/ldb/ldc
/// are row strides of the matrices as stored. beta == 0 ignores C's old contents (even NaN). Routes to OpenBLAS
/// (with a forced AVX-512 core type, see <see cref="OpenBlasCoreTypePolicy"/>) or to the managed packed SIMD GEMM.
/// </summary>
public static unsafe class CpuGemm
{
    private static volatile GemmProvider _provider = GemmProvider.Auto;

    /// <summary>
    /// Auto / OpenBlas / Managed. Auto = OpenBLAS when it loaded with a core type that suits the CPU, otherwise the
    /// managed GEMM (on an AVX-512 CPU an OpenBLAS core without AVX-512 kernels — Prescott, or a user-forced Haswell —
    /// is 2–15× slower than the managed AVX-512 GEMM). Setting OpenBlas when the library cannot be loaded throws.
    /// </summary>
    public static GemmProvider Provider
    {
        get => _provider;
        set
        {
            if (value == GemmProvider.OpenBlas && OpenBlasLibrary.Instance is null)
                throw new InvalidOperationException($"GEMM provider OpenBlas requested but unavailable: {OpenBlasLibrary.LoadFailure}");
            if (!Enum.IsDefined(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown GemmProvider.");
            _provider = value;
        }
    }

    /// <summary>True when OpenBLAS was found and bound (loading it on first use).</summary>
    public static bool IsOpenBlasAvailable => OpenBlasLibrary.Instance is not null;

    /// <summary>The corename OpenBLAS reports (e.g. SkylakeX, Cooperlake, Prescott), or null when unavailable.</summary>
    public static string? OpenBlasCoreName => OpenBlasLibrary.Instance?.CoreName;

    /// <summary>What runs now, e.g. "OpenBLAS 0.3.21 (core Cooperlake, 2 threads; ...)" or "managed AVX-512 (...)".</summary>
    public static string Describe => UseOpenBlas(out var lib) ? lib.Describe()
        : ManagedGemm.Describe + (_provider != GemmProvider.Auto ? ""
            : OpenBlasLibrary.Instance is { } skipped ? $"; not using {skipped.Describe()}"
            : $"; {OpenBlasLibrary.LoadFailure}");

    internal static OpenBlasBatchStrategy BatchStrategy { get; set; } = OpenBlasBatchStrategy.Auto;

    private static bool UseOpenBlas(out OpenBlasLibrary lib)
    {
        lib = null!;
        if (_provider == GemmProvider.Managed) return false;
        var instance = OpenBlasLibrary.Instance;
        if (instance is null) return false;
        if (_provider == GemmProvider.Auto && instance.LacksAvx512KernelsOnAvx512Cpu) return false;
        lib = instance;
        return true;
    }

    public static void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda,
                             float* b, int ldb, float beta, float* c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (HandleDegenerate(m, n, k, alpha, beta, c, ldc)) return;
        if (UseOpenBlas(out var lib)) lib.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else ManagedGemm.Gemm(new GemmProblem<float>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc));
    }

    public static void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda,
                             double* b, int ldb, double beta, double* c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        if (HandleDegenerate(m, n, k, alpha, beta, c, ldc)) return;
        if (UseOpenBlas(out var lib)) lib.Dgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else ManagedGemm.Gemm(new GemmProblem<double>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc));
    }

    /// <summary>Batch i computes C + i·strideC from A + i·strideA and B + i·strideB (strides in elements).</summary>
    public static void SgemmStridedBatched(bool transA, bool transB, int m, int n, int k, float alpha,
                                           float* a, int lda, long strideA, float* b, int ldb, long strideB,
                                           float beta, float* c, int ldc, long strideC, int batch)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        GemmArguments.ValidateBatch(m, n, ldc, strideA, strideB, strideC, batch);
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0 || alpha == 0f)
        {
            for (int i = 0; i < batch; i++) ScaleC(m, n, beta, c + i * strideC, ldc);
            return;
        }
        if (UseOpenBlas(out var lib))
        {
            if (ParallelOverBatches(batch))
                Parallel.For(0, batch, i => lib.Sgemm(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * strideC, ldc));
            else
                for (int i = 0; i < batch; i++)
                    lib.Sgemm(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * strideC, ldc);
            return;
        }
        ManagedGemm.GemmStridedBatched(new GemmProblem<float>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc), strideA, strideB, strideC, batch);
    }

    /// <summary>Batch i computes C + i·strideC from A + i·strideA and B + i·strideB (strides in elements).</summary>
    public static void DgemmStridedBatched(bool transA, bool transB, int m, int n, int k, double alpha,
                                           double* a, int lda, long strideA, double* b, int ldb, long strideB,
                                           double beta, double* c, int ldc, long strideC, int batch)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a, lda, b, ldb, c, ldc);
        GemmArguments.ValidateBatch(m, n, ldc, strideA, strideB, strideC, batch);
        if (batch == 0 || m == 0 || n == 0) return;
        if (k == 0 || alpha == 0d)
        {
            for (int i = 0; i < batch; i++) ScaleC(m, n, beta, c + i * strideC, ldc);
            return;
        }
        if (UseOpenBlas(out var lib))
        {
            if (ParallelOverBatches(batch))
                Parallel.For(0, batch, i => lib.Dgemm(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * strideC, ldc));
            else
                for (int i = 0; i < batch; i++)
                    lib.Dgemm(transA, transB, m, n, k, alpha, a + i * strideA, lda, b + i * strideB, ldb, beta, c + i * strideC, ldc);
            return;
        }
        ManagedGemm.GemmStridedBatched(new GemmProblem<double>(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc), strideA, strideB, strideC, batch);
    }

    // Measured (bench/README.md, 2-core AVX-512, 1536 attention GEMMs of 64×64×32 and 64×32×64): one cblas call after
    // another beats Parallel.For over batches (e.g. 190 vs 144 GFLOP/s best-of for P·V); OpenBLAS 0.3.21's small-matrix
    // path is fast and concurrent calls contend inside the library. So Auto = Loop; ParallelOverBatch stays selectable.
    private static bool ParallelOverBatches(int batch) =>
        BatchStrategy == OpenBlasBatchStrategy.ParallelOverBatch && batch > 1;

    /// <summary>m·n == 0: nothing to do. k == 0 or alpha == 0: C = beta·C (beta == 0 → zeros, NaN ignored).</summary>
    private static bool HandleDegenerate<T>(int m, int n, int k, T alpha, T beta, T* c, int ldc) where T : unmanaged, INumberBase<T>
    {
        if (m == 0 || n == 0) return true;
        if (k != 0 && alpha != T.Zero) return false;
        ScaleC(m, n, beta, c, ldc);
        return true;
    }

    private static void ScaleC<T>(int m, int n, T beta, T* c, int ldc) where T : unmanaged, INumberBase<T>
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<T>(c + (long)i * ldc, n);
            if (beta == T.Zero) row.Clear();
            else if (beta != T.One) for (int j = 0; j < n; j++) row[j] *= beta;
        }
    }
}
