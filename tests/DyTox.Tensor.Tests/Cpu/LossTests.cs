namespace DyTox.Tensor.Tests.Cpu;

public class LossTests : CpuTestBase
{
    private static double Softplus(double x) => Math.Max(x, 0) + Math.Log(1 + Math.Exp(-Math.Abs(x)));

    [Test]
    public void BceWithLogitsIsTheElementwiseMean()
    {
        var rng = new Rng(61);
        const int b = 5, c = 13;
        var x = Uniform(rng, b * c, -6, 6);
        var y = Uniform(rng, b * c, 0, 1); // soft targets
        foreach (var dtype in FloatTypes)
        {
            var xr = Rounded(x, dtype);
            var yr = Rounded(y, dtype);
            var loss = Cpu.Empty(dtype, [1]);
            Cpu.BceWithLogits(Make(xr, dtype, b, c), Make(yr, dtype, b, c), loss);
            // −[y·log σ(x) + (1−y)·log(1−σ(x))] = y·softplus(−x) + (1−y)·softplus(x)
            double expected = xr.Select((v, i) => yr[i] * Softplus(-v) + (1 - yr[i]) * Softplus(v)).Average();
            Assert.That(loss.Item(), Is.EqualTo(expected).Within(Rtol(dtype, 8, b * c) * expected), $"BCE {dtype}");
        }
    }

    [Test]
    public void BceBackwardMatchesFiniteDifferences()
    {
        var rng = new Rng(62);
        const int b = 4, c = 9;
        var x = Uniform(rng, b * c, -4, 4);
        var y = Uniform(rng, b * c, 0, 1);
        var ty = Make(y, DType.Float64, b, c);
        double F(double[] v)
        {
            var loss = Cpu.Empty(DType.Float64, [1]);
            Cpu.BceWithLogits(Make(v, DType.Float64, b, c), ty, loss);
            return 0.7 * loss.Item();
        }
        var dx = Cpu.Empty(DType.Float64, [b, c]);
        Cpu.BceWithLogitsBackward(Make(x, DType.Float64, b, c), ty, 0.7, dx);
        AssertGradient(Values(dx), NumericalGradient(F, x), "BCE'");
    }

    [Test]
    public void CrossEntropyWithSmoothingMatchesReference([Values(0.0, 0.1)] double smoothing)
    {
        var rng = new Rng(63);
        const int b = 6, c = 11;
        var x = Uniform(rng, b * c, -5, 5);
        int[] labels = [0, 10, 3, 3, 7, 1];
        foreach (var dtype in FloatTypes)
        {
            var xr = Rounded(x, dtype);
            var loss = Cpu.Empty(dtype, [1]);
            Cpu.SoftmaxCrossEntropy(Make(xr, dtype, b, c), MakeInt(labels, b), smoothing, loss);
            double expected = 0;
            for (int r = 0; r < b; r++)
            {
                var row = xr.Skip(r * c).Take(c).ToArray();
                double lse = Math.Log(row.Sum(Math.Exp));
                for (int k = 0; k < c; k++)
                {
                    double t = (k == labels[r] ? 1 - smoothing : 0) + smoothing / c;
                    expected -= t * (row[k] - lse);
                }
            }
            expected /= b;
            Assert.That(loss.Item(), Is.EqualTo(expected).Within(Rtol(dtype, 8, c) * expected), $"CE {dtype}");
        }
        var labelTensor = MakeInt(labels, b);
        double F(double[] v)
        {
            var loss = Cpu.Empty(DType.Float64, [1]);
            Cpu.SoftmaxCrossEntropy(Make(v, DType.Float64, b, c), labelTensor, smoothing, loss);
            return 1.3 * loss.Item();
        }
        var dx = Cpu.Empty(DType.Float64, [b, c]);
        Cpu.SoftmaxCrossEntropyBackward(Make(x, DType.Float64, b, c), labelTensor, smoothing, 1.3, dx);
        AssertGradient(Values(dx), NumericalGradient(F, x), "CE'");
    }

    [TestCase(1.0)]
    [TestCase(2.0)]
    public void DistillationIsTorchKlDivWithElementwiseMean(double tau)
    {
        var rng = new Rng(64);
        const int b = 5, c = 7;
        var zs = Uniform(rng, b * c, -4, 4);
        var zt = Uniform(rng, b * c, -4, 4);
        foreach (var dtype in FloatTypes)
        {
            var s = Rounded(zs, dtype);
            var t = Rounded(zt, dtype);
            var loss = Cpu.Empty(dtype, [1]);
            Cpu.KnowledgeDistillation(Make(s, dtype, b, c), Make(t, dtype, b, c), tau, loss);
            double expected = 0;
            for (int r = 0; r < b; r++)
            {
                var rs = s.Skip(r * c).Take(c).Select(v => v / tau).ToArray();
                var rt = t.Skip(r * c).Take(c).Select(v => v / tau).ToArray();
                double ls = Math.Log(rs.Sum(Math.Exp)), lt = Math.Log(rt.Sum(Math.Exp));
                for (int k = 0; k < c; k++) expected += Math.Exp(rt[k] - lt) * ((rt[k] - lt) - (rs[k] - ls));
            }
            expected *= tau * tau / (b * c);
            Assert.That(loss.Item(), Is.EqualTo(expected).Within(Rtol(dtype, 64, c) * expected), $"KD τ={tau} {dtype}");
        }
        var tt = Make(zt, DType.Float64, b, c);
        double F(double[] v)
        {
            var loss = Cpu.Empty(DType.Float64, [1]);
            Cpu.KnowledgeDistillation(Make(v, DType.Float64, b, c), tt, tau, loss);
            return 0.9 * loss.Item();
        }
        var dx = Cpu.Empty(DType.Float64, [b, c]);
        Cpu.KnowledgeDistillationBackward(Make(zs, DType.Float64, b, c), tt, tau, 0.9, dx);
        AssertGradient(Values(dx), NumericalGradient(F, zs), "KD'");
    }

    [Test]
    public void LossesStayFiniteForHugeLogits()
    {
        var x = new double[] { 1e4, -1e4, 0, 1e4, /**/ -1e4, -1e4, 5, 1e4 };
        var soft = new double[] { 1, 0, 0.5, 0, /**/ 0, 1, 0.3, 1 };
        var teacher = new double[] { -1e4, 1e4, 1e4, 0, /**/ 1e4, -1e4, 0, 3 };
        foreach (var dtype in FloatTypes)
        {
            var lx = Make(x, dtype, 2, 4);
            var loss = Cpu.Empty(dtype, [1]);
            var grad = Cpu.Empty(dtype, [2, 4]);

            Cpu.BceWithLogits(lx, Make(soft, dtype, 2, 4), loss);
            // Exact: elements 0, 4 (y = 0 at −1e4) and 7 contribute 0; 1: 1e4·0 ... use the softplus form.
            double bce = x.Select((v, i) => soft[i] * Softplus(-v) + (1 - soft[i]) * Softplus(v)).Average();
            Assert.That(loss.Item(), Is.EqualTo(bce).Within(1e-6 * bce), $"BCE ±1e4 {dtype}");
            Cpu.BceWithLogitsBackward(lx, Make(soft, dtype, 2, 4), 1, grad);
            AssertAllFinite(Values(grad), $"BCE' ±1e4 {dtype}");

            Cpu.SoftmaxCrossEntropy(lx, MakeInt([1, 2], 2), 0.1, loss);
            Assert.That(double.IsFinite(loss.Item()), $"CE ±1e4 {dtype}");
            Assert.That(loss.Item(), Is.GreaterThan(1e3), "wrong-class logits at −1e4 cost ~1e4");
            Cpu.SoftmaxCrossEntropyBackward(lx, MakeInt([1, 2], 2), 0.1, 1, grad);
            AssertAllFinite(Values(grad), $"CE' ±1e4 {dtype}");

            Cpu.KnowledgeDistillation(lx, Make(teacher, dtype, 2, 4), 1, loss);
            Assert.That(double.IsFinite(loss.Item()), $"KD ±1e4 {dtype}");
            Cpu.KnowledgeDistillationBackward(lx, Make(teacher, dtype, 2, 4), 1, 1, grad);
            AssertAllFinite(Values(grad), $"KD' ±1e4 {dtype}");
        }
    }

    [Test]
    public void LossErrorsNameTheArgument()
    {
        var logits = Cpu.Empty(DType.Float32, [3, 4]);
        var ex = Assert.Throws<ArgumentException>(() => Cpu.BceWithLogits(logits, Cpu.Empty(DType.Float32, [3, 5]), Cpu.Empty(DType.Float32, [1])))!;
        Assert.That(ex.Message, Does.Contain("targets has shape [3, 5]").And.Contain("expected [3, 4]"));
        var ex2 = Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.SoftmaxCrossEntropy(logits, MakeInt([0, 4, 1], 3), 0, Cpu.Empty(DType.Float32, [1])))!;
        Assert.That(ex2.Message, Does.Contain("labels[1] = 4"));
        var ex3 = Assert.Throws<ArgumentException>(() => Cpu.SoftmaxCrossEntropy(logits, MakeInt([0, 1], 2), 0, Cpu.Empty(DType.Float32, [1])))!;
        Assert.That(ex3.Message, Does.Contain("labels has shape [2]").And.Contain("expected [3]"));
        var ex4 = Assert.Throws<ArgumentException>(() => Cpu.KnowledgeDistillation(logits, Cpu.Empty(DType.Float32, [3, 2]), 1, Cpu.Empty(DType.Float32, [1])))!;
        Assert.That(ex4.Message, Does.Contain("teacherLogits has shape [3, 2]").And.Contain("expected [3, 4]"));
    }
}
