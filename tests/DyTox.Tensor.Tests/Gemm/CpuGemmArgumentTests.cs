using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Tensor.Tests.Gemm;

public sealed unsafe class CpuGemmArgumentTests
{
    private readonly float[] _buffer = new float[64];

    [TearDown] public void TearDown() => GemmConfigurations.Reset();

    private void Sgemm(bool ta, bool tb, int m, int n, int k, int lda, int ldb, int ldc)
    {
        fixed (float* p = _buffer) CpuGemm.Sgemm(ta, tb, m, n, k, 1f, p, lda, p, ldb, 0f, p, ldc);
    }

    [TestCase(false, false, 2, 3, 4, 3, 3, 3, "lda")]
    [TestCase(true, false, 5, 3, 2, 4, 3, 3, "lda")]
    [TestCase(false, false, 2, 3, 4, 4, 2, 3, "ldb")]
    [TestCase(false, true, 2, 3, 4, 4, 3, 3, "ldb")]
    [TestCase(false, false, 2, 3, 4, 4, 3, 2, "ldc")]
    [TestCase(false, false, -1, 3, 4, 4, 3, 3, "m")]
    [TestCase(false, false, 2, -3, 4, 4, 3, 3, "n")]
    [TestCase(false, false, 2, 3, -4, 4, 3, 3, "k")]
    public void BadArguments_ThrowNamingTheArgument(bool ta, bool tb, int m, int n, int k, int lda, int ldb, int ldc, string name)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Sgemm(ta, tb, m, n, k, lda, ldb, ldc));
        Assert.That(ex!.ParamName, Is.EqualTo(name));
    }

    [Test]
    public void NullC_Throws() =>
        Assert.Throws<ArgumentNullException>(() => CpuGemm.Sgemm(false, false, 2, 2, 2, 1f, null, 2, null, 2, 0f, null, 2));

    [Test]
    public void OverlappingBatchOutputs_Throw()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
        {
            fixed (float* p = _buffer)
                CpuGemm.SgemmStridedBatched(false, false, 2, 2, 2, 1f, p, 2, 4, p, 2, 4, 0f, p, 2, 3, 2);
        });
        Assert.That(ex!.ParamName, Is.EqualTo("strideC"));
    }

    [Test]
    public void Describe_NamesTheRunningProvider()
    {
        CpuGemm.Provider = GemmProvider.Managed;
        Assert.That(CpuGemm.Describe, Does.StartWith("managed"));
        if (CpuGemm.IsOpenBlasAvailable)
        {
            CpuGemm.Provider = GemmProvider.OpenBlas;
            Assert.That(CpuGemm.Describe, Does.StartWith("OpenBLAS"));
        }
    }
}
