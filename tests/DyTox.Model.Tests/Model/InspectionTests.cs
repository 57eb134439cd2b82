using DyTox.Autograd;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Model.Tests.Model;

/// <summary><see cref="DyToxInspection.ForwardWithAttention"/>: same logits as Forward, well-formed maps, metrics.</summary>
[TestFixture]
public class InspectionTests
{
    // Fixture model (16×16, patch 4: 16 patches, 9 heads), 2 TABs and drop-path modules present (inactive in eval).
    private static readonly DyToxConfig Config = DyToxConfig.Fixture with { TaskAttentionBlocks = 2, DropPathMax = 0.3 };
    private const int Batch = 3;

    private static DyToxModel ThreeTaskModel(DType dtype)
    {
        var model = new DyToxModel(Config, CpuBackend.Instance, dtype, new Rng(11));
        model.AddTask(3);
        model.AddTask(2);
        model.AddTask(2);
        // Gates start at 1 for every head; spread them so σ differs per head and the mix is non-trivial.
        var rng = new Rng(12);
        foreach (var sab in model.Sabs) Init.Normal(sab.Attn.GatingParam.Value, 0, 2, rng);
        model.Eval();
        return model;
    }

    private static Variable Images(DType dtype)
    {
        var images = CpuBackend.Instance.Empty(dtype, [Batch, Config.InChannels, Config.ImageSize, Config.ImageSize]);
        Init.Normal(images, 0, 1, new Rng(13));
        return new Variable(images);
    }

    private static double[] Doubles(Variable v) => Fixture.ToDoubles(v.Value);

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void LogitsAndEmbeddingsAreBitwiseThoseOfForward(DType dtype)
    {
        using var model = ThreeTaskModel(dtype);
        using var scope = TensorScope.Begin();
        var x = Images(dtype);
        DyToxOutput plain;
        using (GradMode.NoGrad()) plain = model.Forward(x, withDivergence: true);
        var inspected = model.ForwardWithAttention(x);
        if (dtype == DType.Float32)
        {
            Assert.That(inspected.Output.Logits.Value.ToArray<float>(), Is.EqualTo(plain.Logits.Value.ToArray<float>()));
            Assert.That(inspected.Output.Embeddings.Value.ToArray<float>(), Is.EqualTo(plain.Embeddings.Value.ToArray<float>()));
        }
        else
        {
            Assert.That(inspected.Output.Logits.Value.ToArray<double>(), Is.EqualTo(plain.Logits.Value.ToArray<double>()));
            Assert.That(inspected.Output.Embeddings.Value.ToArray<double>(), Is.EqualTo(plain.Embeddings.Value.ToArray<double>()));
        }
        Assert.That(inspected.Output.Logits.Value.ShapeArray(), Is.EqualTo(new[] { Batch, 7 }));
        Assert.That(inspected.Output.Logits.GradFn, Is.Null, "no tape");
    }

    [TestCase(DType.Float32, 1e-5)]
    [TestCase(DType.Float64, 1e-6)] // maps are stored as float32
    public void MapsHaveTheDocumentedShapesAndAreDistributions(DType dtype, double tolerance)
    {
        using var model = ThreeTaskModel(dtype);
        using var scope = TensorScope.Begin();
        var snapshot = model.ForwardWithAttention(Images(dtype)).Attention;
        int h = Config.NumHeads, n = Config.NumPatches;
        Assert.That(snapshot.GridSide, Is.EqualTo(4));
        Assert.That(snapshot.Sabs, Has.Count.EqualTo(Config.SelfAttentionBlocks));
        Assert.That(snapshot.Tabs, Has.Count.EqualTo(Config.TaskAttentionBlocks));
        foreach (var sab in snapshot.Sabs)
        {
            Assert.That(sab.Gates.Shape, Is.EqualTo(new[] { h }));
            Assert.That(sab.PositionalAttention.Shape, Is.EqualTo(new[] { h, n, n }));
            Assert.That(sab.ContentAttention.Shape, Is.EqualTo(new[] { Batch, h, n, n }));
            Assert.That(sab.Attention.Shape, Is.EqualTo(new[] { Batch, h, n, n }));
            var g = Fixture.ToDoubles(model.Sabs[sab.Block].Attn.GatingParam.Value);
            for (int k = 0; k < h; k++)
                Assert.That(sab.Gates.Values[k], Is.EqualTo(1 / (1 + Math.Exp(-g[k]))).Within(1e-6), $"σ(gating_param[{k}]) of SAB {sab.Block}");
            for (int k = 0; k < h; k++)
                for (int i = 0; i < n; i++)
                {
                    Assert.That(Sum(sab.PositionalAttention.Row(k, i)), Is.EqualTo(1).Within(tolerance));
                    for (int b = 0; b < Batch; b++)
                    {
                        var content = sab.ContentAttention.Row(b, k, i);
                        var mixed = sab.Attention.Row(b, k, i);
                        Assert.That(Sum(content), Is.EqualTo(1).Within(tolerance), $"content row sab {sab.Block} b{b} h{k} i{i}");
                        Assert.That(Sum(mixed), Is.EqualTo(1).Within(tolerance), $"attn row sab {sab.Block} b{b} h{k} i{i}");
                        // attn = ((1−σ)·content + σ·pos) / row sum (dytox-spec §1.4).
                        var pos = sab.PositionalAttention.Row(k, i);
                        double s = sab.Gates.Values[k], norm = 0;
                        for (int j = 0; j < n; j++) norm += (1 - s) * content[j] + s * pos[j];
                        for (int j = 0; j < n; j++)
                            Assert.That(mixed[j], Is.EqualTo(((1 - s) * content[j] + s * pos[j]) / norm).Within(tolerance));
                    }
                }
        }
        foreach (var tab in snapshot.Tabs)
        {
            Assert.That(tab.Attention.Shape, Is.EqualTo(new[] { 3, Batch, h, 1 + n }));
            for (int t = 0; t < 3; t++)
            {
                var task = tab.Task(t);
                Assert.That(task.Shape, Is.EqualTo(new[] { Batch, h, 1 + n }));
                for (int b = 0; b < Batch; b++)
                    for (int k = 0; k < h; k++)
                        Assert.That(Sum(task.Row(b, k)), Is.EqualTo(1).Within(tolerance));
            }
        }
        // The tasks' tokens differ, so their attention differs.
        Assert.That(snapshot.Tabs[0].Task(1).Values, Is.Not.EqualTo(snapshot.Tabs[0].Task(0).Values));
    }

    [Test]
    public void ContentAttentionOfTheFirstSabIsSoftmaxOfScaledQueryKeyProducts()
    {
        // An independent host computation: layout [B, H, N, N], Q = qk channels [0, D), K = [D, 2D), head h owns [h·d, (h+1)·d).
        using var model = ThreeTaskModel(DType.Float64);
        using var scope = TensorScope.Begin();
        var x = Images(DType.Float64);
        var snapshot = model.ForwardWithAttention(x).Attention;
        double[] qk;
        using (GradMode.NoGrad())
        {
            var tokens = F.Add(model.PatchEmbed.Forward(x), model.PosEmbed);
            qk = Doubles(model.Sabs[0].Attn.Qk.Forward(model.Sabs[0].Norm1.Forward(tokens)));
        }
        int n = Config.NumPatches, dim = Config.EmbedDim, hd = Config.HeadDim;
        var content = snapshot.Sabs[0].ContentAttention;
        var logits = new double[n];
        for (int b = 0; b < Batch; b++)
            for (int h = 0; h < Config.NumHeads; h++)
                for (int i = 0; i < n; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        double dot = 0;
                        for (int c = 0; c < hd; c++)
                            dot += qk[(b * n + i) * 2 * dim + h * hd + c] * qk[(b * n + j) * 2 * dim + dim + h * hd + c];
                        logits[j] = dot * Config.AttentionScale;
                    }
                    double max = logits.Max(), z = logits.Sum(l => Math.Exp(l - max));
                    var row = content.Row(b, h, i);
                    for (int j = 0; j < n; j++)
                        Assert.That(row[j], Is.EqualTo(Math.Exp(logits[j] - max) / z).Within(1e-6));
                }
    }

    [Test]
    public void ASingleTokenModelGivesOneMapPerTabAndForwardsLogits()
    {
        // The naive baseline: one task token shared by growing heads.
        using var model = new DyToxModel(Config, CpuBackend.Instance, DType.Float64, new Rng(21));
        model.AddTask(3, newTaskToken: false);
        model.AddTask(2, newTaskToken: false);
        model.Eval();
        using var scope = TensorScope.Begin();
        var x = Images(DType.Float64);
        DyToxOutput plain;
        using (GradMode.NoGrad()) plain = model.Forward(x, withDivergence: false);
        var inspected = model.ForwardWithAttention(x);
        Assert.That(inspected.Output.Logits.Value.ToArray<double>(), Is.EqualTo(plain.Logits.Value.ToArray<double>()));
        Assert.That(inspected.Attention.Tabs[0].TaskCount, Is.EqualTo(1));
    }

    [Test]
    public void ATrainingModeModelIsRefused()
    {
        using var model = ThreeTaskModel(DType.Float32);
        model.Train();
        using var scope = TensorScope.Begin();
        var e = Assert.Throws<InvalidOperationException>(() => model.ForwardWithAttention(Images(DType.Float32)));
        Assert.That(e!.Message, Does.Contain("Eval()"));
    }

    [Test]
    public void MeanAttentionDistanceOfKnownMaps()
    {
        // 2×2 grid: attending to oneself is distance 0; uniform attention is (0 + 1 + 1 + √2) / 4 from every patch.
        const int n = 4;
        var self = new float[2 * n * n];
        var uniform = new float[2 * n * n];
        for (int h = 0; h < 2; h++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    self[(h * n + i) * n + j] = i == j ? 1 : 0;
                    uniform[(h * n + i) * n + j] = 0.25f;
                }
        Assert.That(AttentionMetrics.MeanAttentionDistance(new AttentionMap(self, [2, n, n]), 2), Is.EqualTo(new[] { 0.0, 0.0 }));
        var d = AttentionMetrics.MeanAttentionDistance(new AttentionMap(uniform, [1, 2, n, n]), 2);
        Assert.That(d, Is.EqualTo(new[] { (2 + Math.Sqrt(2)) / 4, (2 + Math.Sqrt(2)) / 4 }).Within(1e-7));
        Assert.Throws<ArgumentException>(() => AttentionMetrics.MeanAttentionDistance(new AttentionMap(self, [2, n, n]), 3));
    }

    [Test]
    public void TaskAttentionEntropyAndTokenMass()
    {
        // [B=2, H=1, 1+4]: image 0 puts half on the token and spreads the rest evenly (entropy ln 4);
        // image 1 puts everything on one patch (entropy 0, token mass 0).
        var map = new AttentionMap([0.5f, 0.125f, 0.125f, 0.125f, 0.125f, 0, 0, 1, 0, 0], [2, 1, 5]);
        var (entropy, tokenMass) = AttentionMetrics.TaskAttentionSummary(map);
        Assert.That(entropy[0], Is.EqualTo(Math.Log(4) / 2).Within(1e-7));
        Assert.That(tokenMass[0], Is.EqualTo(0.25).Within(1e-7));
    }

    private static double Sum(ReadOnlySpan<float> row)
    {
        double s = 0;
        foreach (float v in row) s += v;
        return s;
    }
}
