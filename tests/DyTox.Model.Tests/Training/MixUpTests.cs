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

/// <summary>CutMix (timm's, through the original's Mixup): boxes of the partner's pixels and the corrected λ.</summary>
public class CutMixTests
{
    private const int Channels = 2, Height = 8, Width = 6, Plane = Height * Width, Size = Channels * Plane, Classes = 3;

    // Sample b's pixel (c, y, x) is 1000·b + 100·c + 10·y + x: every value says where it came from.
    private static float[] Images(int batch) =>
        Enumerable.Range(0, batch * Size).Select(i => (float)(1000 * (i / Size) + 100 * (i % Size / Plane) + 10 * (i % Plane / Width) + i % Width)).ToArray();

    private static int SourceOf(float value) => (int)value / 1000;

    /// <summary>Which sample each pixel of sample b came from, as a [y, x] grid (the same in every channel).</summary>
    private static int[,] Sources(float[] images, int b)
    {
        var grid = new int[Height, Width];
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                grid[y, x] = SourceOf(images[b * Size + y * Width + x]);
                for (int c = 1; c < Channels; c++)
                    Assert.That(SourceOf(images[b * Size + c * Plane + y * Width + x]), Is.EqualTo(grid[y, x]), "every channel alike");
            }
        return grid;
    }

    private static int Count(int[,] grid, int source) => grid.Cast<int>().Count(s => s == source);

    [Test]
    public void BatchModePastesOneBoxOfTheMirrorIntoEverySample()
    {
        var images = Images(4);
        int[] labels = [0, 1, 2, 0];
        var settings = new MixUpSettings(0, 0.1, CutmixAlpha: 1.0);
        var (targets, lambdas) = MixUp.Apply(images, Size, labels, Classes, settings, new Rng(5), Height, Width);
        int boxArea = Count(Sources(images, 0), 3);
        Assert.That(boxArea, Is.GreaterThan(0).And.LessThan(Plane), "a box, not the whole image");
        for (int b = 0; b < 4; b++)
        {
            var grid = Sources(images, b);
            Assert.That(Count(grid, 3 - b), Is.EqualTo(boxArea), $"sample {b}: the mirror's box");
            Assert.That(Count(grid, b), Is.EqualTo(Plane - boxArea));
            for (int y = 0; y < Height; y++) for (int x = 0; x < Width; x++)
                Assert.That(grid[y, x] == 3 - b, Is.EqualTo(Sources(images, 0)[y, x] == 3), "the same box in every sample");
        }
        double lambda = 1 - (double)boxArea / Plane;
        Assert.That(lambdas, Is.All.EqualTo(lambda).Within(1e-15), "λ corrected to the pasted share");
        var hard = MixUp.SmoothedOneHot(labels, Classes, 0.1);
        for (int c = 0; c < Classes; c++)
            Assert.That(targets[c], Is.EqualTo((float)lambda * hard[c] + (float)(1 - lambda) * hard[3 * Classes + c]));
    }

    [Test]
    public void TimmsBoxHasSidesOfTheRootOfOneMinusLambdaClippedToTheImage()
    {
        for (ulong seed = 0; seed < 200; seed++)
        {
            var box = MixUp.DrawBox(32, 20, 0.75, null, new Rng(seed));
            // ⌊32·√0.25⌋ = 16 and ⌊20·√0.25⌋ = 10 around a uniform centre: at most those, clipped at the borders.
            Assert.That(box.Bottom - box.Top, Is.InRange(8, 16));
            Assert.That(box.Right - box.Left, Is.InRange(5, 10));
            Assert.That(box.Top, Is.GreaterThanOrEqualTo(0));
            Assert.That(box.Bottom, Is.LessThanOrEqualTo(32));
            Assert.That(box.Right, Is.LessThanOrEqualTo(20));
            var minMax = MixUp.DrawBox(32, 20, 0.75, [0.25, 0.5], new Rng(seed));
            Assert.That(minMax.Bottom - minMax.Top, Is.InRange(8, 15), "uniform in [⌊32·0.25⌋, ⌊32·0.5⌋)");
            Assert.That(minMax.Right - minMax.Left, Is.InRange(5, 9));
            Assert.That(minMax.Bottom, Is.LessThanOrEqualTo(32));
            Assert.That(minMax.Right, Is.LessThanOrEqualTo(20));
        }
    }

    [TestCase(1.0, true)]
    [TestCase(0.0, false)]
    public void TheSwitchProbabilityChoosesCutMixOrMixUp(double switchProbability, bool cutmix)
    {
        var images = Images(2);
        MixUp.Apply(images, Size, [0, 1], Classes, new MixUpSettings(0.8, 0, CutmixAlpha: 1.0, SwitchProbability: switchProbability), new Rng(9), Height, Width);
        bool blended = images.Any(v => v != MathF.Round(v));
        bool pasted = Count(Sources(images, 0), 1) > 0 && !blended;
        Assert.That(pasted, Is.EqualTo(cutmix));
        Assert.That(blended, Is.EqualTo(!cutmix));
    }

    [Test]
    public void PairModeSwapsOneBoxBetweenThePartnersAndElemModeDrawsABoxPerSample()
    {
        var pair = Images(4);
        MixUp.Apply(pair, Size, [0, 1, 2, 0], Classes, new MixUpSettings(0, 0, MixUpMode.Pair, CutmixAlpha: 1.0), new Rng(11), Height, Width);
        for (int i = 0; i < 2; i++)
        {
            var a = Sources(pair, i);
            var b = Sources(pair, 3 - i);
            for (int y = 0; y < Height; y++) for (int x = 0; x < Width; x++)
                Assert.That(a[y, x] == 3 - i, Is.EqualTo(b[y, x] == i), $"pair {i}: the same box both ways");
        }
        var elem = Images(6);
        var (_, lambdas) = MixUp.Apply(elem, Size, [0, 1, 2, 0, 1, 2], Classes, new MixUpSettings(0, 0, MixUpMode.Elem, CutmixAlpha: 1.0), new Rng(11), Height, Width);
        for (int b = 0; b < 6; b++)
        {
            var grid = Sources(elem, b);
            Assert.That(Count(grid, b) + Count(grid, 5 - b), Is.EqualTo(Plane));
            Assert.That(lambdas[b], Is.EqualTo((float)(1 - (double)Count(grid, 5 - b) / Plane)), $"sample {b}'s own λ");
        }
        Assert.That(lambdas.Distinct().Count(), Is.GreaterThan(1), "boxes drawn per sample");
    }
}
