using System.Numerics;
using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Tensor.Tests.Gemm;

[TestFixture(GemmConfiguration.OpenBlas)]
[TestFixture(GemmConfiguration.ManagedAvx512)]
[TestFixture(GemmConfiguration.ManagedVector256)]
public sealed unsafe class CpuGemmBatchedTests(GemmConfiguration configuration)
{
    [SetUp] public void SetUp() => GemmConfigurations.Apply(configuration);
    [TearDown] public void TearDown() => GemmConfigurations.Reset();

    // Many small (parallel over batches), a few large (loop), a broadcast A (strideA = 0), gaps between matrices.
    [TestCase(false, false, 16, 16, 8, 40, false)]
    [TestCase(false, true, 64, 64, 32, 6, false)]
    [TestCase(true, false, 64, 32, 64, 6, false)]
    [TestCase(true, true, 33, 17, 65, 5, true)]
    [TestCase(false, false, 300, 150, 200, 3, false)]
    public void Float(bool transA, bool transB, int m, int n, int k, int batch, bool broadcastA) =>
        CheckBatched<float>(transA, transB, m, n, k, batch, broadcastA);

    [TestCase(false, true, 64, 64, 32, 12, false)]
    [TestCase(true, false, 33, 17, 65, 5, true)]
    public void Double(bool transA, bool transB, int m, int n, int k, int batch, bool broadcastA) =>
        CheckBatched<double>(transA, transB, m, n, k, batch, broadcastA);

    internal static void CheckBatched<T>(bool transA, bool transB, int m, int n, int k, int batch, bool broadcastA)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = (transA ? m : k) + 1, ldb = (transB ? k : n) + 2, ldc = n + 1;
        long strideA = broadcastA ? 0 : (long)(transA ? k : m) * lda + 5;
        long strideB = (long)(transB ? n : k) * ldb + 3;
        long strideC = (long)m * ldc + 7;
        var a = GemmReference.Random<T>((int)(strideA * (batch - 1) + (transA ? k : m) * lda), 60);
        var b = GemmReference.Random<T>((int)(strideB * (batch - 1) + (transB ? n : k) * ldb), 61);
        var c = GemmReference.Random<T>((int)(strideC * batch), 62);
        var before = (T[])c.Clone();
        const double alpha = 0.75, beta = -0.5;
        fixed (T* pa = a)
        fixed (T* pb = b)
        fixed (T* pc = c)
        {
            if (typeof(T) == typeof(float))
                CpuGemm.SgemmStridedBatched(transA, transB, m, n, k, (float)alpha, (float*)pa, lda, strideA, (float*)pb, ldb, strideB,
                                            (float)beta, (float*)pc, ldc, strideC, batch);
            else
                CpuGemm.DgemmStridedBatched(transA, transB, m, n, k, alpha, (double*)pa, lda, strideA, (double*)pb, ldb, strideB,
                                            beta, (double*)pc, ldc, strideC, batch);
        }
        for (int i = 0; i < batch; i++)
        {
            var (expected, scale) = GemmReference.Compute(transA, transB, m, n, k, alpha, a, (int)(i * strideA), lda,
                                                          b, (int)(i * strideB), ldb, beta, before, (int)(i * strideC), ldc);
            for (int r = 0; r < m; r++)
                for (int q = 0; q < n; q++)
                {
                    double got = double.CreateChecked(c[i * strideC + r * ldc + q]);
                    double tol = GemmReference.Tolerance<T>(k, scale[r * n + q]);
                    if (!(Math.Abs(got - expected[r * n + q]) <= tol))
                        Assert.Fail($"batch {i} C[{r},{q}] = {got}, expected {expected[r * n + q]} ± {tol:E2} [{CpuGemm.Describe}]");
                }
            // Gap between this C and the next must be untouched.
            for (long g = i * strideC + (long)(m - 1) * ldc + n; g < Math.Min(c.Length, (i + 1) * strideC); g++)
                Assert.That(c[g], Is.EqualTo(before[g]), $"batch {i}: element {g} outside C was written");
        }
    }
}

/// <summary>Both ways of batching OpenBLAS calls (and the automatic choice) give correct results.</summary>
public sealed class OpenBlasBatchStrategyTests
{
    [SetUp] public void SetUp() => GemmConfigurations.Apply(GemmConfiguration.OpenBlas);
    [TearDown] public void TearDown() => GemmConfigurations.Reset();

    [Test]
    public void Strategies_Agree([Values("Auto", "Loop", "ParallelOverBatch")] string strategy)
    {
        CpuGemm.BatchStrategy = Enum.Parse<OpenBlasBatchStrategy>(strategy);
        CpuGemmBatchedTests.CheckBatched<float>(false, true, 64, 64, 32, 24, false);
        CpuGemmBatchedTests.CheckBatched<double>(true, false, 64, 32, 64, 24, false);
    }
}
