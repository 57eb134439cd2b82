namespace DyTox.Tensor.Tests.Core;

public class RngTests
{
    [Test]
    public void SameSeedSameStream()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        for (int i = 0; i < 1000; i++) Assert.That(a.NextUInt(), Is.EqualTo(b.NextUInt()));
        Assert.That(new Rng(42).NextDouble(), Is.Not.EqualTo(new Rng(43).NextDouble()));
        Assert.That(new Rng(42, 1).NextDouble(), Is.Not.EqualTo(new Rng(42, 2).NextDouble()));
    }

    [Test]
    public void SeekToResumesAStream()
    {
        var a = new Rng(7);
        for (int i = 0; i < 13; i++) a.NextUInt();
        ulong position = a.Position;
        var expected = Enumerable.Range(0, 20).Select(_ => a.NextUInt()).ToArray();
        var b = new Rng(7);
        b.SeekTo(position);
        Assert.That(Enumerable.Range(0, 20).Select(_ => b.NextUInt()), Is.EqualTo(expected));
    }

    [Test]
    public void ForksAreReproducibleAndIndependent()
    {
        var root = new Rng(1);
        var f1 = root.Fork("data");
        var f1Again = new Rng(1).Fork("data");
        var f2 = root.Fork("init");
        var x1 = Enumerable.Range(0, 4000).Select(_ => f1.NextDouble()).ToArray();
        Assert.That(Enumerable.Range(0, 4000).Select(_ => f1Again.NextDouble()), Is.EqualTo(x1));
        var x2 = Enumerable.Range(0, 4000).Select(_ => f2.NextDouble()).ToArray();
        // Independent uniform streams: correlation ~ N(0, 1/n), |r| < 5/√n with overwhelming probability.
        double m1 = x1.Average(), m2 = x2.Average();
        double cov = x1.Zip(x2, (a, b) => (a - m1) * (b - m2)).Sum();
        double r = cov / Math.Sqrt(x1.Sum(a => (a - m1) * (a - m1)) * x2.Sum(b => (b - m2) * (b - m2)));
        Assert.That(Math.Abs(r), Is.LessThan(5 / Math.Sqrt(4000)));
        // Drawing from one fork does not shift another.
        var g = new Rng(1).Fork("init");
        Assert.That(g.NextDouble(), Is.EqualTo(x2[0]));
        Assert.That(root.Fork(3).NextUInt(), Is.Not.EqualTo(root.Fork(4).NextUInt()));
    }

    [Test]
    public void UniformsCoverTheUnitInterval()
    {
        var rng = new Rng(5);
        const int n = 100_000;
        var bins = new int[10];
        double sum = 0;
        for (int i = 0; i < n; i++)
        {
            double u = rng.NextDouble();
            Assert.That(u, Is.GreaterThanOrEqualTo(0).And.LessThan(1));
            bins[(int)(u * 10)]++;
            sum += u;
        }
        Assert.That(sum / n, Is.EqualTo(0.5).Within(5 * Math.Sqrt(1.0 / 12 / n)));
        // χ² with 9 degrees of freedom: 99.99th percentile ≈ 33.7.
        double chi2 = bins.Sum(b => (b - n / 10.0) * (b - n / 10.0) / (n / 10.0));
        Assert.That(chi2, Is.LessThan(33.7));
    }

    [Test]
    public void NextIntIsInRangeAndUnbiased()
    {
        var rng = new Rng(6);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++) counts[rng.NextInt(7)]++;
        foreach (var c in counts) Assert.That(c, Is.EqualTo(10_000).Within(5 * Math.Sqrt(10_000)));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
    }

    [Test]
    public void PermutationIsAPermutation()
    {
        var rng = new Rng(8);
        foreach (int n in new[] { 0, 1, 2, 65, 1000 })
        {
            var p = rng.Permutation(n);
            Assert.That(p.OrderBy(v => v), Is.EqualTo(Enumerable.Range(0, n)), $"n = {n}");
        }
        var q = rng.Permutation(1000);
        Assert.That(q.Where((v, i) => v == i).Count(), Is.LessThan(10), "a shuffle, not the identity");
        // Each position is uniform: element 0 lands in each of 5 slots ≈ 1/5 of the time.
        var hits = new int[5];
        for (int t = 0; t < 20_000; t++) hits[Array.IndexOf(rng.Permutation(5), 0)]++;
        foreach (var h in hits) Assert.That(h, Is.EqualTo(4000).Within(5 * Math.Sqrt(4000 * 0.8)));
    }

    [Test]
    public void NormalHasTheRightMoments()
    {
        var rng = new Rng(9);
        const int n = 200_000;
        double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
        for (int i = 0; i < n; i++)
        {
            double x = rng.Normal(2, 3);
            double z = (x - 2) / 3;
            s1 += z; s2 += z * z; s3 += z * z * z; s4 += z * z * z * z;
        }
        Assert.That(s1 / n, Is.EqualTo(0).Within(5 / Math.Sqrt(n)), "mean");
        Assert.That(s2 / n, Is.EqualTo(1).Within(5 * Math.Sqrt(2.0 / n)), "variance");
        Assert.That(s3 / n, Is.EqualTo(0).Within(5 * Math.Sqrt(15.0 / n)), "skewness");
        Assert.That(s4 / n, Is.EqualTo(3).Within(5 * Math.Sqrt(96.0 / n)), "kurtosis");
    }

    [Test]
    public void TruncatedNormalRespectsItsBounds()
    {
        var rng = new Rng(10);
        const int n = 50_000;
        double sum = 0, sq = 0;
        for (int i = 0; i < n; i++)
        {
            // timm's trunc_normal_(std=0.02) with absolute bounds [−2, 2]: effectively untruncated.
            double x = rng.TruncatedNormal(0, 0.02, -2, 2);
            sum += x; sq += x * x;
            double y = rng.TruncatedNormal(0, 1, -0.5, 1);
            Assert.That(y, Is.InRange(-0.5, 1));
        }
        Assert.That(sum / n, Is.EqualTo(0).Within(5 * 0.02 / Math.Sqrt(n)));
        Assert.That(Math.Sqrt(sq / n), Is.EqualTo(0.02).Within(0.02 * 5 * Math.Sqrt(0.5 / n)));
        Assert.Throws<ArgumentException>(() => rng.TruncatedNormal(0, 1, 1, 1));
    }

    [Test]
    public void BetaAndGammaHaveTheRightMeans()
    {
        var rng = new Rng(11);
        const int n = 50_000;
        double beta = 0, gamma = 0, small = 0;
        for (int i = 0; i < n; i++)
        {
            beta += rng.Beta(0.8, 0.8);
            gamma += rng.Gamma(2.5);
            small += rng.Gamma(0.5);
        }
        Assert.That(beta / n, Is.EqualTo(0.5).Within(5 * Math.Sqrt(0.8 * 0.8 / (1.6 * 1.6 * 2.6) / n)));
        Assert.That(gamma / n, Is.EqualTo(2.5).Within(5 * Math.Sqrt(2.5 / n)));
        Assert.That(small / n, Is.EqualTo(0.5).Within(5 * Math.Sqrt(0.5 / n)));
    }
}
