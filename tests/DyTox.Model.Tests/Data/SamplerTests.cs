using DyTox.Data;
using DyTox.Data.Sampling;

namespace DyTox.Model.Tests.Data;

public class SamplerTests
{
    [Test]
    public void RepeatedAugmentation_DistributedReshufflesAndRepeatsThreeTimes()
    {
        var sampler = new RepeatedAugmentationSampler(1000, seed: 7);
        var e0 = sampler.EpochIndices(0);
        var e1 = sampler.EpochIndices(1);
        Assert.That(e0, Has.Length.EqualTo(768)); // ⌊1000/256⌋·256
        Assert.That(sampler.ReportedLength, Is.EqualTo(768));
        for (int i = 0; i < 768; i += 3)
        {
            Assert.That(e0[i + 1], Is.EqualTo(e0[i]));
            Assert.That(e0[i + 2], Is.EqualTo(e0[i]));
        }
        Assert.That(e0.Distinct().Count(), Is.EqualTo(256));
        Assert.That(e1, Is.Not.EqualTo(e0));
        Assert.That(sampler.EpochIndices(0), Is.EqualTo(e0)); // deterministic in (seed, epoch)
    }

    [Test]
    public void RankSampler_DealsLikeDistributedSampler([Values(1, 2, 3, 4)] int replicas)
    {
        var inner = new ShuffledSampler(10, seed: 5);
        var whole = inner.EpochIndices(2);
        var ranks = Enumerable.Range(0, replicas).Select(r => new RankSampler(inner, replicas, r)).ToArray();
        int per = (10 + replicas - 1) / replicas;
        var padded = whole.Concat(whole).Take(per * replicas).ToArray(); // padded from the start, as torch does
        for (int r = 0; r < replicas; r++)
        {
            var mine = ranks[r].EpochIndices(2);
            Assert.That(ranks[r].ReportedLength, Is.EqualTo(per));
            Assert.That(mine, Has.Length.EqualTo(per));
            for (int i = 0; i < per; i++)
            {
                Assert.That(mine[i], Is.EqualTo(padded[RankSampler.GlobalPosition(i, r, replicas)]));
                Assert.That(mine[i], Is.EqualTo(padded[r + i * replicas]));
            }
        }
        Assert.That(() => new RankSampler(inner, 2, 2), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    /// <summary>What the trainer relies on: replica r's i-th index is entry R·i + r of the one-replica epoch, for
    /// the repeated-augmentation sampler's ranks too, so step s of R replicas of b covers one replica's step s of R·b.</summary>
    [Test]
    public void RepeatedAugmentation_RankEntriesAreTheGlobalPositions([Values(2, 4)] int replicas)
    {
        var single = new RepeatedAugmentationSampler(700, seed: 9).EpochIndices(3);
        for (int r = 0; r < replicas; r++)
        {
            var mine = new RepeatedAugmentationSampler(700, seed: 9, numReplicas: replicas, rank: r).EpochIndices(3);
            Assert.That(mine, Has.Length.EqualTo(single.Length / replicas));
            for (int i = 0; i < mine.Length; i++) Assert.That(mine[i], Is.EqualTo(single[RankSampler.GlobalPosition(i, r, replicas)]));
        }
    }

    [Test]
    public void RepeatedAugmentation_TwoReplicasUnionIsTheOneReplicaEpoch()
    {
        var single = new RepeatedAugmentationSampler(600, seed: 3).EpochIndices(4);
        var r0 = new RepeatedAugmentationSampler(600, seed: 3, numReplicas: 2, rank: 0).EpochIndices(4);
        var r1 = new RepeatedAugmentationSampler(600, seed: 3, numReplicas: 2, rank: 1).EpochIndices(4);
        Assert.That(r0, Has.Length.EqualTo(256));
        var interleaved = r0.Zip(r1, (a, b) => new[] { a, b }).SelectMany(x => x).ToArray();
        Assert.That(interleaved, Is.EqualTo(single));
    }

    [Test]
    public void RepeatedAugmentation_ReferenceSingleProcessReusesOnePermutation()
    {
        var sampler = new RepeatedAugmentationSampler(1000, seed: 7, mode: RepeatedAugmentationMode.ReferenceSingleProcess);
        var e0 = sampler.EpochIndices(0);
        var e1 = sampler.EpochIndices(1);
        var e2 = sampler.EpochIndices(2);
        Assert.That(e0, Has.Length.EqualTo(3 * 128)); // ⌊1000/256⌋·128
        Assert.That(sampler.ReportedLength, Is.EqualTo(768));
        Assert.That(e2, Is.EqualTo(e0)); // rank alternates 0, 1, 0 on the same permutation
        Assert.That(e1, Is.Not.EqualTo(e0));
        // Both ranks see the same 256 images: a third of the data is never used for gradient steps.
        Assert.That(e1.Distinct().OrderBy(x => x), Is.EqualTo(e0.Distinct().OrderBy(x => x)));
        Assert.That(e0.Distinct().Count(), Is.EqualTo(256));
    }

    [Test]
    public void ShuffledSamplerIsAPermutationPerEpoch()
    {
        var s = new ShuffledSampler(50, seed: 1);
        Assert.That(s.EpochIndices(0).OrderBy(x => x), Is.EqualTo(Enumerable.Range(0, 50)));
        Assert.That(s.EpochIndices(0), Is.Not.EqualTo(s.EpochIndices(1)));
        Assert.That(new SequentialSampler(4).EpochIndices(9), Is.EqualTo(new[] { 0, 1, 2, 3 }));
    }

    [Test]
    public void BatchingDropsTheTailOnlyWhenAsked()
    {
        var idx = Enumerable.Range(0, 10).ToArray();
        Assert.That(Batching.MakeBatches(idx, 4, dropLast: true).Select(b => b.Length), Is.EqualTo(new[] { 4, 4 }));
        Assert.That(Batching.MakeBatches(idx, 4, dropLast: false).Select(b => b.Length), Is.EqualTo(new[] { 4, 4, 2 }));
        Assert.That(Batching.ReferenceDropLast(new SequentialSampler(100), 128), Is.False);
        Assert.That(Batching.ReferenceDropLast(new SequentialSampler(129), 128), Is.True);
    }

    [Test]
    public void RandomSourcesAreDeterministicAndInRange()
    {
        var a = new SplitMix64Random(42);
        var b = new SplitMix64Random(42);
        for (int i = 0; i < 1000; i++)
        {
            int x = a.NextInt(7);
            Assert.That(x, Is.EqualTo(b.NextInt(7)).And.InRange(0, 6));
            double d = a.NextDouble();
            Assert.That(d, Is.EqualTo(b.NextDouble()).And.GreaterThanOrEqualTo(0).And.LessThan(1));
        }
        var g = new SplitMix64Random(1);
        var samples = Enumerable.Range(0, 20000).Select(_ => g.NextGaussian()).ToArray();
        Assert.That(samples.Average(), Is.EqualTo(0).Within(0.03));
        Assert.That(Math.Sqrt(samples.Select(v => v * v).Average()), Is.EqualTo(1).Within(0.03));
    }
}
