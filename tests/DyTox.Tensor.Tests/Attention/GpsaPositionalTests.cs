using DyTox.Tensor.Cpu.Attention;
using static DyTox.Tensor.Tests.Attention.AttentionTestKit;

namespace DyTox.Tensor.Tests.Attention;

[NonParallelizable]
public class GpsaPositionalTests
{
    private sealed record Problem(int Heads, int Tokens, double[] Rel, double[] W, double[] B, double[] LossWeights)
    {
        public double[] Naive() => NaiveAttention.Positional(Rel, W, B, Heads, Tokens);
        public double NaiveLoss() => Dot(Naive(), LossWeights);

        /// <summary>posAttn, dWeight, dBias from the backend (dPosAttn = the loss weights).</summary>
        public Tensor[] Run(DType dtype)
        {
            using var rel = ToTensor(Rel, dtype, Tokens, Tokens, 3);
            using var w = ToTensor(W, dtype, Heads, 3);
            using var b = ToTensor(B, dtype, Heads);
            using var dPos = ToTensor(LossWeights, dtype, Heads, Tokens, Tokens);
            var pos = Empty(dtype, Heads, Tokens, Tokens);
            Backend.GpsaPositional(rel, w, b, pos);
            var dw = Empty(dtype, Heads, 3);
            var db = Empty(dtype, Heads);
            Backend.GpsaPositionalBackward(dPos, pos, rel, dw, db);
            return [pos, dw, db];
        }

        public double[][] RunToHost(DType dtype)
        {
            var ts = Run(dtype);
            try { return ts.Select(ToDoubles).ToArray(); }
            finally { foreach (var t in ts) t.Dispose(); }
        }
    }

    /// <summary>The DyTox local init (dytox-spec §1.4) on a side×side grid: heads h = h1 + 3·h2 &lt; 9 get
    /// (2(h2−1), 2(h1−1), −1), the rest small seeded weights; biases small seeded values (they are zero at init,
    /// but must be carried through).</summary>
    private static Problem Create(int heads, int side, int seed)
    {
        int n = side * side;
        var w = Uniform(seed, heads * 3, -0.05, 0.05);
        for (int h = 0; h < Math.Min(heads, 9); h++)
        {
            int h1 = h % 3, h2 = h / 3;
            w[h * 3] = 2 * (h2 - 1); w[h * 3 + 1] = 2 * (h1 - 1); w[h * 3 + 2] = -1;
        }
        return new Problem(heads, n, GridRelIndices(side), w, Uniform(seed + 1, heads, -0.5, 0.5), Uniform(seed + 2, heads * n * n));
    }

    [TestCase(3, 3)]
    [TestCase(12, 8)]
    [TestCase(4, 7)]
    public void Forward_MatchesNaiveFloat64Reference(int heads, int side)
    {
        var p = Create(heads, side, 7);
        Assert.That(RelativeError(p.RunToHost(DType.Float64)[0], p.Naive()), Is.LessThan(1e-13));
    }

    [TestCase(3, 3)]
    [TestCase(12, 8)]
    [TestCase(4, 5)]
    public void Backward_MatchesCentralFiniteDifferences(int heads, int side)
    {
        var p = Create(heads, side, 13);
        var got = p.RunToHost(DType.Float64);
        Assert.That(FiniteDifferenceError(p.W, got[1], p.NaiveLoss), Is.LessThan(1e-6), "dWeight");
        // The bias shifts a whole softmax row, so its gradient is analytically zero: compare absolutely.
        var fdBias = new double[p.Heads];
        for (int h = 0; h < p.Heads; h++)
        {
            double x = p.B[h];
            p.B[h] = x + 1e-5; double plus = p.NaiveLoss();
            p.B[h] = x - 1e-5; double minus = p.NaiveLoss();
            p.B[h] = x;
            fdBias[h] = (plus - minus) / 2e-5;
        }
        double dwScale = got[1].Max(Math.Abs);
        for (int h = 0; h < p.Heads; h++)
        {
            Assert.That(got[2][h], Is.EqualTo(0).Within(1e-12 * (1 + dwScale)), $"dBias[{h}]");
            Assert.That(fdBias[h], Is.EqualTo(0).Within(1e-8), $"finite-difference dBias[{h}]");
        }
    }

    [Test]
    public void Float32_MatchesFloat64WithinEpsilonBounds()
    {
        var p = Create(12, 8, 17);
        var f64 = p.RunToHost(DType.Float64);
        var f32 = p.RunToHost(DType.Float32);
        // Scores reach |w·rel| ≈ 100 on the 8×8 grid, so the exp argument carries ~100·eps32 absolute error.
        Assert.That(RelativeError(f32[0], f64[0]), Is.LessThan(256 * DType.Float32.Epsilon()), "posAttn");
        Assert.That(RelativeError(f32[1], f64[1]), Is.LessThan(1024 * DType.Float32.Epsilon()), "dWeight");
    }

    [Test]
    public void Results_AreBitwiseIdenticalAcrossRunsAndThreadCounts()
    {
        var p = Create(12, 8, 19);
        byte[][] Bits32()
        {
            var ts = p.Run(DType.Float32);
            try { return ts.Select(Bits).ToArray(); }
            finally { foreach (var t in ts) t.Dispose(); }
        }
        var first = Bits32();
        var second = Bits32();
        byte[][] serial;
        AttentionParallel.MaxDegreeOfParallelism = 1;
        try { serial = Bits32(); }
        finally { AttentionParallel.MaxDegreeOfParallelism = -1; }
        for (int k = 0; k < first.Length; k++)
        {
            Assert.That(second[k], Is.EqualTo(first[k]), $"output {k}: repeated run");
            Assert.That(serial[k], Is.EqualTo(first[k]), $"output {k}: one thread");
        }
    }

    [Test]
    public void BadArguments_ThrowNamingTheInput()
    {
        using var rel = Empty(DType.Float64, 9, 9, 3);
        using var w = Empty(DType.Float64, 3, 3);
        using var b = Empty(DType.Float64, 4);
        using var pos = Empty(DType.Float64, 3, 9, 9);
        using var relInt = Empty(DType.Int32, 9, 9, 3);
        Assert.That(() => Backend.GpsaPositional(rel, w, b, pos), Throws.ArgumentException.With.Message.Contains("bias"));
        using var b3 = Empty(DType.Float64, 3);
        Assert.That(() => Backend.GpsaPositional(relInt, w, b3, pos), Throws.ArgumentException.With.Message.Contains("relIndices"));
    }
}
