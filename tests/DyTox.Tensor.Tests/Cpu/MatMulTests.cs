namespace DyTox.Tensor.Tests.Cpu;

public class MatMulTests : CpuTestBase
{
    /// <summary>Element (i, j) of op(X) where X is row-major [rows, cols].</summary>
    private static double At(double[] x, int cols, bool trans, int i, int j) => trans ? x[j * cols + i] : x[i * cols + j];

    private static double[] ReferenceGemm(double[] a, bool ta, double[] b, bool tb, int m, int n, int k, double alpha, double beta, double[] c)
    {
        var r = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += At(a, ta ? m : k, ta, i, p) * At(b, tb ? k : n, tb, p, j);
                r[i * n + j] = alpha * s + beta * c[i * n + j];
            }
        return r;
    }

    [Test]
    public void MatMul2DAllTransposes([Values] bool ta, [Values] bool tb)
    {
        var rng = new Rng(21);
        const int m = 65, n = 17, k = 36;
        foreach (var dtype in FloatTypes)
        {
            var a = Rounded(Uniform(rng, m * k), dtype);
            var b = Rounded(Uniform(rng, k * n), dtype);
            var c0 = Rounded(Uniform(rng, m * n), dtype);
            var c = Make(c0, dtype, m, n);
            Cpu.MatMul(Make(a, dtype, ta ? [k, m] : [m, k]), ta, Make(b, dtype, tb ? [n, k] : [k, n]), tb, c, 0.5, 2);
            var expected = ReferenceGemm(a, ta, b, tb, m, n, k, 0.5, 2, c0);
            double tol = Rtol(dtype, 4, k);
            AssertClose(Values(c), expected, tol, tol, $"MatMul ta={ta} tb={tb} {dtype}");
        }
    }

    [Test]
    public void MatMulBatchedWithASharedOperandAndRowStrides()
    {
        var rng = new Rng(22);
        const int batch = 3, m = 5, n = 7, k = 9;
        var a = Uniform(rng, batch * m * 12); // [3, 5, 12] sliced to [3, 5, 9]: row stride 12
        var b = Uniform(rng, k * n);
        using var aView = Make(a, DType.Float64, batch, m, 12).Slice(2, 2, k);
        var c = Cpu.Empty(DType.Float64, [batch, m, n]);
        Cpu.MatMul(aView, false, Make(b, DType.Float64, 1, k, n), false, c);
        var got = Values(c);
        for (int s = 0; s < batch; s++)
        {
            var aS = new double[m * k];
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++) aS[i * k + p] = a[(s * m + i) * 12 + 2 + p];
            var expected = ReferenceGemm(aS, false, b, false, m, n, k, 1, 0, new double[m * n]);
            AssertClose(got.Skip(s * m * n).Take(m * n).ToArray(), expected, 1e-14, 1e-14, $"batch {s}");
        }
    }

    [Test]
    public void MatMulBatchedTransposedB()
    {
        var rng = new Rng(23);
        const int batch = 4, m = 6, n = 5, k = 3;
        var a = Uniform(rng, batch * m * k);
        var b = Uniform(rng, batch * n * k);
        var c = Cpu.Empty(DType.Float32, [batch, m, n]);
        Cpu.MatMul(Make(a, DType.Float32, batch, m, k), false, Make(b, DType.Float32, batch, n, k), true, c);
        var got = Values(c);
        for (int s = 0; s < batch; s++)
        {
            var expected = ReferenceGemm(Rounded(a.Skip(s * m * k).Take(m * k).ToArray(), DType.Float32), false,
                                         Rounded(b.Skip(s * n * k).Take(n * k).ToArray(), DType.Float32), true, m, n, k, 1, 0, new double[m * n]);
            AssertClose(got.Skip(s * m * n).Take(m * n).ToArray(), expected, 1e-6, 1e-6, $"batch {s}");
        }
    }

    [Test]
    public void LinearMatchesReference([Values] bool withBias)
    {
        var rng = new Rng(24);
        const int inF = 7, outF = 4;
        foreach (var dtype in FloatTypes)
        {
            var x = Rounded(Uniform(rng, 3 * 5 * inF), dtype);
            var w = Rounded(Uniform(rng, outF * inF), dtype);
            var bias = Rounded(Uniform(rng, outF), dtype);
            var y = Cpu.Empty(dtype, [3, 5, outF]);
            Cpu.Linear(Make(x, dtype, 3, 5, inF), Make(w, dtype, outF, inF), withBias ? Make(bias, dtype, outF) : null, y);
            var expected = new double[15 * outF];
            for (int r = 0; r < 15; r++)
                for (int o = 0; o < outF; o++)
                {
                    double s = withBias ? bias[o] : 0;
                    for (int i = 0; i < inF; i++) s += x[r * inF + i] * w[o * inF + i];
                    expected[r * outF + o] = s;
                }
            double tol = Rtol(dtype, 4, inF);
            AssertClose(Values(y), expected, tol, tol, $"Linear {dtype}");
        }
    }

    [Test]
    public void LinearBackwardMatchesFiniteDifferences()
    {
        var rng = new Rng(25);
        int[] xs = [2, 5, 6];
        const int inF = 6, outF = 3;
        var x = Uniform(rng, Numel(xs));
        var w = Uniform(rng, outF * inF);
        var bias = Uniform(rng, outF);
        var dyv = Uniform(rng, 10 * outF);
        double F(double[] xv, double[] wv, double[] bv)
        {
            var y = Cpu.Empty(DType.Float64, [2, 5, outF]);
            Cpu.Linear(Make(xv, DType.Float64, xs), Make(wv, DType.Float64, outF, inF), Make(bv, DType.Float64, outF), y);
            return Weighted(Values(y), dyv);
        }
        var dx = Cpu.Empty(DType.Float64, xs);
        var dw = Cpu.Empty(DType.Float64, [outF, inF]);
        var db = Cpu.Empty(DType.Float64, [outF]);
        Cpu.LinearBackward(Make(dyv, DType.Float64, 2, 5, outF), Make(x, DType.Float64, xs), Make(w, DType.Float64, outF, inF), dx, dw, db);
        AssertGradient(Values(dx), NumericalGradient(v => F(v, w, bias), x), "dx");
        AssertGradient(Values(dw), NumericalGradient(v => F(x, v, bias), w), "dWeight");
        AssertGradient(Values(db), NumericalGradient(v => F(x, w, v), bias), "dBias");

        // Any output may be omitted.
        var dwOnly = Cpu.Empty(DType.Float64, [outF, inF]);
        Cpu.LinearBackward(Make(dyv, DType.Float64, 2, 5, outF), Make(x, DType.Float64, xs), Make(w, DType.Float64, outF, inF), null, dwOnly, null);
        Assert.That(Values(dwOnly), Is.EqualTo(Values(dw)));
    }

    [Test]
    public void LinearBackwardFloat32AgreesWithFloat64()
    {
        var rng = new Rng(26);
        const int rows = 300, inF = 36, outF = 17;
        var x = Rounded(Uniform(rng, rows * inF), DType.Float32);
        var w = Rounded(Uniform(rng, outF * inF), DType.Float32);
        var dy = Rounded(Uniform(rng, rows * outF), DType.Float32);
        double[][] Run(DType dt)
        {
            var dx = Cpu.Empty(dt, [rows, inF]);
            var dw = Cpu.Empty(dt, [outF, inF]);
            var db = Cpu.Empty(dt, [outF]);
            Cpu.LinearBackward(Make(dy, dt, rows, outF), Make(x, dt, rows, inF), Make(w, dt, outF, inF), dx, dw, db);
            return [Values(dx), Values(dw), Values(db)];
        }
        var f = Run(DType.Float32);
        var d = Run(DType.Float64);
        AssertClose(f[0], d[0], Rtol(DType.Float32, 4, outF), Rtol(DType.Float32, 4, outF), "dx");
        AssertClose(f[1], d[1], Rtol(DType.Float32, 4, rows), Rtol(DType.Float32, 4, rows), "dWeight");
        AssertClose(f[2], d[2], Rtol(DType.Float32, 4, rows), Rtol(DType.Float32, 4, rows), "dBias");
    }

    [Test]
    public void ShapeErrorsNameTheArgument()
    {
        var a = Cpu.Empty(DType.Float32, [4, 3]);
        var b = Cpu.Empty(DType.Float32, [5, 2]);
        var c = Cpu.Empty(DType.Float32, [4, 2]);
        var ex = Assert.Throws<ArgumentException>(() => Cpu.MatMul(a, false, b, false, c))!;
        Assert.That(ex.Message, Does.Contain("b has shape [5, 2]").And.Contain("expected [3, 2]"));
        var ex2 = Assert.Throws<ArgumentException>(() => Cpu.Linear(Cpu.Empty(DType.Float32, [2, 5]), Cpu.Empty(DType.Float32, [3, 4]), null, Cpu.Empty(DType.Float32, [2, 3])))!;
        Assert.That(ex2.Message, Does.Contain("x has shape [2, 5]").And.Contain("[..., 4]"));
        var ex3 = Assert.Throws<ArgumentException>(() => Cpu.Linear(Cpu.Empty(DType.Float32, [2, 4]), Cpu.Empty(DType.Float32, [3, 4]), Cpu.Empty(DType.Float32, [4]), Cpu.Empty(DType.Float32, [2, 3])))!;
        Assert.That(ex3.Message, Does.Contain("bias has shape [4]").And.Contain("expected [3]"));
    }
}
