using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>
/// End to end: a tiny model built from IBackend ops (linear → GELU → linear → BCE with logits), trained
/// for a few AdamW steps on each backend from the same initial weights and data; the losses must agree.
/// </summary>
public class TrainingParityTests
{
    private const int Batch = 16, In = 12, Hidden = 20, Out = 5, Steps = 4;

    private static double[] Train(IBackend be)
    {
        using var scope = TensorScope.Begin();
        Tensor Up(float[] data, params int[] shape) => Upload(be, data, shape);
        var w1 = Up(Random(Hidden * In, 600, -0.3, 0.3), Hidden, In);
        var b1 = Up(Random(Hidden, 601, -0.1, 0.1), Hidden);
        var w2 = Up(Random(Out * Hidden, 602, -0.3, 0.3), Out, Hidden);
        var b2 = Up(Random(Out, 603, -0.1, 0.1), Out);
        var x = Up(Random(Batch * In, 604), Batch, In);
        var targets = Up(Random(Batch * Out, 605).Select(v => v > 0 ? 1f : 0f).ToArray(), Batch, Out);
        Tensor[] parameters = [w1, b1, w2, b2];
        var grads = parameters.Select(p => be.Empty(DType.Float32, p.Shape)).ToArray();
        var m = parameters.Select(p => { var t = be.Empty(DType.Float32, p.Shape); be.Fill(t, 0); return t; }).ToArray();
        var v = parameters.Select(p => { var t = be.Empty(DType.Float32, p.Shape); be.Fill(t, 0); return t; }).ToArray();

        var h = be.Empty(DType.Float32, [Batch, Hidden]);
        var a = be.Empty(DType.Float32, [Batch, Hidden]);
        var logits = be.Empty(DType.Float32, [Batch, Out]);
        var loss = be.Empty(DType.Float32, [1]);
        var dLogits = be.Empty(DType.Float32, [Batch, Out]);
        var da = be.Empty(DType.Float32, [Batch, Hidden]);
        var dh = be.Empty(DType.Float32, [Batch, Hidden]);
        var losses = new double[Steps];
        for (int step = 1; step <= Steps; step++)
        {
            be.Linear(x, w1, b1, h);
            be.Unary(UnaryOp.Gelu, h, a);
            be.Linear(a, w2, b2, logits);
            be.BceWithLogits(logits, targets, loss);
            losses[step - 1] = loss.Item();
            be.BceWithLogitsBackward(logits, targets, 1.0, dLogits);
            be.LinearBackward(dLogits, a, w2, da, grads[2], grads[3]);
            be.UnaryBackward(UnaryOp.Gelu, h, a, da, dh);
            be.LinearBackward(dh, x, w1, null, grads[0], grads[1]);
            var hyper = new AdamWHyper(0.05, 0.9, 0.999, 1e-8, 0.01, step);
            for (int i = 0; i < parameters.Length; i++) be.AdamWStep(parameters[i], grads[i], m[i], v[i], hyper);
        }
        return losses;
    }

    [Test]
    public void AdamWTrainingGivesTheSameLossesOnBothBackends()
    {
        var cpu = Train(Cpu);
        var gpu = Train(Gpu);
        TestContext.Out.WriteLine($"cpu {string.Join(", ", cpu)}\ngpu {string.Join(", ", gpu)}");
        Assert.That(cpu[^1], Is.LessThan(cpu[0]), "the model trains");
        for (int i = 0; i < Steps; i++)
            Assert.That(gpu[i], Is.EqualTo(cpu[i]).Within(2e-6 + 1e-5 * (1 + i) * Math.Abs(cpu[i])), $"loss at step {i + 1}");
    }
}
