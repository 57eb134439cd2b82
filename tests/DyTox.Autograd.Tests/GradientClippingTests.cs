using DyTox.Tensor;
using static DyTox.Autograd.Tests.TestSupport;

namespace DyTox.Autograd.Tests;

/// <summary>clip_grad: torch.nn.utils.clip_grad_norm_ semantics, determinism and untouched bits below the limit.</summary>
public class GradientClippingTests
{
    // Gradients g_k[i] = (k + 1)·sin(0.37·i + k) on parameters of shapes [7, 5], [13], [3, 3, 3], plus one without
    // a gradient. PyTorch 1.13 (float32), clip_grad_norm_(params, 2.5): returns 13.16110897064209 and leaves
    // g_0[1] = 0.06869014352560043, g_1[0] = 0.3196808397769928, g_1[1] = 0.3722740709781647,
    // g_2[0] = 0.5181729197502136, g_2[1] = 0.3973511755466461.
    private static readonly int[][] Shapes = [[7, 5], [13], [3, 3, 3]];

    private static List<Parameter> WithGradients(DType dtype, double scale = 1)
    {
        var o = new ParameterOptions(Cpu, dtype);
        var parameters = new List<Parameter>();
        for (int k = 0; k < Shapes.Length; k++)
        {
            var p = o.Create(Shapes[k]);
            int n = Shapes[k].Aggregate(1, (a, b) => a * b);
            var g = Enumerable.Range(0, n).Select(i => scale * (k + 1) * Math.Sin(0.37 * i + k)).ToArray();
            using var t = Cpu.Empty(dtype, Shapes[k]);
            if (dtype == DType.Float32) g.Select(v => (float)v).ToArray().CopyTo(t.Span<float>());
            else g.CopyTo(t.Span<double>());
            p.SetGradFrom(t);
            parameters.Add(p);
        }
        parameters.Add(o.Create(4)); // never receives a gradient: skipped, as torch skips p.grad is None
        return parameters;
    }

    private static double[] Flat(Parameter p) =>
        p.Grad!.DType == DType.Float32 ? p.Grad.ToArray<float>().Select(v => (double)v).ToArray() : p.Grad.ToArray<double>();

    [Test]
    public void MatchesTorchClipGradNorm()
    {
        var parameters = WithGradients(DType.Float32);
        var before = parameters.Take(3).Select(Flat).ToList();
        double norm = GradientClipping.ClipByTotalNorm(parameters, 2.5);
        Assert.That(norm, Is.EqualTo(13.16110897064209).Within(2e-7 * 13.2));
        Assert.That(Flat(parameters[0])[1], Is.EqualTo(0.06869014352560043).Within(1e-7));
        Assert.That(Flat(parameters[1])[0], Is.EqualTo(0.3196808397769928).Within(1e-7));
        Assert.That(Flat(parameters[1])[1], Is.EqualTo(0.3722740709781647).Within(1e-7));
        Assert.That(Flat(parameters[2])[0], Is.EqualTo(0.5181729197502136).Within(1e-7));
        Assert.That(Flat(parameters[2])[1], Is.EqualTo(0.3973511755466461).Within(1e-7));
        // Every element scaled by the one coefficient 2.5 / (‖g‖ + 1e-6); the new norm is the limit.
        double coefficient = 2.5 / (norm + GradientClipping.Epsilon);
        for (int k = 0; k < 3; k++)
        {
            var after = Flat(parameters[k]);
            for (int i = 0; i < after.Length; i++)
                Assert.That(after[i], Is.EqualTo(before[k][i] * coefficient).Within(1e-7 * Math.Abs(before[k][i]) + 1e-12), $"parameter {k}, element {i}");
        }
        Assert.That(GradientClipping.TotalNorm(parameters.Take(3).Select(p => p.Grad!).ToList()), Is.EqualTo(2.5).Within(1e-6));
        Assert.That(parameters[3].Grad, Is.Null);
        foreach (var p in parameters) p.Dispose();
    }

    [Test]
    public void TheNormIsTheFloat64SumOfSquaresInParameterOrder()
    {
        var parameters = WithGradients(DType.Float64, scale: 0.01);
        double expected = Math.Sqrt(parameters.Take(3).Select(Flat).Sum(g => g.Sum(v => v * v)));
        var grads = parameters.Take(3).Select(p => p.Grad!).ToList();
        Assert.That(GradientClipping.TotalNorm(grads), Is.EqualTo(expected).Within(1e-15 * expected));
        // Below the limit nothing changes, bit for bit.
        var before = parameters.Take(3).Select(Flat).ToList();
        double norm = GradientClipping.ClipByTotalNorm(parameters, 1.0);
        Assert.That(norm, Is.LessThan(1.0));
        for (int k = 0; k < 3; k++) Assert.That(Flat(parameters[k]), Is.EqualTo(before[k]));
        foreach (var p in parameters) p.Dispose();
    }

    [Test]
    public void ClippingTwiceGivesTheSameBitsAndLimitsMustBePositive()
    {
        var a = WithGradients(DType.Float32);
        var b = WithGradients(DType.Float32);
        GradientClipping.ClipByTotalNorm(a, 0.5);
        GradientClipping.ClipByTotalNorm(b, 0.5);
        for (int k = 0; k < 3; k++) Assert.That(Flat(b[k]), Is.EqualTo(Flat(a[k])));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByTotalNorm(a, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GradientClipping.ClipByTotalNorm(a, double.NaN));
        Assert.That(GradientClipping.ClipByTotalNorm([], 1.0), Is.Zero);
        foreach (var p in a.Concat(b)) p.Dispose();
    }
}
