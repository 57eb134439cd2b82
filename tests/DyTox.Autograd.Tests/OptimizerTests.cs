using DyTox.Tensor;
using static DyTox.Autograd.Tests.TestSupport;

namespace DyTox.Autograd.Tests;

public class OptimizerTests
{
    [Test]
    public void CosineWarmupMatchesTheDyToxLrTrace()
    {
        // dytox-spec §9: 2 GPUs × 128, lr 2.5e-4, stepped per epoch with the off-by-one.
        var s = new CosineWithWarmup(2.5e-4, totalEpochs: 500, minLearningRate: 1e-5, warmupEpochs: 5, warmupLearningRate: 1e-6);
        Assert.That(s.LearningRate(0), Is.EqualTo(1e-6).Within(1e-18));
        Assert.That(s.LearningRate(1), Is.EqualTo(1e-6).Within(1e-18));
        Assert.That(s.LearningRate(2), Is.EqualTo(5.08e-5).Within(1e-15));
        Assert.That(s.LearningRate(5), Is.EqualTo(2.002e-4).Within(1e-15));
        Assert.That(s.LearningRate(6), Is.EqualTo(2.4994e-4).Within(1e-8));
        Assert.That(s.LearningRate(499), Is.EqualTo(1.0009e-5).Within(1e-9));
        Assert.That(s.LearningRate(6), Is.EqualTo(1e-5 + 0.5 * 2.4e-4 * (1 + Math.Cos(Math.PI * 5 / 500))).Within(1e-18));
        // The user log of issue #2 (lr 1.25e-4): last epoch at f(498) ≈ 1.00045e-5.
        Assert.That(new CosineWithWarmup(1.25e-4).LearningRate(499), Is.EqualTo(1.00045e-5).Within(1e-10));
        Assert.That(new ConstantSchedule(2.5e-5).LearningRate(17), Is.EqualTo(2.5e-5));
    }

    [Test]
    public void WeightDecayGroupsFollowTimm()
    {
        using var scope = TensorScope.Begin();
        var o = new ParameterOptions(Cpu, DType.Float32);
        var named = new List<(string, Parameter)>
        {
            ("pos_embed", o.Create(1, 4, 8)),
            ("sabs.0.attn.gating_param", o.Create(3)),
            ("sabs.0.attn.qk.weight", o.Create(16, 8)),
            ("sabs.0.attn.proj.bias", o.Create(8)),
            ("sabs.0.norm1.weight", o.Create(8)),
            ("task_tokens.0", o.Create(1, 1, 8)),
            ("task_tokens.1", o.Create(1, 1, 8)),
            ("head.0.head.weight", o.Create(5, 8)),
        };
        named[5].Item2.RequiresGrad = false;
        var groups = ParamGroup.WeightDecayGroups(named, 2.5e-4, 1e-6);
        Assert.That(groups.Select(g => g.Name), Is.EqualTo(new[] { "no_decay", "decay" }));
        Assert.That(groups[0].WeightDecay, Is.Zero);
        Assert.That(groups[1].WeightDecay, Is.EqualTo(1e-6));
        Assert.That(groups[0].Parameters.Select(p => p.Name), Is.EqualTo(new[] { "sabs.0.attn.gating_param", "sabs.0.attn.proj.bias", "sabs.0.norm1.weight" }));
        Assert.That(groups[1].Parameters.Select(p => p.Name), Is.EqualTo(new[] { "pos_embed", "sabs.0.attn.qk.weight", "task_tokens.1", "head.0.head.weight" }));
        foreach (var (_, p) in named) p.Dispose();
    }

    private static Parameter NewParameter(double[] values)
    {
        var t = TensorScope.Unscoped(() => Cpu.Empty(DType.Float64, [values.Length]));
        Init.Write(t, values);
        return new Parameter(t);
    }

    /// <summary>L = Σ c·w² / 2 (gradient c·w), with a parameter-dependent gradient so the moments matter.</summary>
    private static void Backward(Parameter w, double[] c)
    {
        using var scope = TensorScope.Begin();
        var cv = new Variable(Cpu.Empty(DType.Float64, [c.Length]));
        Init.Write(cv.Value, c);
        Tape.Backward(F.Scale(F.SumAll(F.Mul(cv, F.Square(w))), 0.5));
    }

    [Test]
    public void AdamWMatchesTorchSemantics()
    {
        double[] start = [0.5, -1.25, 2.0, 0.0], c = [1.0, 3.0, -0.5, 2.0];
        using var w = NewParameter(start);
        using var opt = new AdamW([new ParamGroup("g", [("w", w)], 0.01, 0.1)], 0.9, 0.999, 1e-8);
        double[] p = (double[])start.Clone(), m = new double[4], v = new double[4];
        for (int step = 1; step <= 5; step++)
        {
            opt.ZeroGrad();
            Backward(w, c);
            opt.Step();
            for (int i = 0; i < 4; i++)
            {
                double g = c[i] * p[i];
                p[i] -= 0.01 * 0.1 * p[i];
                m[i] = 0.9 * m[i] + 0.1 * g;
                v[i] = 0.999 * v[i] + 0.001 * g * g;
                double bc1 = 1 - Math.Pow(0.9, step), bc2 = 1 - Math.Pow(0.999, step);
                p[i] -= 0.01 / bc1 * m[i] / (Math.Sqrt(v[i]) / Math.Sqrt(bc2) + 1e-8);
            }
            Assert.That(w.Value.ToArray<double>(), Is.EqualTo(p).Within(1e-13), $"step {step}");
        }
    }

    [TestCase(0.0, false, 0.0)]
    [TestCase(0.9, false, 0.01)]
    [TestCase(0.9, true, 0.01)]
    public void SgdMatchesTorchSemantics(double momentum, bool nesterov, double weightDecay)
    {
        double[] start = [0.5, -1.25, 2.0], c = [1.0, 3.0, -0.5];
        using var w = NewParameter(start);
        using var opt = new Sgd([new ParamGroup("g", [("w", w)], 0.1, weightDecay)], momentum, nesterov);
        double[] p = (double[])start.Clone(), buf = new double[3];
        for (int step = 1; step <= 4; step++)
        {
            opt.ZeroGrad();
            Backward(w, c);
            opt.Step();
            for (int i = 0; i < 3; i++)
            {
                double g = c[i] * p[i] + weightDecay * p[i];
                if (momentum != 0)
                {
                    buf[i] = step == 1 ? g : momentum * buf[i] + g;
                    g = nesterov ? g + momentum * buf[i] : buf[i];
                }
                p[i] -= 0.1 * g;
            }
            Assert.That(w.Value.ToArray<double>(), Is.EqualTo(p).Within(1e-14), $"step {step}");
        }
    }

    [Test]
    public void ParametersWithoutGradientAreNotUpdated()
    {
        using var w = NewParameter([1.0, 2.0]);
        using var unused = NewParameter([3.0, 4.0]);
        using var opt = new AdamW([new ParamGroup("g", [("w", w), ("unused", unused)], 0.1, 0.5)]);
        Backward(w, [1, 1]);
        opt.Step();
        Assert.That(unused.Value.ToArray<double>(), Is.EqualTo(new[] { 3.0, 4.0 }), "torch skips parameters whose grad is None (no decay either)");
        Assert.That(w.Value.ToArray<double>(), Is.Not.EqualTo(new[] { 1.0, 2.0 }));
    }

    [Test]
    public void ExportedStateResumesBitForBit()
    {
        double[] start = [0.5, -1.25, 2.0], c = [1.0, 3.0, -0.5];
        using var a = NewParameter(start);
        using var optA = new AdamW([new ParamGroup("g", [("w", a)], 0.05, 0.01)]);
        for (int i = 0; i < 3; i++) { optA.ZeroGrad(); Backward(a, c); optA.Step(); }

        using var b = NewParameter(a.Value.ToArray<double>());
        using var optB = new AdamW([new ParamGroup("g", [("w", b)], 0.05, 0.01)]);
        using (var state = optA.ExportState())
        {
            Assert.That(state.Keys, Is.EqualTo(new[] { "state.w.exp_avg", "state.w.exp_avg_sq", "state.w.step" }));
            Assert.That(state["state.w.step"].Item(), Is.EqualTo(3));
            optB.ImportState(state);
        }
        for (int i = 0; i < 2; i++)
        {
            optA.ZeroGrad(); Backward(a, c); optA.Step();
            optB.ZeroGrad(); Backward(b, c); optB.Step();
        }
        Assert.That(b.Value.ToArray<double>(), Is.EqualTo(a.Value.ToArray<double>()));
    }
}
