using DyTox.Tensor;
using DyTox.Training;

namespace DyTox.Model.Tests.Training;

/// <summary>MixUp's three modes and its probability (the original's continual/mixup.py, timm's Mixup without CutMix).</summary>
public class MixUpTests
{
    private const int Size = 3, Classes = 4;
    private static readonly int[] Labels = [0, 1, 2, 3, 1];

    // Image b is [b, 10 + b, 100 + b].
    private static float[] Images(int batch) =>
        Enumerable.Range(0, batch).SelectMany(b => new float[] { b, 10 + b, 100 + b }).ToArray();

    private static (float[] Images, float[] Targets, double[] Lambdas) Mix(MixUpSettings settings, int batch = 5, ulong seed = 7)
    {
        var images = Images(batch);
        var (targets, lambdas) = MixUp.Apply(images, Size, Labels.AsSpan(0, batch), Classes, settings, new Rng(seed));
        return (images, targets, lambdas);
    }

    private static void AssertMixed(float[] mixed, float[] targets, int batch, Func<int, float> own, Func<int, float> other, double smoothing)
    {
        var original = Images(batch);
        var hard = MixUp.SmoothedOneHot(Labels.AsSpan(0, batch), Classes, smoothing);
        for (int b = 0; b < batch; b++)
        {
            int p = batch - 1 - b;
            for (int i = 0; i < Size; i++)
                Assert.That(mixed[b * Size + i], Is.EqualTo(own(b) * original[b * Size + i] + other(b) * original[p * Size + i]), $"image {b}, value {i}");
            for (int c = 0; c < Classes; c++)
                Assert.That(targets[b * Classes + c], Is.EqualTo(own(b) * hard[b * Classes + c] + other(b) * hard[p * Classes + c]), $"target {b}, class {c}");
        }
    }

    [Test]
    public void BatchModeMixesEverySampleWithItsMirrorByOneLambda()
    {
        var (images, targets, lambdas) = Mix(new MixUpSettings(0.8, 0.1));
        double lambda = new Rng(7).Beta(0.8, 0.8);
        Assert.That(lambdas, Is.All.EqualTo(lambda));
        AssertMixed(images, targets, 5, _ => (float)lambda, _ => (float)(1 - lambda), 0.1);
        Assert.That(MixUp.Apply(Images(5), Size, Labels, Classes, 0.8, 0.1, new Rng(7)).Lambda, Is.EqualTo(lambda), "the DyTox+ overload");
    }

    [Test]
    public void ElemModeDrawsALambdaPerSampleAgainstTheOriginalMirror()
    {
        var (images, targets, lambdas) = Mix(new MixUpSettings(0.8, 0.1, MixUpMode.Elem));
        var rng = new Rng(7);
        var expected = Enumerable.Range(0, 5).Select(_ => (float)rng.Beta(0.8, 0.8)).ToArray();
        Assert.That(lambdas, Is.EqualTo(expected.Select(l => (double)l)));
        Assert.That(expected.Distinct().Count(), Is.EqualTo(5));
        AssertMixed(images, targets, 5, b => expected[b], b => 1f - expected[b], 0.1);
    }

    [Test]
    public void PairModeSharesOneLambdaWithinEachPairAndLeavesAnOddMiddleAlone()
    {
        var (images, targets, lambdas) = Mix(new MixUpSettings(0.8, 0, MixUpMode.Pair));
        var rng = new Rng(7);
        float l0 = (float)rng.Beta(0.8, 0.8), l1 = (float)rng.Beta(0.8, 0.8);
        float[] own = [l0, l1, 1f, l1, l0];
        Assert.That(lambdas, Is.EqualTo(own.Select(l => (double)l)));
        AssertMixed(images, targets, 5, b => own[b], b => 1f - own[b], 0);
        Assert.That(images.AsSpan(2 * Size, Size).ToArray(), Is.EqualTo(Images(5).AsSpan(2 * Size, Size).ToArray()), "the middle of an odd batch");
    }

    [TestCase(MixUpMode.Batch)]
    [TestCase(MixUpMode.Pair)]
    [TestCase(MixUpMode.Elem)]
    public void ProbabilityZeroMixesNothing(MixUpMode mode)
    {
        var (images, targets, lambdas) = Mix(new MixUpSettings(0.8, 0.1, mode, Probability: 0));
        Assert.That(images, Is.EqualTo(Images(5)));
        Assert.That(targets, Is.EqualTo(MixUp.SmoothedOneHot(Labels, Classes, 0.1)));
        Assert.That(lambdas, Is.All.EqualTo(1.0));
    }

    [Test]
    public void AProbabilityBelowOneMixesSomeSamplesAndNotOthers()
    {
        // 64 samples, probability 0.5: per-sample λ of 1 for the ones whose uniform is not below 0.5, drawn after the λs.
        var labels = Enumerable.Range(0, 64).Select(i => i % Classes).ToArray();
        var images = new float[64 * Size];
        var (_, lambdas) = MixUp.Apply(images, Size, labels, Classes, new MixUpSettings(0.8, 0, MixUpMode.Elem, 0.5), new Rng(3));
        var rng = new Rng(3);
        var drawn = Enumerable.Range(0, 64).Select(_ => (float)rng.Beta(0.8, 0.8)).ToArray();
        var kept = Enumerable.Range(0, 64).Select(_ => rng.NextDouble() < 0.5).ToArray();
        for (int i = 0; i < 64; i++) Assert.That(lambdas[i], Is.EqualTo(kept[i] ? drawn[i] : 1.0), $"sample {i}");
        Assert.That(kept.Count(k => k), Is.InRange(16, 48));
    }
}
