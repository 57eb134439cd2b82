using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

public class LossTests
{
    [TestCase(65, 36)]
    [TestCase(130, 40)] // more than one 4096-element partial
    public void BceWithLogitsAndBackward(int b, int c)
    {
        using var scope = TensorScope.Begin();
        var (xc, xg) = Both(Random(b * c, 200, -30, 30), b, c);  // large logits: the stable form matters
        var (tc, tg) = Both(Random(b * c, 201, 0, 1), b, c);      // soft targets
        var (lc, lg) = BothEmpty(1);
        Cpu.BceWithLogits(xc, tc, lc);
        Gpu.BceWithLogits(xg, tg, lg);
        AssertClose(lg, lc, Rtol(b * c, 16), 0, "BCE");
        var (dc, dg) = BothEmpty(b, c);
        Cpu.BceWithLogitsBackward(xc, tc, 0.5, dc);
        Gpu.BceWithLogitsBackward(xg, tg, 0.5, dg);
        // scale·(σ(x) − y) cancels when σ(x) ≈ y: the error is bounded by scale·eps·(σ + y), not by the result.
        AssertClose(dg, dc, 8 * Eps, 8 * Eps * 0.5 / (b * c), "BCE backward");
    }

    [TestCase(0.0)]
    [TestCase(0.1)]
    public void SoftmaxCrossEntropyWithSmoothing(double smoothing)
    {
        using var scope = TensorScope.Begin();
        const int b = 65, c = 37;
        var (xc, xg) = Both(Random(b * c, 210, -8, 8), b, c);
        var labels = Enumerable.Range(0, b).Select(i => (i * 7) % c).ToArray();
        var (yc, yg) = BothInt(labels, b);
        var (lc, lg) = BothEmpty(1);
        Cpu.SoftmaxCrossEntropy(xc, yc, smoothing, lc);
        Gpu.SoftmaxCrossEntropy(xg, yg, smoothing, lg);
        AssertClose(lg, lc, Rtol(b * c, 16), 0, "CE");
        var (dc, dg) = BothEmpty(b, c);
        Cpu.SoftmaxCrossEntropyBackward(xc, yc, smoothing, 2.0, dc);
        Gpu.SoftmaxCrossEntropyBackward(xg, yg, smoothing, 2.0, dg);
        AssertClose(dg, dc, Rtol(c, 8), 1e-9, "CE backward");
    }

    [Test]
    public void KnowledgeDistillationAndBackward()
    {
        using var scope = TensorScope.Begin();
        const int b = 65, c = 36;
        var (sc, sg) = Both(Random(b * c, 220, -5, 5), b, c);
        var (tc, tg) = Both(Random(b * c, 221, -5, 5), b, c);
        var (lc, lg) = BothEmpty(1);
        Cpu.KnowledgeDistillation(sc, tc, 2.0, lc);
        Gpu.KnowledgeDistillation(sg, tg, 2.0, lg);
        AssertClose(lg, lc, Rtol(b * c, 32), 1e-7, "KD");
        var (dc, dg) = BothEmpty(b, c);
        Cpu.KnowledgeDistillationBackward(sc, tc, 2.0, 1.0, dc);
        Gpu.KnowledgeDistillationBackward(sg, tg, 2.0, 1.0, dg);
        AssertClose(dg, dc, Rtol(c, 8), 1e-10, "KD backward");
    }

    [Test]
    public void CrossEntropyRejectsOutOfRangeLabels()
    {
        using var scope = TensorScope.Begin();
        var x = Upload(Gpu, Random(6, 1), 2, 3);
        var y = UploadInt(Gpu, [0, 3], 2);
        var l = Gpu.Empty(DType.Float32, [1]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Gpu.SoftmaxCrossEntropy(x, y, 0, l))!;
        Assert.That(e.Message, Does.Contain("labels[1] = 3"));
    }
}
