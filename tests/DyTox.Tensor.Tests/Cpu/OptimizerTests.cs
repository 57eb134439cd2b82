namespace DyTox.Tensor.Tests.Cpu;

public class OptimizerTests : CpuTestBase
{
    [Test]
    public void AdamWFollowsTorchForTwoSteps()
    {
        // Hand trace of torch.optim.AdamW for one element p0 = 1, g1 = 0.5, g2 = −0.2,
        // lr = 0.1, β = (0.9, 0.999), eps = 1e-8, wd = 0.01:
        // step 1: p = 1·(1 − 0.001) = 0.999; m = 0.05; v = 0.00025; m̂ = 0.5, v̂ = 0.25 → p = 0.999 − 0.1·0.5/(0.5 + 1e-8)
        // step 2: p ← p·0.999; m = 0.045 − 0.02 = 0.025; v = 0.00024975 + 0.00004 = 0.00028975;
        //         p ← p − (0.1/0.19)·m / (√v/√0.001999 + 1e-8)
        double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        double p1 = 0.999 - 0.1 * 0.5 / (0.5 + 1e-8);
        double m2 = 0.025, v2 = 0.00028975;
        double p2 = p1 * 0.999 - (0.1 / (1 - 0.81)) * m2 / (Math.Sqrt(v2) / Math.Sqrt(1 - 0.998001) + 1e-8);
        foreach (var dtype in FloatTypes)
        {
            var p = Make([1.0, -2.0], dtype, 2);
            var m = Zeros(dtype, 2);
            var v = Zeros(dtype, 2);
            Cpu.AdamWStep(p, Make([0.5, 0.0], dtype, 2), m, v, new AdamWHyper(lr, b1, b2, eps, wd, 1));
            Assert.That(Values(p)[0], Is.EqualTo(p1).Within(dtype == DType.Float32 ? 1e-6 : 1e-14), $"step 1 {dtype}");
            Assert.That(Values(p)[1], Is.EqualTo(-2 * 0.999).Within(dtype == DType.Float32 ? 1e-6 : 1e-14), $"decay only {dtype}");
            Cpu.AdamWStep(p, Make([-0.2, 0.0], dtype, 2), m, v, new AdamWHyper(lr, b1, b2, eps, wd, 2));
            double tol = dtype == DType.Float32 ? 1e-6 : 1e-13;
            Assert.That(Values(m)[0], Is.EqualTo(m2).Within(tol), $"m after step 2 {dtype}");
            Assert.That(Values(v)[0], Is.EqualTo(v2).Within(tol * 1e-3), $"v after step 2 {dtype}");
            Assert.That(Values(p)[0], Is.EqualTo(p2).Within(tol), $"p after step 2 {dtype}");
        }
    }

    [Test]
    public void AdamWVectorAndScalarPathsAgree()
    {
        // 37 elements: two full Vector512<float> blocks and a scalar tail must follow the same formula.
        var rng = new Rng(71);
        var p0 = Uniform(rng, 37);
        var g = Uniform(rng, 37);
        var p = Make(p0, DType.Float32, 37);
        var m = Make(Uniform(rng, 37, 0, 0.1), DType.Float32, 37);
        var v = Make(Uniform(rng, 37, 0, 0.01), DType.Float32, 37);
        var mv = Values(m);
        var vv = Values(v);
        Cpu.AdamWStep(p, Make(g, DType.Float32, 37), m, v, new AdamWHyper(1e-3, 0.9, 0.999, 1e-8, 0.05, 3));
        var got = p.ToArray<float>();
        float decay = (float)(1 - 1e-3 * 0.05), w1 = (float)(1 - 0.9), b2 = 0.999f, w2 = (float)(1 - 0.999);
        float negStep = (float)(-(1e-3 / (1 - Math.Pow(0.9, 3)))), bc2 = (float)Math.Sqrt(1 - Math.Pow(0.999, 3)), e = 1e-8f;
        for (int i = 0; i < 37; i++)
        {
            float gi = (float)g[i], mi = (float)mv[i], vi = (float)vv[i];
            mi = MathF.FusedMultiplyAdd(w1, gi - mi, mi);
            vi = vi * b2 + w2 * gi * gi;
            float expected = (float)p0[i] * decay + negStep * mi / (MathF.Sqrt(vi) / bc2 + e);
            Assert.That(got[i], Is.EqualTo(expected), $"element {i}");
        }
    }

    [Test]
    public void SgdWithNesterovMomentumFollowsTorch()
    {
        // torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True), p0 = 1, grads 0.5 then −0.2.
        double p = 1, buf;
        double d = 0.5 + 0.01 * p; buf = d; d += 0.9 * buf; p -= 0.1 * d;
        double d2 = -0.2 + 0.01 * p; buf = buf * 0.9 + d2; d2 += 0.9 * buf; p -= 0.1 * d2;
        var tp = Make([1.0], DType.Float64, 1);
        var tb = Zeros(DType.Float64, 1);
        Cpu.SgdStep(tp, Make([0.5], DType.Float64, 1), tb, new SgdHyper(0.1, 0.9, 0.01, true, true));
        Cpu.SgdStep(tp, Make([-0.2], DType.Float64, 1), tb, new SgdHyper(0.1, 0.9, 0.01, true, false));
        Assert.That(tp.Item(), Is.EqualTo(p).Within(1e-15));
        Assert.That(tb.Item(), Is.EqualTo(buf).Within(1e-15));

        var plain = Make([2.0], DType.Float32, 1);
        Cpu.SgdStep(plain, Make([0.5], DType.Float32, 1), null, new SgdHyper(0.1, 0, 0, false, true));
        Assert.That(plain.Item(), Is.EqualTo(1.95).Within(1e-6));
    }

    [Test]
    public void OptimizerErrorsNameTheArgument()
    {
        var p = Cpu.Empty(DType.Float32, [3]);
        var ex = Assert.Throws<ArgumentException>(() => Cpu.AdamWStep(p, Cpu.Empty(DType.Float32, [3]), Cpu.Empty(DType.Float32, [4]), Cpu.Empty(DType.Float32, [3]), new AdamWHyper(1, 0.9, 0.999, 1e-8, 0, 1)))!;
        Assert.That(ex.Message, Does.Contain("m has shape [4]").And.Contain("expected [3]"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.AdamWStep(p, p, Cpu.Empty(DType.Float32, [3]), Cpu.Empty(DType.Float32, [3]), new AdamWHyper(1, 0.9, 0.999, 1e-8, 0, 0)));
        Assert.Throws<ArgumentNullException>(() => Cpu.SgdStep(p, p, null, new SgdHyper(0.1, 0.9, 0, false, true)));
    }
}
