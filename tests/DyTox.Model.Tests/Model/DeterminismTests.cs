using DyTox.Autograd;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Model.Tests.Model;

/// <summary>Same seed, same bits: construction, drop-path masks, forward, backward and AdamW.</summary>
public class DeterminismTests
{
    private static readonly DyToxConfig Config = DyToxConfig.Fixture with { DropPathMax = 0.3 };

    /// <summary>A task-1 step with drop-path on (3 SABs + TAB at rates up to 0.3); returns logits, embeddings, every
    /// gradient and the updated weights.</summary>
    private static List<float[]> RunStep(ulong seed)
    {
        var be = CpuBackend.Instance;
        using var model = new DyToxModel(Config, be, DType.Float32, new Rng(seed));
        model.AddTask(3);
        using var teacher = model.CloneAsTeacher();
        model.AddTask(2);
        model.SetTrainablePhase(TrainingPhase.TaskMain);
        using var optimizer = new AdamW(ParamGroup.WeightDecayGroups(model.NamedParameters(), 1e-3, 1e-6));
        using var scope = TensorScope.Begin();
        var images = be.Empty(DType.Float32, [8, 3, 16, 16]);
        Init.Normal(images, 0, 1, new Rng(seed, 99));
        var x = new Variable(images);
        int[] y = [0, 1, 2, 3, 4, 3, 4, 0];
        var results = new List<float[]>();
        for (int step = 0; step < 2; step++)
        {
            DyTox.Tensor.Tensor teacherLogits;
            using (GradMode.NoGrad()) teacherLogits = teacher.Forward(x, false).Logits.Value;
            optimizer.ZeroGrad();
            var output = model.Forward(x, withDivergence: true);
            var loss = DyToxLoss.Compute(output, DyToxLoss.OneHot(y, 5, be, DType.Float32), 3, teacherLogits,
                                         DyToxLoss.DivergenceTargets(y, 3, 2, be, DType.Float32));
            results.Add(output.Logits.Value.ToArray<float>());
            results.Add(output.Embeddings.Value.ToArray<float>());
            Tape.Backward(loss.Total);
            results.AddRange(model.Parameters().Where(p => p.Grad is not null).Select(p => p.Grad!.ToArray<float>()));
            optimizer.Step();
        }
        results.AddRange(model.Parameters().Select(p => p.Value.ToArray<float>()));
        return results;
    }

    [Test]
    public void TwoRunsAreBitwiseEqual()
    {
        var a = RunStep(123);
        var b = RunStep(123);
        Assert.That(b, Has.Count.EqualTo(a.Count));
        for (int i = 0; i < a.Count; i++)
            Assert.That(b[i], Is.EqualTo(a[i]), $"tensor {i} differs between runs");
        var c = RunStep(124);
        Assert.That(c[0], Is.Not.EqualTo(a[0]), "a different seed gives different results");
    }

    [Test]
    public void DropPathIsActiveInTrainingAndOffInEval()
    {
        var be = CpuBackend.Instance;
        using var model = new DyToxModel(DyToxConfig.Fixture with { DropPathMax = 0.5 }, be, DType.Float64, new Rng(5));
        model.AddTask(3);
        model.AddTask(2);
        using var scope = TensorScope.Begin();
        var images = be.Empty(DType.Float64, [16, 3, 16, 16]);
        Init.Normal(images, 0, 1, new Rng(6));
        var x = new Variable(images);
        using (GradMode.NoGrad())
        {
            model.Eval();
            var eval1 = model.Forward(x, withDivergence: true);
            var eval2 = model.Forward(x, withDivergence: true);
            Assert.That(eval1.DivergenceLogits, Is.Null, "inference skips the divergence head");
            Assert.That(eval2.Logits.Value.ToArray<double>(), Is.EqualTo(eval1.Logits.Value.ToArray<double>()));
            model.Train();
            var train1 = model.Forward(x, withDivergence: true).Embeddings.Value.ToArray<double>();
            var train2 = model.Forward(x, withDivergence: true).Embeddings.Value.ToArray<double>();
            Assert.That(train2, Is.Not.EqualTo(train1), "fresh drop-path masks per forward");
        }
    }
}
