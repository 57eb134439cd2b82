using DyTox.Data;
using DyTox.Memory;

namespace DyTox.Model.Tests.Memory;

public class HerdingTests
{
    private static readonly IRandomSource Rng = new SplitMix64Random(0);

    [Test]
    public void HandCheckedExample_RepeatedPicksAndTies()
    {
        // d0 = (1,0), d1 = (0,1), d2 = (1,1)/√2, μ = (0.569, 0.569).
        // Iterations 1–5 all pick d2 (only the first counts): w shrinks by √2−2·0.569 per step along (1,1).
        // Iteration 6: w = (−0.121, −0.121) → d0 and d1 tie at −0.121 > d2's −0.172 → first index, d0.
        // Iteration 7: w = (−0.552, 0.448) → d1.
        float[] f = [1, 0, 0, 1, 3, 3];
        var ranks = HerdingSelector.Ranks(f, 3, 2, quota: 3);
        Assert.That(ranks, Is.EqualTo(new[] { 2, 3, 1 }));
        Assert.That(new HerdingSelector().Select(f, 3, 2, 3, Rng), Is.EqualTo(new[] { 2, 0, 1 }));
        Assert.That(new HerdingSelector().Select(f, 3, 2, 2, Rng), Is.EqualTo(new[] { 2, 0 }));
        Assert.That(HerdingSelector.Ranks(f, 3, 2, quota: 1), Is.EqualTo(new[] { 10000, 10000, 1 }));
    }

    [Test]
    public void QuotaAtLeastClassSize_KeepsEveryImageInFirstSelectionOrder()
    {
        var rng = new SplitMix64Random(11);
        const int n = 7, d = 5;
        var f = Enumerable.Range(0, n * d).Select(_ => (float)rng.NextGaussian()).ToArray();
        var ranks = HerdingSelector.Ranks(f, n, d, quota: 20);
        Assert.That(ranks.OrderBy(r => r), Is.EqualTo(Enumerable.Range(1, n)));
        var selected = new HerdingSelector().Select(f, n, d, 20, Rng);
        Assert.That(selected, Has.Length.EqualTo(n));
        for (int k = 0; k < n; k++)
        {
            Assert.That(ranks[selected[k]], Is.EqualTo(k + 1));
        }
        // The first pick maximises ⟨μ, f_i⟩ over the normalised features.
        var normed = Enumerable.Range(0, n).Select(i =>
        {
            var row = f.Skip(i * d).Take(d).Select(v => (double)v).ToArray();
            double norm = Math.Sqrt(row.Sum(v => v * v)) + 1e-8;
            return row.Select(v => v / norm).ToArray();
        }).ToArray();
        var mu = Enumerable.Range(0, d).Select(k => normed.Average(r => r[k])).ToArray();
        int first = Enumerable.Range(0, n).OrderByDescending(i => normed[i].Zip(mu, (a, b) => a * b).Sum()).First();
        Assert.That(selected[0], Is.EqualTo(first));
    }

    [Test]
    public void IterationCapLeavesUnchosenSamplesAtRank10000()
    {
        // Identical features: argmax is always sample 0, so only one sample is ever chosen.
        float[] f = Enumerable.Repeat(new float[] { 1, 2 }, 4).SelectMany(x => x).ToArray();
        var ranks = HerdingSelector.Ranks(f, 4, 2, quota: 3);
        Assert.That(ranks, Is.EqualTo(new[] { 1, 10000, 10000, 10000 }));
        Assert.That(new HerdingSelector().Select(f, 4, 2, 3, Rng), Is.EqualTo(new[] { 0, 1, 2 }));
    }

    [Test]
    public void ClosestAndFurthestRankByDistanceToTheMean()
    {
        float[] f = [0, 0, 10, 0, 4, 0, 2, 0]; // mean (4, 0): distances 16, 36, 0, 4
        Assert.That(new ClosestToMeanSelector().Select(f, 4, 2, 3, Rng), Is.EqualTo(new[] { 2, 3, 0 }));
        Assert.That(new ClosestToMeanSelector(furthest: true).Select(f, 4, 2, 2, Rng), Is.EqualTo(new[] { 1, 0 }));
    }

    [Test]
    public void RandomSelectionWithAndWithoutReplacement()
    {
        var without = new RandomSelector().Select([], 10, 0, 4, new SplitMix64Random(3));
        Assert.That(without, Has.Length.EqualTo(4).And.Unique.And.All.InRange(0, 9));
        Assert.That(new RandomSelector().Select([], 3, 0, 10, new SplitMix64Random(3)), Has.Length.EqualTo(3));
        var with = new RandomSelector(withReplacement: true).Select([], 3, 0, 10, new SplitMix64Random(3));
        Assert.That(with, Has.Length.EqualTo(10).And.All.InRange(0, 2));
    }

    [Test]
    public void SelectorsFromReferenceOptionNames()
    {
        Assert.That(ExemplarSelectors.FromRehearsalOption("icarl_all"), Is.TypeOf<HerdingSelector>());
        Assert.That(ExemplarSelectors.FromRehearsalOption("closest_token").Name, Is.EqualTo("closest"));
        Assert.That(ExemplarSelectors.FromRehearsalOption("furthest_all").Name, Is.EqualTo("furthest"));
        Assert.That(ExemplarSelectors.UsesAllTaskEmbeddings("icarl_all"), Is.True);
        Assert.That(() => ExemplarSelectors.FromRehearsalOption("herding"),
            Throws.ArgumentException.With.Message.Contains("unknown rehearsal \"herding\""));
    }

    [Test]
    public void WrongFeatureSize_IsReported()
    {
        Assert.That(() => new HerdingSelector().Select(new float[5], 3, 2, 1, Rng),
            Throws.ArgumentException.With.Message.Contains("3 samples × 2 dimensions"));
    }
}
