using DyTox.Autograd;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;
using DyTox.Training;
using static DyTox.Model.Tests.Training.TrainerTests;

namespace DyTox.Model.Tests.Training;

/// <summary>SAM, ASAM and LookSAM (the original's continual/sam.py) and the DyTox++ options that steer them.</summary>
[TestFixture]
public class SharpnessAwareMinimizationTests
{
    private static readonly ParameterOptions F64 = new(CpuBackend.Instance, DType.Float64);

    private static Parameter With(double[] value, double[] grad)
    {
        var p = F64.Create(value.Length);
        value.CopyTo(p.Value.Span<double>());
        using var g = CpuBackend.Instance.Empty(DType.Float64, [grad.Length]);
        grad.CopyTo(g.Span<double>());
        p.SetGradFrom(g);
        return p;
    }

    private static double Norm(IEnumerable<double> v) => Math.Sqrt(v.Sum(x => x * x));

    [TestCase(false)]
    [TestCase(true)]
    public void PerturbsByTheScaledGradientAndRestores(bool adaptive)
    {
        double[] w1 = [0.5, -2, 1], g1 = [0.3, 0.1, -0.2], w2 = [3, 0.25], g2 = [-1, 0.5];
        var ps = new[] { With(w1, g1), With(w2, g2) };
        using var sam = new SharpnessAwareMinimization(rho: 0.05, adaptive);
        double norm = sam.Perturb(ps);
        // Plain SAM: e = ρ·g/‖g‖; ASAM: e = ρ·w²⊙g/‖|w|⊙g‖, norms over both parameters.
        Func<double, double, double> scaled = (w, g) => adaptive ? Math.Abs(w) * g : g;
        double expectedNorm = Norm(w1.Zip(g1, (w, g) => scaled(w, g)).Concat(w2.Zip(g2, (w, g) => scaled(w, g))));
        Assert.That(norm, Is.EqualTo(expectedNorm).Within(1e-15));
        double s = 0.05 / (expectedNorm + 1e-12);
        var moved = ps[0].Value.ToArray<double>();
        for (int i = 0; i < 3; i++)
            Assert.That(moved[i], Is.EqualTo(w1[i] + (adaptive ? w1[i] * w1[i] : 1) * g1[i] * s).Within(1e-15));
        sam.Restore();
        Assert.That(ps[0].Value.ToArray<double>(), Is.EqualTo(w1).Within(1e-15));
        Assert.That(ps[1].Value.ToArray<double>(), Is.EqualTo(w2).Within(1e-15));
        foreach (var p in ps) p.Dispose();
    }

    [Test]
    public void LookSamKeepsTheOrthogonalPartAndAddsItBetweenItsFullSteps()
    {
        double[] w = [1, 2, 3], g = [1, 0, 1], gs = [2, 1, 0];
        var p = With(w, g);
        using var sam = new SharpnessAwareMinimization(rho: 0.1, adaptive: true, lookSamEvery: 3, lookSamAlpha: 0.5);
        Assert.That(Enumerable.Range(0, 7).Select(sam.TakesBothPasses), Is.EqualTo(new[] { true, false, false, true, false, false, true }));
        sam.Perturb([p]);
        using (var second = CpuBackend.Instance.Empty(DType.Float64, [3]))
        {
            gs.CopyTo(second.Span<double>());
            p.SetGradFrom(second); // the second pass's gradient
        }
        sam.Restore();
        // g_v = g_s − ‖g_s‖·cos(g, g_s)·g/‖g‖ = g_s − (⟨g, g_s⟩/‖g‖²)·g = [2, 1, 0] − (2/2)·[1, 0, 1] = [1, 1, −1] (⊥ g).
        double[] gv = [1, 1, -1];
        double[] next = [0.5, -0.5, 2];
        using (var plain = CpuBackend.Instance.Empty(DType.Float64, [3]))
        {
            next.CopyTo(plain.Span<double>());
            p.SetGradFrom(plain); // a one-pass step's gradient
        }
        sam.AddLookSamDirection([p]);
        double factor = 0.5 * Norm(next) / Norm(gv);
        Assert.That(p.Grad!.ToArray<double>(), Is.EqualTo(next.Zip(gv, (a, b) => a + factor * b)).Within(1e-14));
        p.Dispose();
    }

    private static Dictionary<string, double[]> Train(TrainerSettings settings)
    {
        var (trainer, _, _) = NewTrainer(settings, Scenario());
        using (trainer) { trainer.Run(); return Weights(trainer.Model); }
    }

    private static TrainerSettings Short() => Settings() with { BaseEpochs = 1, IncrementalEpochs = 2, FinetuningEpochs = 1 };

    private static void AssertSame(Dictionary<string, double[]> a, Dictionary<string, double[]> b, string why)
    {
        Assert.That(b.Keys, Is.EquivalentTo(a.Keys), why);
        foreach (var (name, w) in a) Assert.That(b[name], Is.EqualTo(w), $"{why}: {name}");
    }

    private static void AssertDiffer(Dictionary<string, double[]> a, Dictionary<string, double[]> b, string why) =>
        Assert.That(a.Any(kv => !b[kv.Key].SequenceEqual(kv.Value)), why);

    [Test]
    public void TheDyToxPlusPlusOptionsChangeWhatTheyShouldAndNothingElse()
    {
        var none = Train(Short());
        var asam = Train(Short() with { SamRho = 3.0 });
        AssertDiffer(none, asam, "ASAM in task 1");
        AssertSame(Train(Short() with { SamRho = 3.0, MaxTasks = 1 }), Train(Short() with { MaxTasks = 1 }), "sam_skip_first: task 0 without SAM");
        AssertDiffer(Train(Short() with { SamRho = 3.0, MaxTasks = 1, SamSkipFirstTask = false }), Train(Short() with { MaxTasks = 1 }), "sam_skip_first false: SAM in task 0");
        AssertSame(none, Train(Short() with { SamRho = 3.0, SamInMainTraining = false }), "sam_mode without tr: no SAM");
        AssertDiffer(asam, Train(Short() with { SamRho = 3.0, SamAdaptive = false }), "plain SAM is not ASAM");
        AssertSame(asam, Train(Short() with { SamRho = 3.0, SamFinalRho = 3.0 }), "sam_final = sam_rho: a constant radius");
        AssertDiffer(asam, Train(Short() with { SamRho = 3.0, SamFinalRho = 0.5 }), "sam_final: task 1's radius is 3 + (0.5 − 3)/2");
        // LookSAM with k = 1 takes both passes on every step and never uses its directions: ASAM's bits.
        AssertSame(asam, Train(Short() with { SamRho = 3.0, LookSamEvery = 1 }), "look_sam_k 1");
        var look = Train(Short() with { SamRho = 3.0, LookSamEvery = 2 });
        AssertDiffer(asam, look, "look_sam_k 2");
        AssertSame(look, Train(Short() with { SamRho = 3.0, LookSamEvery = 2 }), "LookSAM is deterministic");
    }

    /// <summary>LookSAM's directions are formed again at the first step of every epoch, so a run resumed at an epoch
    /// boundary needs no saved direction to give the uninterrupted run's bits.</summary>
    [Test]
    public void ALookSamRunStoppedMidTaskResumesToTheSameBits() =>
        AssertStoppedRunResumesToTheSameBits(Short() with { IncrementalEpochs = 3, SamRho = 3.0, LookSamEvery = 2 }, task: 1, epoch: 0);
}
