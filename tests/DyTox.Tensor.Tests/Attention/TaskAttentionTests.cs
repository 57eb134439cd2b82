using DyTox.Tensor.Cpu.Attention;
using static DyTox.Tensor.Tests.Attention.AttentionTestKit;

namespace DyTox.Tensor.Tests.Attention;

[NonParallelizable]
public class TaskAttentionTests
{
    // (tasks, batch, patches, dim, heads)
    private static readonly object[] Shapes =
    [
        new object[] { 3, 2, 9, 36, 3 },
        new object[] { 3, 2, 25, 36, 3 },
        new object[] { 1, 3, 64, 36, 3 },
        new object[] { 5, 2, 49, 32, 4 },
    ];

    [TestCaseSource(nameof(Shapes))]
    public void Forward_MatchesNaiveFloat64Reference(int tasks, int batch, int patches, int dim, int heads)
    {
        var p = TaskAttentionProblem.Create(tasks, batch, patches, dim, heads, seed: 61);
        var got = p.RunToHost(DType.Float64);
        var (attn, output) = p.Naive();
        Assert.That(RelativeError(got[0], attn), Is.LessThan(1e-13), "attn");
        Assert.That(RelativeError(got[1], output), Is.LessThan(1e-13), "output");
    }

    [TestCaseSource(nameof(Shapes))]
    public void Backward_MatchesCentralFiniteDifferences(int tasks, int batch, int patches, int dim, int heads)
    {
        var p = TaskAttentionProblem.Create(tasks, batch, patches, dim, heads, seed: 67);
        var got = p.RunToHost(DType.Float64);
        Assert.Multiple(() =>
        {
            Assert.That(FiniteDifferenceError(p.Q, got[2], p.NaiveLoss), Is.LessThan(1e-6), "dq");
            Assert.That(FiniteDifferenceError(p.KToken, got[3], p.NaiveLoss), Is.LessThan(1e-6), "dkToken");
            Assert.That(FiniteDifferenceError(p.VToken, got[4], p.NaiveLoss), Is.LessThan(1e-6), "dvToken");
            Assert.That(FiniteDifferenceError(p.KPatch, got[5], p.NaiveLoss, Sample(4, p.KPatch.Length, 600)), Is.LessThan(1e-6), "dkPatch");
            Assert.That(FiniteDifferenceError(p.VPatch, got[6], p.NaiveLoss, Sample(5, p.VPatch.Length, 600)), Is.LessThan(1e-6), "dvPatch");
        });
    }

    [TestCase(3, 2, 25, 36, 3)]
    [TestCase(5, 4, 64, 384, 12)]
    public void Float32_MatchesFloat64WithinEpsilonBounds(int tasks, int batch, int patches, int dim, int heads)
    {
        var p = TaskAttentionProblem.Create(tasks, batch, patches, dim, heads, seed: 71);
        var f64 = p.RunToHost(DType.Float64);
        var f32 = p.RunToHost(DType.Float32);
        double tol = 64 * DType.Float32.Epsilon();
        Assert.Multiple(() =>
        {
            for (int k = 0; k < f64.Length; k++)
                Assert.That(RelativeError(f32[k], f64[k]), Is.LessThan(tol), TaskAttentionProblem.OutputNames[k]);
        });
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void Results_AreBitwiseIdenticalAcrossRunsAndThreadCounts(DType dtype)
    {
        var p = TaskAttentionProblem.Create(3, 6, 25, 36, 3, seed: 73);
        var first = p.RunToBits(dtype);
        var second = p.RunToBits(dtype);
        byte[][] serial;
        AttentionParallel.MaxDegreeOfParallelism = 1;
        try { serial = p.RunToBits(dtype); }
        finally { AttentionParallel.MaxDegreeOfParallelism = -1; }
        for (int k = 0; k < first.Length; k++)
        {
            Assert.That(second[k], Is.EqualTo(first[k]), $"{TaskAttentionProblem.OutputNames[k]}: repeated run");
            Assert.That(serial[k], Is.EqualTo(first[k]), $"{TaskAttentionProblem.OutputNames[k]}: one thread");
        }
    }

    [TestCase("Vector256")]
    [TestCase("Scalar")]
    public void NarrowerSimdWidths_AgreeWithTheWidest(string widthName)
    {
        var p = TaskAttentionProblem.Create(3, 2, 25, 36, 3, seed: 79);
        var wide64 = p.RunToHost(DType.Float64);
        var wide32 = p.RunToHost(DType.Float32);
        double[][] narrow64, narrow32;
        AttentionSimd.Forced = Enum.Parse<SimdWidth>(widthName);
        try { narrow64 = p.RunToHost(DType.Float64); narrow32 = p.RunToHost(DType.Float32); }
        finally { AttentionSimd.Forced = SimdWidth.Auto; }
        for (int k = 0; k < wide64.Length; k++)
        {
            Assert.That(RelativeError(narrow64[k], wide64[k]), Is.LessThan(1e-13), $"{TaskAttentionProblem.OutputNames[k]} float64");
            Assert.That(RelativeError(narrow32[k], wide32[k]), Is.LessThan(16 * DType.Float32.Epsilon()), $"{TaskAttentionProblem.OutputNames[k]} float32");
        }
    }

    [Test]
    public void BadArguments_ThrowNamingTheInput()
    {
        using var q = Empty(DType.Float32, 3, 2, 36);
        using var kt = Empty(DType.Float32, 3, 2, 36);
        using var vt = Empty(DType.Float32, 3, 2, 36);
        using var kp = Empty(DType.Float32, 2, 9, 36);
        using var vp = Empty(DType.Float32, 2, 9, 36);
        using var vpWrong = Empty(DType.Float32, 2, 8, 36);
        using var attn = Empty(DType.Float32, 3, 2, 3, 10);
        using var attnWrong = Empty(DType.Float32, 3, 2, 3, 9);
        using var output = Empty(DType.Float32, 3, 2, 36);
        Assert.That(() => Backend.TaskAttentionForward(q, kt, vt, kp, vpWrong, 3, 0.3, attn, output),
                    Throws.ArgumentException.With.Message.Contains("vPatch"));
        Assert.That(() => Backend.TaskAttentionForward(q, kt, vt, kp, vp, 3, 0.3, attnWrong, output),
                    Throws.ArgumentException.With.Message.Contains("attn"));
        Assert.That(() => Backend.TaskAttentionForward(q, kt, vt, kp, vp, 3, double.NaN, attn, output),
                    Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("scale"));
    }
}
