namespace DyTox.Kernels.Runtime;

/// <summary>
/// Validation shared by every <see cref="IDeviceBlas"/> implementation, so the real cuBLAS path and the
/// emulator reject the same bad calls with the same message. Row-major: op(A) is m×k, op(B) is k×n,
/// C is m×n; lda/ldb/ldc are the stored row lengths.
/// </summary>
public static class GemmArguments
{
    public static void Validate(bool transA, bool transB, int m, int n, int k,
                                int lda, long strideA, int ldb, long strideB, int ldc, long strideC, int batchCount)
    {
        if (m <= 0) throw new ArgumentOutOfRangeException(nameof(m), m, "GEMM m (rows of C) must be positive.");
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), n, "GEMM n (columns of C) must be positive.");
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k), k, "GEMM k (the reduced dimension) must be positive.");
        if (batchCount <= 0) throw new ArgumentOutOfRangeException(nameof(batchCount), batchCount, "GEMM batchCount must be positive.");
        // Stored row lengths: A is m×k (or k×m when transposed), B is k×n (or n×k), C is m×n.
        var aCols = transA ? m : k;
        var bCols = transB ? k : n;
        if (lda < aCols) throw new ArgumentOutOfRangeException(nameof(lda), lda, $"lda must be at least {aCols} (the stored row length of A{(transA ? "ᵀ" : "")}).");
        if (ldb < bCols) throw new ArgumentOutOfRangeException(nameof(ldb), ldb, $"ldb must be at least {bCols} (the stored row length of B{(transB ? "ᵀ" : "")}).");
        if (ldc < n) throw new ArgumentOutOfRangeException(nameof(ldc), ldc, $"ldc must be at least n = {n}.");
        if (batchCount > 1)
        {
            if (strideA < 0) throw new ArgumentOutOfRangeException(nameof(strideA), strideA, "strideA must not be negative.");
            if (strideB < 0) throw new ArgumentOutOfRangeException(nameof(strideB), strideB, "strideB must not be negative.");
            if (strideC < (long)(m - 1) * ldc + n)
                throw new ArgumentOutOfRangeException(nameof(strideC), strideC, "strideC must separate the batch's C matrices (at least (m-1)·ldc + n).");
        }
    }
}
