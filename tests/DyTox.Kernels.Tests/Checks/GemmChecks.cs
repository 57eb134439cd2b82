namespace DyTox.Kernels.Checks;

/// <summary>
/// IDeviceBlas.Sgemm (row-major, all transposes, strided batch, beta accumulation) vs a float64 GEMM,
/// with the rigorous bound |err| ≤ 2·K·eps·Σ|a||b| per element (γ_K with slack): any layout mistake
/// (swapped m/n, wrong lda) produces O(1) errors and fails.
/// </summary>
public static class GemmChecks
{
    public static IEnumerable<KernelCheck> All()
    {
        foreach (var ta in (bool[])[false, true])
            foreach (var tb in (bool[])[false, true])
                yield return new($"sgemm row-major transA={ta} transB={tb} [33x17x65]", c => Run(c, ta, tb, 33, 17, 65, 1, 0f));
        yield return new("sgemm strided batched x3, beta=1 [24x40x32]", c => Run(c, false, true, 24, 40, 32, 3, 1f));
    }

    private static CheckResult Run(CheckContext c, bool transA, bool transB, int m, int n, int k, int batch, float beta)
    {
        var lda = transA ? m : k;
        var ldb = transB ? k : n;
        var ldc = n;
        long strideA = (long)m * k, strideB = (long)k * n, strideC = (long)m * n;
        var a = c.Uniform((int)strideA * batch);
        var b = c.Uniform((int)strideB * batch);
        var c0 = c.Uniform((int)strideC * batch);
        using var ab = c.Upload(a);
        using var bb = c.Upload(b);
        using var cb = c.Upload(c0);
        const float alpha = 0.75f;
        c.Driver.Blas.Sgemm(transA, transB, m, n, k, alpha, ab.Pointer, lda, strideA, bb.Pointer, ldb, strideB,
                            beta, cb.Pointer, ldc, strideC, batch);
        var actual = c.Download(cb, c0.Length);

        var expected = new double[c0.Length];
        var bound = new double[c0.Length];
        for (var p = 0; p < batch; p++)
            for (var i = 0; i < m; i++)
                for (var j = 0; j < n; j++)
                {
                    double sum = 0, abs = 0;
                    for (var q = 0; q < k; q++)
                    {
                        double av = transA ? a[p * strideA + q * lda + i] : a[p * strideA + i * lda + q];
                        double bv = transB ? b[p * strideB + j * ldb + q] : b[p * strideB + q * ldb + j];
                        sum += av * bv;
                        abs += Math.Abs(av * bv);
                    }
                    var idx = (int)(p * strideC + i * ldc + j);
                    expected[idx] = alpha * sum + beta * c0[idx];
                    bound[idx] = 2 * k * Compare.Eps32 * (Math.Abs(alpha) * abs + Math.Abs(beta * c0[idx]));
                }
        var maxAbs = bound.Max();
        return Compare.Close("sgemm", actual, expected, atol: maxAbs, rtol: 0);
    }
}
