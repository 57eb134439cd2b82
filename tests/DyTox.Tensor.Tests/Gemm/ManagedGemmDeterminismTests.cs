using System.Numerics;
using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Tensor.Tests.Gemm;

/// <summary>The managed GEMM gives the same bits for any worker count (fixed blocking, one owner per C tile, no split-k).</summary>
public sealed unsafe class ManagedGemmDeterminismTests
{
    [SetUp] public void SetUp() => CpuGemm.Provider = GemmProvider.Managed;
    [TearDown] public void TearDown() => GemmConfigurations.Reset();

    [TestCase(false, false, 450, 200, 1000)]
    [TestCase(true, true, 37, 700, 300)]
    public void Float_SameBitsForAnyThreadCount(bool transA, bool transB, int m, int n, int k) =>
        AssertSameBits<float>(transA, transB, m, n, k, batch: 1);

    [TestCase(false, true, 260, 300, 520)]
    public void Double_SameBitsForAnyThreadCount(bool transA, bool transB, int m, int n, int k) =>
        AssertSameBits<double>(transA, transB, m, n, k, batch: 1);

    [Test]
    public void Batched_SameBitsForAnyThreadCount() => AssertSameBits<float>(false, true, 64, 64, 32, batch: 48);

    private static void AssertSameBits<T>(bool transA, bool transB, int m, int n, int k, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int lda = transA ? m : k, ldb = transB ? k : n;
        long sa = (long)m * k, sb = (long)k * n, sc = (long)m * n;
        var a = GemmReference.Random<T>((int)(sa * batch), 70);
        var b = GemmReference.Random<T>((int)(sb * batch), 71);
        var c0 = GemmReference.Random<T>((int)(sc * batch), 72);
        T[]? first = null;
        foreach (int threads in new[] { 1, 2, 3, 1 })
        {
            ManagedGemm.MaxDegreeOfParallelism = threads;
            var c = (T[])c0.Clone();
            fixed (T* pa = a)
            fixed (T* pb = b)
            fixed (T* pc = c)
            {
                if (typeof(T) == typeof(float))
                    CpuGemm.SgemmStridedBatched(transA, transB, m, n, k, 1f, (float*)pa, lda, sa, (float*)pb, ldb, sb, 0.5f, (float*)pc, n, sc, batch);
                else
                    CpuGemm.DgemmStridedBatched(transA, transB, m, n, k, 1d, (double*)pa, lda, sa, (double*)pb, ldb, sb, 0.5d, (double*)pc, n, sc, batch);
            }
            if (first is null) { first = c; continue; }
            for (int i = 0; i < c.Length; i++)
                if (!c[i].Equals(first[i]))
                    Assert.Fail($"{threads} threads: element {i} = {c[i]} differs from the 1-thread result {first[i]}");
        }
    }
}
