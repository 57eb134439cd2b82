using DyTox.Autograd;
using DyTox.Training;

namespace DyTox.Model.Tests.Training;

/// <summary>timm's scheduler noise, against PyTorch 1.13's own draws.</summary>
public class LearningRateNoiseTests
{
    // torch.Generator().manual_seed(s); [torch.randn(1, generator=g).item() for _ in range(3)]
    [TestCase(0L, 1.5409960746765137, -0.293428897857666, -2.1787893772125244)]
    [TestCase(1L, 0.6613521575927734, 0.266924113035202, 0.06167725846171379)]
    [TestCase(42L, 0.33669036626815796, 0.12880940735340118, 0.23446236550807953)]
    [TestCase(1234567L, -1.3579249382019043, 0.5801529288291931, -0.5273520350456238)]
    public void DrawsTorchsNormalsBitForBit(long seed, double first, double second, double third)
    {
        var normal = new LearningRateNoise.TorchNormal(seed);
        Assert.That(new[] { normal.Next(), normal.Next(), normal.Next() }, Is.EqualTo(new[] { first, second, third }));
    }

    [Test]
    public void TheNoiseIsTheFirstDrawWithinTheBound()
    {
        // timm: while True: noise = torch.randn(1, generator=g).item(); if abs(noise) < pct: break (g seeded with seed + t).
        double[] torch = [-0.293428897857666, 0.6613521575927734, 0.39229682087898254, 0.17483338713645935, 0.23248571157455444, -0.4867807626724243];
        Assert.That(Enumerable.Range(0, 6).Select(s => LearningRateNoise.Noise(s, 0.67)), Is.EqualTo(torch));
    }

    [Test]
    public void PerturbsTheEpochsAfterTheRangesEpochs()
    {
        var cosine = new CosineWithWarmup(1e-3, totalEpochs: 10, minLearningRate: 1e-5, warmupEpochs: 0);
        var open = new LearningRateNoise(cosine, [0.5], epochs: 10, percent: 0.67, seed: 7);
        var window = new LearningRateNoise(cosine, [0.2, 0.4], epochs: 10, percent: 0.67, seed: 7);
        for (int epoch = 0; epoch < 12; epoch++)
        {
            double v = cosine.LearningRate(epoch);
            int t = epoch - 1;
            double noisy = v + v * LearningRateNoise.Noise(7 + t, 0.67);
            Assert.That(open.LearningRate(epoch), Is.EqualTo(epoch >= 1 && t >= 5 ? noisy : v), $"[0.5], epoch {epoch}");
            Assert.That(window.LearningRate(epoch), Is.EqualTo(t is >= 2 and < 4 ? noisy : v), $"[0.2, 0.4], epoch {epoch}");
        }
        Assert.Throws<ArgumentException>(() => new LearningRateNoise(cosine, [], 10, 0.67, 0));
    }
}
