namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>Argument checks shared by every provider, so bad input fails the same way with a message naming it.</summary>
internal static unsafe class GemmArguments
{
    public static void Validate<T>(bool transA, bool transB, int m, int n, int k, T* a, int lda, T* b, int ldb, T* c, int ldc)
        where T : unmanaged
    {
        if (m < 0) throw new ArgumentOutOfRangeException(nameof(m), m, "GEMM: m (rows of op(A) and C) must be >= 0.");
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n), n, "GEMM: n (columns of op(B) and C) must be >= 0.");
        if (k < 0) throw new ArgumentOutOfRangeException(nameof(k), k, "GEMM: k (columns of op(A), rows of op(B)) must be >= 0.");
        int aCols = transA ? m : k, bCols = transB ? k : n;
        if (lda < Math.Max(1, aCols))
            throw new ArgumentOutOfRangeException(nameof(lda), lda, $"GEMM: lda must be >= max(1, {aCols}) (row length of A as stored, transA={transA}).");
        if (ldb < Math.Max(1, bCols))
            throw new ArgumentOutOfRangeException(nameof(ldb), ldb, $"GEMM: ldb must be >= max(1, {bCols}) (row length of B as stored, transB={transB}).");
        if (ldc < Math.Max(1, n))
            throw new ArgumentOutOfRangeException(nameof(ldc), ldc, $"GEMM: ldc must be >= max(1, n={n}).");
        if (m > 0 && n > 0 && c == null) throw new ArgumentNullException(nameof(c), "GEMM: C is null but m·n > 0.");
        if (m > 0 && n > 0 && k > 0)
        {
            if (a == null) throw new ArgumentNullException(nameof(a), "GEMM: A is null but m·k > 0.");
            if (b == null) throw new ArgumentNullException(nameof(b), "GEMM: B is null but k·n > 0.");
        }
    }

    public static void ValidateBatch(int m, int n, int ldc, long strideA, long strideB, long strideC, int batch)
    {
        if (batch < 0) throw new ArgumentOutOfRangeException(nameof(batch), batch, "Batched GEMM: batch must be >= 0.");
        if (strideA < 0) throw new ArgumentOutOfRangeException(nameof(strideA), strideA, "Batched GEMM: strideA must be >= 0.");
        if (strideB < 0) throw new ArgumentOutOfRangeException(nameof(strideB), strideB, "Batched GEMM: strideB must be >= 0.");
        // Outputs of different batches must not overlap (they are written concurrently).
        long cExtent = m == 0 || n == 0 ? 0 : (long)(m - 1) * ldc + n;
        if (batch > 1 && strideC < cExtent)
            throw new ArgumentOutOfRangeException(nameof(strideC), strideC, $"Batched GEMM: strideC must be >= (m-1)·ldc+n = {cExtent} so the C matrices do not overlap.");
    }
}
