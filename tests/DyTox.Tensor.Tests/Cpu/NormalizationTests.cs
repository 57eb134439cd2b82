namespace DyTox.Tensor.Tests.Cpu;

public class NormalizationTests : CpuTestBase
{
    private static (double[] Y, double[] Mean, double[] Rstd) ReferenceLayerNorm(double[] x, double[] g, double[] b, int width, double eps)
    {
        int rows = x.Length / width;
        var y = new double[x.Length];
        var mean = new double[rows];
        var rstd = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double m = 0, v = 0;
            for (int i = 0; i < width; i++) m += x[r * width + i];
            m /= width;
            for (int i = 0; i < width; i++) v += (x[r * width + i] - m) * (x[r * width + i] - m);
            v /= width;
            mean[r] = m;
            rstd[r] = 1 / Math.Sqrt(v + eps);
            for (int i = 0; i < width; i++) y[r * width + i] = (x[r * width + i] - m) * rstd[r] * g[i] + b[i];
        }
        return (y, mean, rstd);
    }

    [TestCase(new[] { 65, 36 })]
    [TestCase(new[] { 3, 5, 7 })]
    [TestCase(new[] { 2, 65, 384 })]
    [TestCase(new[] { 33 })]
    public void LayerNormForwardMatchesReference(int[] shape)
    {
        var rng = new Rng(41);
        int width = shape[^1];
        foreach (var dtype in FloatTypes)
        {
            // An offset mean checks the two-pass variance.
            var x = Rounded(Uniform(rng, Numel(shape), 2, 4), dtype);
            var g = Rounded(Uniform(rng, width, 0.5, 1.5), dtype);
            var b = Rounded(Uniform(rng, width), dtype);
            var statShape = shape.Length == 1 ? new[] { 1 } : shape[..^1];
            var y = Cpu.Empty(dtype, shape);
            var mean = Cpu.Empty(dtype, statShape);
            var rstd = Cpu.Empty(dtype, statShape);
            Cpu.LayerNorm(Make(x, dtype, shape), Make(g, dtype, width), Make(b, dtype, width), 1e-6, y, mean, rstd);
            var r = ReferenceLayerNorm(x, g, b, width, 1e-6);
            double tol = Rtol(dtype, 16, width);
            AssertClose(Values(mean), r.Mean, tol, tol, $"mean {dtype}");
            AssertClose(Values(rstd), r.Rstd, tol, tol, $"rstd {dtype}");
            AssertClose(Values(y), r.Y, tol, tol, $"y {dtype}");
        }
    }

    [Test]
    public void LayerNormBackwardMatchesFiniteDifferences()
    {
        var rng = new Rng(42);
        int[] shape = [3, 5, 7];
        const int width = 7;
        var x = Uniform(rng, Numel(shape), -2, 2);
        var g = Uniform(rng, width, 0.5, 1.5);
        var b = Uniform(rng, width);
        var w = Uniform(rng, x.Length);
        double F(double[] xv, double[] gv, double[] bv)
        {
            var y = Cpu.Empty(DType.Float64, shape);
            Cpu.LayerNorm(Make(xv, DType.Float64, shape), Make(gv, DType.Float64, width), Make(bv, DType.Float64, width), 1e-5, y,
                          Cpu.Empty(DType.Float64, [3, 5]), Cpu.Empty(DType.Float64, [3, 5]));
            return Weighted(Values(y), w);
        }
        var tx = Make(x, DType.Float64, shape);
        var tg = Make(g, DType.Float64, width);
        var mean = Cpu.Empty(DType.Float64, [3, 5]);
        var rstd = Cpu.Empty(DType.Float64, [3, 5]);
        Cpu.LayerNorm(tx, tg, Make(b, DType.Float64, width), 1e-5, Cpu.Empty(DType.Float64, shape), mean, rstd);
        var dx = Cpu.Empty(DType.Float64, shape);
        var dg = Cpu.Empty(DType.Float64, [width]);
        var db = Cpu.Empty(DType.Float64, [width]);
        Cpu.LayerNormBackward(Make(w, DType.Float64, shape), tx, tg, mean, rstd, dx, dg, db);
        AssertGradient(Values(dx), NumericalGradient(v => F(v, g, b), x), "dx");
        AssertGradient(Values(dg), NumericalGradient(v => F(x, v, b), g), "dGamma");
        AssertGradient(Values(db), NumericalGradient(v => F(x, g, v), b), "dBeta");
    }

    [Test]
    public void LayerNormBackwardFloat32AgreesAndIsDeterministic()
    {
        var rng = new Rng(43);
        const int rows = 300, width = 384;
        var x = Rounded(Uniform(rng, rows * width, -2, 2), DType.Float32);
        var g = Rounded(Uniform(rng, width, 0.5, 1.5), DType.Float32);
        var dy = Rounded(Uniform(rng, rows * width), DType.Float32);
        double[][] Run(DType dt)
        {
            var tx = Make(x, dt, rows, width);
            var tg = Make(g, dt, width);
            var mean = Cpu.Empty(dt, [rows]);
            var rstd = Cpu.Empty(dt, [rows]);
            Cpu.LayerNorm(tx, tg, Zeros(dt, width), 1e-6, Cpu.Empty(dt, [rows, width]), mean, rstd);
            var dx = Cpu.Empty(dt, [rows, width]);
            var dg = Cpu.Empty(dt, [width]);
            var db = Cpu.Empty(dt, [width]);
            Cpu.LayerNormBackward(Make(dy, dt, rows, width), tx, tg, mean, rstd, dx, dg, db);
            return [Values(dx), Values(dg), Values(db)];
        }
        var f = Run(DType.Float32);
        var d = Run(DType.Float64);
        AssertClose(f[0], d[0], Rtol(DType.Float32, 16, width), Rtol(DType.Float32, 16, width), "dx");
        AssertClose(f[1], d[1], Rtol(DType.Float32, 16, rows), Rtol(DType.Float32, 16, rows), "dGamma");
        AssertClose(f[2], d[2], Rtol(DType.Float32, 16, rows), Rtol(DType.Float32, 16, rows), "dBeta");
        DyTox.Tensor.Cpu.CpuParallel.MaxDegreeOfParallelism = 1;
        var single = Run(DType.Float32);
        for (int i = 0; i < 3; i++) Assert.That(single[i], Is.EqualTo(f[i]), $"output {i} with one thread");
    }

    [Test]
    public void LayerNormNamesWrongShapes()
    {
        var x = Cpu.Empty(DType.Float32, [4, 6]);
        var ex = Assert.Throws<ArgumentException>(() => Cpu.LayerNorm(x, Cpu.Empty(DType.Float32, [5]), Cpu.Empty(DType.Float32, [6]), 1e-6,
            Cpu.Empty(DType.Float32, [4, 6]), Cpu.Empty(DType.Float32, [4]), Cpu.Empty(DType.Float32, [4])))!;
        Assert.That(ex.Message, Does.Contain("gamma has shape [5]").And.Contain("expected [6]"));
        var ex2 = Assert.Throws<ArgumentException>(() => Cpu.LayerNorm(x, Cpu.Empty(DType.Float32, [6]), Cpu.Empty(DType.Float32, [6]), 1e-6,
            Cpu.Empty(DType.Float32, [4, 6]), Cpu.Empty(DType.Float32, [4, 1]), Cpu.Empty(DType.Float32, [4])))!;
        Assert.That(ex2.Message, Does.Contain("mean has shape [4, 1]").And.Contain("expected [4]"));
    }

    [Test]
    public void L2NormalizeForwardAndBackward()
    {
        var rng = new Rng(44);
        const int rows = 5, width = 65;
        const double eps = 1e-8;
        var x = Uniform(rng, rows * width);
        foreach (var dtype in FloatTypes)
        {
            var xr = Rounded(x, dtype);
            var y = Cpu.Empty(dtype, [rows, width]);
            Cpu.L2Normalize(Make(xr, dtype, rows, width), eps, y);
            var expected = new double[xr.Length];
            for (int r = 0; r < rows; r++)
            {
                double n = Math.Sqrt(xr.Skip(r * width).Take(width).Sum(v => v * v));
                for (int i = 0; i < width; i++) expected[r * width + i] = xr[r * width + i] / (n + eps);
            }
            double tol = Rtol(dtype, 4, width);
            AssertClose(Values(y), expected, tol, tol, $"L2Normalize {dtype}");
        }
        var w = Uniform(rng, x.Length);
        double F(double[] v)
        {
            var y = Cpu.Empty(DType.Float64, [rows, width]);
            Cpu.L2Normalize(Make(v, DType.Float64, rows, width), 0.1, y);
            return Weighted(Values(y), w);
        }
        var dx = Cpu.Empty(DType.Float64, [rows, width]);
        Cpu.L2NormalizeBackward(Make(x, DType.Float64, rows, width), Make(w, DType.Float64, rows, width), 0.1, dx);
        AssertGradient(Values(dx), NumericalGradient(F, x), "L2Normalize'");

        // A zero row has a finite gradient (dy / eps).
        var dz = Cpu.Empty(DType.Float64, [1, 3]);
        Cpu.L2NormalizeBackward(Zeros(DType.Float64, 1, 3), Make([1, 2, 3], DType.Float64, 1, 3), 0.5, dz);
        Assert.That(Values(dz), Is.EqualTo(new[] { 2.0, 4.0, 6.0 }));
    }
}
