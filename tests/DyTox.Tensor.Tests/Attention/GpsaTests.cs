using DyTox.Tensor.Cpu.Attention;
using static DyTox.Tensor.Tests.Attention.AttentionTestKit;

namespace DyTox.Tensor.Tests.Attention;

[NonParallelizable]
public class GpsaTests
{
    // (batch, tokens, dim, heads): head width 12 is ragged for every SIMD width (packed operands); head width 32
    // fills whole registers (operands read and results written in place); batch 6 spans two reduction chunks.
    private static readonly object[] Shapes =
    [
        new object[] { 6, 9, 36, 3 },
        new object[] { 2, 25, 36, 3 },
        new object[] { 2, 65, 36, 3 },
        new object[] { 5, 49, 64, 2 },
    ];

    [TestCaseSource(nameof(Shapes))]
    public void Forward_MatchesNaiveFloat64Reference(int batch, int tokens, int dim, int heads)
    {
        var p = GpsaProblem.Create(batch, tokens, dim, heads, seed: 11);
        var got = p.RunToHost(DType.Float64);
        var (content, attn, output) = p.Naive();
        Assert.That(RelativeError(got[0], content), Is.LessThan(1e-13), "content");
        Assert.That(RelativeError(got[1], attn), Is.LessThan(1e-13), "attn");
        Assert.That(RelativeError(got[2], output), Is.LessThan(1e-13), "output");
    }

    [TestCaseSource(nameof(Shapes))]
    public void Backward_MatchesCentralFiniteDifferences(int batch, int tokens, int dim, int heads)
    {
        var p = GpsaProblem.Create(batch, tokens, dim, heads, seed: 23);
        var got = p.RunToHost(DType.Float64);
        // Every element on the small shapes; a seeded sample of 150 per input on the large one.
        int sample = tokens > 32 ? 150 : int.MaxValue;
        Assert.Multiple(() =>
        {
            Assert.That(FiniteDifferenceError(p.Qk, got[3], p.NaiveLoss, Sample(1, p.Qk.Length, sample)), Is.LessThan(1e-6), "dqk");
            Assert.That(FiniteDifferenceError(p.V, got[4], p.NaiveLoss, Sample(2, p.V.Length, sample)), Is.LessThan(1e-6), "dv");
            // posAttn is an independent input here: perturbing one entry breaks its row's unit sum, so this checks
            // the gradient of the row renormalisation as well.
            Assert.That(FiniteDifferenceError(p.Pos, got[5], p.NaiveLoss, Sample(3, p.Pos.Length, sample)), Is.LessThan(1e-6), "dPosAttn");
            Assert.That(FiniteDifferenceError(p.Gates, got[6], p.NaiveLoss), Is.LessThan(1e-6), "dGates");
        });
    }

    [Test]
    public void Backward_ModelsTheRenormalisationForUnnormalisedPositionalRows()
    {
        var p = GpsaProblem.Create(3, 9, 36, 3, seed: 5);
        // Rows that sum to 0.5–1.5: without the renormalisation term dPosAttn and dGates would be wrong.
        var rng = new Random(9);
        for (int r = 0; r < p.Heads * p.Tokens; r++)
        {
            double f = 0.5 + rng.NextDouble();
            for (int j = 0; j < p.Tokens; j++) p.Pos[r * p.Tokens + j] *= f;
        }
        var got = p.RunToHost(DType.Float64);
        Assert.That(RelativeError(got[2], p.Naive().Output), Is.LessThan(1e-13), "output");
        Assert.That(FiniteDifferenceError(p.Pos, got[5], p.NaiveLoss), Is.LessThan(1e-6), "dPosAttn");
        Assert.That(FiniteDifferenceError(p.Gates, got[6], p.NaiveLoss), Is.LessThan(1e-6), "dGates");
        Assert.That(FiniteDifferenceError(p.Qk, got[3], p.NaiveLoss), Is.LessThan(1e-6), "dqk");
    }

    [TestCase(6, 9, 36, 3)]
    [TestCase(3, 64, 128, 4)]
    public void Float32_MatchesFloat64WithinEpsilonBounds(int batch, int tokens, int dim, int heads)
    {
        var p = GpsaProblem.Create(batch, tokens, dim, heads, seed: 31);
        var f64 = p.RunToHost(DType.Float64);
        var f32 = p.RunToHost(DType.Float32);
        // Inputs are rounded to float (relative 2^-24) and every result passes through O(N + d)-term sums,
        // exp and a few divisions; 64·eps32 of the result's scale bounds the observed error with margin.
        double tol = 64 * DType.Float32.Epsilon();
        Assert.Multiple(() =>
        {
            for (int k = 0; k < f64.Length; k++)
                Assert.That(RelativeError(f32[k], f64[k]), Is.LessThan(tol), GpsaProblem.OutputNames[k]);
        });
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void Results_AreBitwiseIdenticalAcrossRunsAndThreadCounts(DType dtype)
    {
        var p = GpsaProblem.Create(10, 25, 36, 3, seed: 41);
        var first = p.RunToBits(dtype);
        var second = p.RunToBits(dtype);
        byte[][] serial;
        AttentionParallel.MaxDegreeOfParallelism = 1;
        try { serial = p.RunToBits(dtype); }
        finally { AttentionParallel.MaxDegreeOfParallelism = -1; }
        for (int k = 0; k < first.Length; k++)
        {
            Assert.That(second[k], Is.EqualTo(first[k]), $"{GpsaProblem.OutputNames[k]}: repeated run");
            Assert.That(serial[k], Is.EqualTo(first[k]), $"{GpsaProblem.OutputNames[k]}: one thread");
        }
    }

    [TestCase("Vector256")]
    [TestCase("Scalar")]
    public void NarrowerSimdWidths_AgreeWithTheWidest(string widthName)
    {
        var width = Enum.Parse<SimdWidth>(widthName);
        var p = GpsaProblem.Create(5, 25, 36, 3, seed: 53);
        var wide64 = p.RunToHost(DType.Float64);
        var wide32 = p.RunToHost(DType.Float32);
        double[][] narrow64, narrow32;
        AttentionSimd.Forced = width;
        try { narrow64 = p.RunToHost(DType.Float64); narrow32 = p.RunToHost(DType.Float32); }
        finally { AttentionSimd.Forced = SimdWidth.Auto; }
        for (int k = 0; k < wide64.Length; k++)
        {
            Assert.That(RelativeError(narrow64[k], wide64[k]), Is.LessThan(1e-13), $"{GpsaProblem.OutputNames[k]} float64");
            Assert.That(RelativeError(narrow32[k], wide32[k]), Is.LessThan(64 * DType.Float32.Epsilon()), $"{GpsaProblem.OutputNames[k]} float32 (different summation orders)");
        }
    }

    [Test]
    public void BadArguments_ThrowNamingTheInput()
    {
        using var qk = Empty(DType.Float32, 2, 9, 72);
        using var v = Empty(DType.Float32, 2, 9, 36);
        using var pos = Empty(DType.Float32, 3, 9, 9);
        using var gates = Empty(DType.Float32, 3);
        using var attn = Empty(DType.Float32, 2, 3, 9, 9);
        using var content = Empty(DType.Float32, 2, 3, 9, 9);
        using var output = Empty(DType.Float32, 2, 9, 36);
        using var badPos = Empty(DType.Float32, 3, 9, 8);
        using var pos64 = Empty(DType.Float64, 3, 9, 9);
        Assert.That(() => Backend.GpsaForward(qk, v, pos, gates, 5, 0.3, content, attn, output),
                    Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("heads"));
        Assert.That(() => Backend.GpsaForward(qk, v, badPos, gates, 3, 0.3, content, attn, output),
                    Throws.ArgumentException.With.Message.Contains("posAttn"));
        Assert.That(() => Backend.GpsaForward(qk, v, pos64, gates, 3, 0.3, content, attn, output),
                    Throws.ArgumentException.With.Message.Contains("posAttn").And.Message.Contains("Float32"));
        using var strided = Empty(DType.Float32, 2, 18, 72);
        using var view = strided.Slice(1, 0, 9);
        Assert.That(() => Backend.GpsaForward(view, v, pos, gates, 3, 0.3, content, attn, output),
                    Throws.ArgumentException.With.Message.Contains("contiguous"));
    }
}
