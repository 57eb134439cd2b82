namespace DyTox.Tensor.Tests.Cpu;

public class SoftmaxTests : CpuTestBase
{
    private static double[] ReferenceLogSoftmax(double[] x, int width)
    {
        var r = new double[x.Length];
        for (int o = 0; o < x.Length; o += width)
        {
            double max = double.NegativeInfinity;
            for (int i = 0; i < width; i++) max = Math.Max(max, x[o + i]);
            double s = 0;
            for (int i = 0; i < width; i++) s += Math.Exp(x[o + i] - max);
            for (int i = 0; i < width; i++) r[o + i] = x[o + i] - max - Math.Log(s);
        }
        return r;
    }

    [TestCase(65, 36)]
    [TestCase(12, 65)]
    [TestCase(3, 1000)]
    [TestCase(7, 1)]
    public void ForwardMatchesReference(int rows, int width)
    {
        var rng = new Rng(31);
        foreach (var dtype in FloatTypes)
        {
            var x = Rounded(Uniform(rng, rows * width, -5, 5), dtype);
            var logRef = ReferenceLogSoftmax(x, width);
            var y = Cpu.Empty(dtype, [rows, width]);
            Cpu.Softmax(Make(x, dtype, rows, width), y);
            double tol = Rtol(dtype, 8, width);
            AssertClose(Values(y), Array.ConvertAll(logRef, Math.Exp), tol, tol, $"softmax {dtype}");
            Cpu.LogSoftmax(Make(x, dtype, rows, width), y);
            AssertClose(Values(y), logRef, tol, tol, $"log-softmax {dtype}");
        }
    }

    [Test]
    public void StableForHugeLogits()
    {
        var x = new double[] { 1e4, -1e4, 0, 1e4 - 1, /**/ -1e4, -1e4 + 2, -1e4 + 1, -1e4 };
        foreach (var dtype in FloatTypes)
        {
            var y = Cpu.Empty(dtype, [2, 4]);
            Cpu.Softmax(Make(x, dtype, 2, 4), y);
            var p = Values(y);
            AssertAllFinite(p, $"softmax ±1e4 {dtype}");
            var logRef = ReferenceLogSoftmax(x, 4);
            AssertClose(p, Array.ConvertAll(logRef, Math.Exp), 1e-6, 1e-6, $"softmax ±1e4 {dtype}");
            Cpu.LogSoftmax(Make(x, dtype, 2, 4), y);
            AssertAllFinite(Values(y), $"log-softmax ±1e4 {dtype}");
            AssertClose(Values(y), logRef, 1e-3, Rtol(dtype, 4), $"log-softmax ±1e4 {dtype}");
            var dx = Cpu.Empty(dtype, [2, 4]);
            Cpu.LogSoftmaxBackward(y, Make([1, 2, 3, 4, 5, 6, 7, 8], dtype, 2, 4), dx);
            AssertAllFinite(Values(dx), $"log-softmax backward ±1e4 {dtype}");
        }
    }

    [Test]
    public void BackwardMatchesFiniteDifferences([Values] bool log)
    {
        var rng = new Rng(32);
        const int rows = 3, width = 65;
        var x = Uniform(rng, rows * width, -3, 3);
        var w = Uniform(rng, x.Length);
        Tensor Forward(double[] v)
        {
            var y = Cpu.Empty(DType.Float64, [rows, width]);
            if (log) Cpu.LogSoftmax(Make(v, DType.Float64, rows, width), y);
            else Cpu.Softmax(Make(v, DType.Float64, rows, width), y);
            return y;
        }
        var dx = Cpu.Empty(DType.Float64, [rows, width]);
        if (log) Cpu.LogSoftmaxBackward(Forward(x), Make(w, DType.Float64, rows, width), dx);
        else Cpu.SoftmaxBackward(Forward(x), Make(w, DType.Float64, rows, width), dx);
        AssertGradient(Values(dx), NumericalGradient(v => Weighted(Values(Forward(v)), w), x), log ? "log-softmax'" : "softmax'");
    }

    [Test]
    public void SameBitsForAnyThreadCount()
    {
        var rng = new Rng(33);
        var x = Make(Uniform(rng, 1536 * 64, -4, 4), DType.Float32, 1536, 64);
        var g = Make(Uniform(rng, 1536 * 64), DType.Float32, 1536, 64);
        float[] Run()
        {
            var y = Cpu.Empty(DType.Float32, [1536, 64]);
            var dx = Cpu.Empty(DType.Float32, [1536, 64]);
            Cpu.Softmax(x, y);
            Cpu.SoftmaxBackward(y, g, dx);
            return [.. y.ToArray<float>(), .. dx.ToArray<float>()];
        }
        var first = Run();
        DyTox.Tensor.Cpu.CpuParallel.MaxDegreeOfParallelism = 1;
        Assert.That(Run(), Is.EqualTo(first));
        DyTox.Tensor.Cpu.CpuParallel.MaxDegreeOfParallelism = 2;
        Assert.That(Run(), Is.EqualTo(first));
    }

    [Test]
    public void ShapeErrorsNameTheArgument()
    {
        var ex = Assert.Throws<ArgumentException>(() => Cpu.Softmax(Cpu.Empty(DType.Float32, [4, 3]), Cpu.Empty(DType.Float32, [4, 4])))!;
        Assert.That(ex.Message, Does.Contain("y has shape [4, 4]").And.Contain("expected [4, 3]"));
    }
}
