using System.Diagnostics;
using DyTox.Tensor;
using static DyTox.Autograd.Tests.TestSupport;

namespace DyTox.Autograd.Tests;

/// <summary>End-to-end checks on a miniature DyTox: learning, determinism, precision agreement, memory reuse.</summary>
public class TrainingTests
{
    private const int Batch = 8;

    private static (Tensor.Tensor Images, Tensor.Tensor Labels) Batch8(DType dtype)
    {
        var images = TensorScope.Unscoped(() => Values(new Rng(77), [Batch, 3, 16, 16], dtype));
        var labels = TensorScope.Unscoped(() => Ints([0, 1, 2, 3, 3, 2, 1, 0]));
        return (images, labels);
    }

    private static double Step(TinyTransformer model, Optimizer optimizer, Tensor.Tensor images, Tensor.Tensor labels)
    {
        using var scope = TensorScope.Begin();
        optimizer.ZeroGrad();
        var loss = F.SoftmaxCrossEntropy(model.Forward(new Variable(images.Alias())), labels);
        Tape.Backward(loss);
        optimizer.Step();
        return loss.Item();
    }

    private static AdamW NewAdamW(TinyTransformer model, double lr) =>
        new(ParamGroup.WeightDecayGroups(model.NamedParameters(), lr, 1e-6));

    [Test]
    public void OverfitsOneBatch()
    {
        var (images, labels) = Batch8(DType.Float32);
        using var _i = images;
        using var _l = labels;
        using var model = new TinyTransformer(new ParameterOptions(Cpu, DType.Float32), seed: 1);
        using var optimizer = NewAdamW(model, 2e-3);
        var watch = Stopwatch.StartNew();
        double first = Step(model, optimizer, images, labels), last = first;
        int steps = 1;
        while (steps < 400 && last > 0.05 * first)
        {
            last = Step(model, optimizer, images, labels);
            steps++;
        }
        TestContext.Out.WriteLine($"loss {first:F4} → {last:F5} in {steps} steps, {watch.Elapsed.TotalSeconds:F2} s");
        Assert.That(last, Is.LessThan(0.05 * first), $"after {steps} steps");
        Assert.That(watch.Elapsed.TotalSeconds, Is.LessThan(20));
    }

    [Test]
    public void SameSeedGivesBitwiseIdenticalLosses()
    {
        var (images, labels) = Batch8(DType.Float32);
        using var _i = images;
        using var _l = labels;
        double[] Run()
        {
            using var model = new TinyTransformer(new ParameterOptions(Cpu, DType.Float32), seed: 5, dropPath: 0.2);
            using var optimizer = NewAdamW(model, 1e-3);
            return Enumerable.Range(0, 20).Select(_ => Step(model, optimizer, images, labels)).ToArray();
        }
        var a = Run();
        var b = Run();
        Assert.That(b.Select(BitConverter.DoubleToInt64Bits), Is.EqualTo(a.Select(BitConverter.DoubleToInt64Bits)));
        Assert.That(a.Distinct().Count(), Is.GreaterThan(10), "the loss changes from step to step");
    }

    [Test]
    public void Float32AndFloat64ForwardAndBackwardAgree()
    {
        var (images64, labels) = Batch8(DType.Float64);
        using var _l = labels;
        using var i64 = images64;
        using var i32 = TensorScope.Unscoped(() => Cpu.Empty(DType.Float32, [Batch, 3, 16, 16]));
        Cpu.Cast(images64, i32);
        using var m64 = new TinyTransformer(new ParameterOptions(Cpu, DType.Float64), seed: 3, dropPath: 0);
        using var m32 = new TinyTransformer(new ParameterOptions(Cpu, DType.Float32), seed: 3, dropPath: 0);
        using var scope = TensorScope.Begin();
        var l64 = F.SoftmaxCrossEntropy(m64.Forward(new Variable(i64.Alias())), labels);
        var l32 = F.SoftmaxCrossEntropy(m32.Forward(new Variable(i32.Alias())), labels);
        Assert.That(l32.Item(), Is.EqualTo(l64.Item()).Within(1e-5 * Math.Abs(l64.Item())));
        Tape.Backward(l64);
        Tape.Backward(l32);
        foreach (var ((name, p64), (_, p32)) in m64.NamedParameters().Zip(m32.NamedParameters()))
        {
            var g64 = p64.Grad!.ToArray<double>();
            var g32 = p32.Grad!.ToArray<float>();
            double scale = g64.Max(Math.Abs), diff = 0;
            for (int i = 0; i < g64.Length; i++) diff = Math.Max(diff, Math.Abs(g64[i] - g32[i]));
            if (name.EndsWith("pos_proj.bias", StringComparison.Ordinal))
                Assert.That(diff, Is.LessThan(1e-6), name); // analytically zero
            else
                Assert.That(diff, Is.LessThan(1e-4 * scale), $"{name}: max |g64 − g32| {diff:E2} vs max |g64| {scale:E2}");
        }
    }

    [Test]
    public void WarmTrainingStepMakesNoNewAllocations()
    {
        var (images, labels) = Batch8(DType.Float32);
        using var _i = images;
        using var _l = labels;
        using var model = new TinyTransformer(new ParameterOptions(Cpu, DType.Float32), seed: 2);
        using var optimizer = NewAdamW(model, 1e-3);
        var pool = (CpuMemoryPool)Cpu.Allocator;
        for (int i = 0; i < 3; i++) Step(model, optimizer, images, labels);
        long allocations = pool.Stats.AllocationCount, inUse = pool.Stats.InUseBytes;
        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 5; i++) Step(model, optimizer, images, labels);
        TestContext.Out.WriteLine($"warm step: {watch.Elapsed.TotalMilliseconds / 5:F2} ms, {pool.Stats.InUseBytes} bytes in use");
        Assert.That(pool.Stats.AllocationCount, Is.EqualTo(allocations));
        Assert.That(pool.Stats.InUseBytes, Is.EqualTo(inUse), "every temporary of a step goes back to the pool");
        Assert.That(Tape.Current.Count, Is.Zero);
    }

    [Test]
    public void FrozenParametersGetNoGradientAndDoNotMove()
    {
        var (images, labels) = Batch8(DType.Float32);
        using var _i = images;
        using var _l = labels;
        using var model = new TinyTransformer(new ParameterOptions(Cpu, DType.Float32), seed: 4);
        model.Freeze("sab");
        model.Freeze("patch_embed");
        using var optimizer = NewAdamW(model, 1e-3);
        var frozen = model.NamedParameters().Where(p => !p.Parameter.RequiresGrad).ToList();
        Assert.That(frozen, Has.Count.EqualTo(17));
        var before = frozen.Select(p => p.Parameter.Value.ToArray<float>()).ToList();
        var tokenBefore = model.TaskToken.Value.ToArray<float>();
        for (int i = 0; i < 3; i++) Step(model, optimizer, images, labels);
        for (int k = 0; k < frozen.Count; k++)
        {
            Assert.That(frozen[k].Parameter.HasGrad, Is.False, frozen[k].Name);
            Assert.That(frozen[k].Parameter.Value.ToArray<float>(), Is.EqualTo(before[k]), frozen[k].Name);
        }
        Assert.That(model.TaskToken.Value.ToArray<float>(), Is.Not.EqualTo(tokenBefore));
    }
}
