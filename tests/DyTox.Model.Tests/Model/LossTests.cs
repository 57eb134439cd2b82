using DyTox.Autograd;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Model.Tests.Model;

/// <summary>Loss helpers (dytox-spec §2.5, §9).</summary>
public class LossTests
{
    private static CpuBackend Be => CpuBackend.Instance;

    [Test]
    public void DivergenceTargetsMapOldToZeroAndNewToTheirOffset()
    {
        // spec §9: C_old = 20, C_t = 10: label 25 → index 6, label 7 → index 0.
        using var scope = TensorScope.Begin();
        var t = DyToxLoss.DivergenceTargets([25, 7, 20, 29], 20, 10, Be, DType.Float64).ToArray<double>();
        int[] hot = Enumerable.Range(0, 4).Select(r => Array.IndexOf(t, 1.0, r * 11) - r * 11).ToArray();
        Assert.That(hot, Is.EqualTo(new[] { 6, 0, 1, 10 }));
        Assert.That(t.Sum(), Is.EqualTo(4));
    }

    [Test]
    public void SoftDivergenceTargetsSumTheOldMass()
    {
        using var scope = TensorScope.Begin();
        var soft = Be.Empty(DType.Float64, [2, 5]);
        Init.Write(soft, [0.1, 0.2, 0.05, 0.6, 0.05, 0.3, 0.3, 0.3, 0.02, 0.08]);
        var div = DyToxLoss.DivergenceTargets(soft, oldClasses: 3).ToArray<double>();
        Assert.That(div, Is.EqualTo(new[] { 0.35, 0.6, 0.05, 0.9, 0.02, 0.08 }).Within(1e-15));
    }

    [Test]
    public void AlphaAndWeighting()
    {
        Assert.Multiple(() =>
        {
            Assert.That(DyToxLoss.Alpha(10, 20), Is.EqualTo(0.5));
            Assert.That(DyToxLoss.Alpha(90, 100), Is.EqualTo(0.9));
            Assert.That(DyToxLoss.Alpha(0, 10), Is.EqualTo(0));
            Assert.That(() => DyToxLoss.Alpha(11, 10), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => DyToxLoss.OneHot([3], 3, Be, DType.Float32), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Message.Contains("label 0"));
        });
    }

    [Test]
    public void TaskOneLossIsTheWeightedSumOfItsParts()
    {
        using var model = new DyToxModel(DyToxConfig.Fixture, Be, DType.Float64, new Rng(21));
        model.AddTask(3);
        using var teacher = model.CloneAsTeacher();
        model.AddTask(2);
        model.SetTrainablePhase(TrainingPhase.TaskMain);
        using var scope = TensorScope.Begin();
        var images = Be.Empty(DType.Float64, [2, 3, 16, 16]);
        var rng = new Rng(22);
        Init.Normal(images, 0, 1, rng);
        var x = new Variable(images);
        int[] y = [4, 1];
        DyTox.Tensor.Tensor teacherLogits;
        using (GradMode.NoGrad()) teacherLogits = teacher.Forward(x, withDivergence: false).Logits.Value;
        var output = model.Forward(x, withDivergence: true);
        var parts = DyToxLoss.Compute(output, DyToxLoss.OneHot(y, 5, Be, DType.Float64), 3, teacherLogits,
                                      DyToxLoss.DivergenceTargets(y, 3, 2, Be, DType.Float64));
        double expected = 0.4 * parts.Classification.Item() + 0.6 * parts.Distillation!.Item() + 0.1 * parts.Divergence!.Item();
        Assert.Multiple(() =>
        {
            Assert.That(parts.Alpha, Is.EqualTo(0.6));
            Assert.That(parts.Total.Item(), Is.EqualTo(expected).Within(1e-15));
            // The student has not moved from its teacher and old logits do not see the new token: KD vanishes.
            Assert.That(parts.Distillation!.Item(), Is.EqualTo(0).Within(1e-12));
            Assert.That(parts.Divergence!.Item(), Is.GreaterThan(0));
        });
        Tape.Current.Clear();
        // head_div and distillation_tau: the weight scales the divergence term, the temperature reaches the KD
        // (a shifted teacher makes KD non-zero so the temperature shows).
        var shifted = Be.Empty(DType.Float64, [2, 3]);
        Init.Normal(shifted, 0, 2, rng);
        output = model.Forward(x, withDivergence: true);
        var weighted = DyToxLoss.Compute(output, DyToxLoss.OneHot(y, 5, Be, DType.Float64), 3, shifted,
                                         DyToxLoss.DivergenceTargets(y, 3, 2, Be, DType.Float64), divergenceWeight: 0.7, temperature: 2);
        double kdAtTwo = DyToxLoss.Distillation(output.Logits, shifted, 2).Item(), kdAtOne = DyToxLoss.Distillation(output.Logits, shifted, 1).Item();
        Assert.That(kdAtTwo, Is.Not.EqualTo(kdAtOne).Within(1e-9));
        Assert.That(weighted.Total.Item(),
                    Is.EqualTo(0.4 * weighted.Classification.Item() + 0.6 * kdAtTwo + 0.7 * weighted.Divergence!.Item()).Within(1e-14));
        Tape.Current.Clear();
        // Each term joins when its input is given (finetuning_teacher, head_div_mode with ft): no teacher → BCE not
        // rescaled by 1 − α; no divergence targets → no divergence term.
        var targets = DyToxLoss.OneHot(y, 5, Be, DType.Float64);
        var divTargets = DyToxLoss.DivergenceTargets(y, 3, 2, Be, DType.Float64);
        var plain = DyToxLoss.Compute(output, targets, 3);
        Assert.That(plain.Total.Item(), Is.EqualTo(plain.Classification.Item()));
        Assert.That(plain.Distillation, Is.Null);
        Assert.That(plain.Alpha, Is.Zero);
        var divOnly = DyToxLoss.Compute(output, targets, 3, divergenceTargets: divTargets, divergenceWeight: 0.7);
        Assert.That(divOnly.Total.Item(), Is.EqualTo(divOnly.Classification.Item() + 0.7 * divOnly.Divergence!.Item()).Within(1e-14));
        var kdOnly = DyToxLoss.Compute(output, targets, 3, shifted, temperature: 2);
        Assert.That(kdOnly.Total.Item(), Is.EqualTo(0.4 * kdOnly.Classification.Item() + 0.6 * kdAtTwo).Within(1e-14));
        Assert.That(kdOnly.Divergence, Is.Null);
        Tape.Current.Clear();
        var noDivergenceLogits = model.Forward(x, withDivergence: false);
        Assert.That(() => DyToxLoss.Compute(noDivergenceLogits, targets, 3, shifted, divTargets), Throws.ArgumentException.With.Message.Contains("divergence logits"));
        Assert.That(() => DyToxLoss.Compute(noDivergenceLogits, DyToxLoss.OneHot(y, 5, Be, DType.Float64), 0, shifted), Throws.ArgumentException.With.Message.Contains("task 0"));
        Tape.Current.Clear();
    }
}
