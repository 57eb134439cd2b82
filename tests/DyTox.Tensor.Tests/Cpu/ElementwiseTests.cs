namespace DyTox.Tensor.Tests.Cpu;

public class ElementwiseTests : CpuTestBase
{
    private static double Apply(BinaryOp op, double a, double b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        BinaryOp.Div => a / b,
        BinaryOp.Max => Math.Max(a, b),
        _ => Math.Min(a, b),
    };

    /// <summary>Reference broadcasting: the index of a's element for a destination multi-index.</summary>
    private static double[] ReferenceBinary(BinaryOp op, double[] a, int[] sa, double[] b, int[] sb, int[] sd)
    {
        int n = Numel(sd);
        var r = new double[n];
        var idx = new int[sd.Length];
        for (int i = 0; i < n; i++)
        {
            int rest = i;
            for (int d = sd.Length - 1; d >= 0; d--) { idx[d] = rest % sd[d]; rest /= sd[d]; }
            r[i] = Apply(op, a[Flat(idx, sa)], b[Flat(idx, sb)]);
        }
        return r;
    }

    private static int Flat(int[] idx, int[] shape)
    {
        int lead = idx.Length - shape.Length, f = 0;
        for (int d = 0; d < shape.Length; d++) f = f * shape[d] + (shape[d] == 1 ? 0 : idx[lead + d]);
        return f;
    }

    private static readonly object[] BroadcastCases =
    [
        new object[] { new[] { 65, 36 }, new[] { 65, 36 } },
        new object[] { new[] { 65, 36 }, new[] { 36 } },
        new object[] { new[] { 36 }, new[] { 65, 36 } },
        new object[] { new[] { 3, 5, 7 }, new[] { 5, 1 } },
        new object[] { new[] { 3, 1, 7 }, new[] { 3, 5, 1 } },
        new object[] { new[] { 3, 5, 7 }, new[] { 1 } },
        new object[] { new[] { 1 }, new[] { 2, 3, 33 } },
        new object[] { new[] { 2, 1, 65 }, new[] { 2, 4, 65 } },
    ];

    [TestCaseSource(nameof(BroadcastCases))]
    public void BinaryBroadcastsLikeNumPy(int[] shapeA, int[] shapeB)
    {
        var rng = new Rng(1);
        var sd = Shape.Broadcast(shapeA, shapeB);
        foreach (var dtype in FloatTypes)
            foreach (BinaryOp op in Enum.GetValues<BinaryOp>())
            {
                var a = Rounded(Uniform(rng, Numel(shapeA)), dtype);
                var b = Rounded(Uniform(rng, Numel(shapeB), 0.5, 2), dtype);
                var d = Cpu.Empty(dtype, sd);
                Cpu.Binary(op, Make(a, dtype, shapeA), Make(b, dtype, shapeB), d);
                var expected = ReferenceBinary(op, a, shapeA, b, shapeB, sd);
                AssertClose(Values(d), expected, 0, dtype == DType.Float32 ? Rtol(dtype, 1) : 0, $"{op} {dtype} {Shape.Format(shapeA)}∘{Shape.Format(shapeB)}");
            }
    }

    [Test]
    public void BinaryTakesStridedAndExpandedViews()
    {
        var rng = new Rng(2);
        foreach (var dtype in FloatTypes)
        {
            // a: the transpose of a [36, 65] matrix (strided); b: a column [65, 1] expanded to [65, 36] (stride 0).
            var baseA = Rounded(Uniform(rng, 36 * 65), dtype);
            var colB = Rounded(Uniform(rng, 65), dtype);
            using var aT = Make(baseA, dtype, 36, 65).Transpose(0, 1);
            using var bE = Make(colB, dtype, 65, 1).Expand(65, 36);
            var d = Cpu.Empty(dtype, [65, 36]);
            Cpu.Binary(BinaryOp.Sub, aT, bE, d);
            var expected = new double[65 * 36];
            for (int i = 0; i < 65; i++)
                for (int j = 0; j < 36; j++) expected[i * 36 + j] = baseA[j * 65 + i] - colB[i];
            AssertClose(Values(d), expected, 0, Rtol(dtype, 1), $"strided − expanded ({dtype})");

            // A slice with a row stride larger than its width.
            using var slice = Make(baseA, dtype, 36, 65).Slice(1, 3, 20);
            var d2 = Cpu.Empty(dtype, [36, 20]);
            Cpu.Binary(BinaryOp.Mul, slice, slice, d2);
            var expected2 = new double[36 * 20];
            for (int i = 0; i < 36; i++)
                for (int j = 0; j < 20; j++) expected2[i * 20 + j] = baseA[i * 65 + 3 + j] * baseA[i * 65 + 3 + j];
            AssertClose(Values(d2), expected2, 0, Rtol(dtype, 1), $"slice·slice ({dtype})");
        }
    }

    [Test]
    public void BinaryMayWriteInPlace()
    {
        var rng = new Rng(3);
        var a = Uniform(rng, 65 * 36);
        var b = Uniform(rng, 36);
        var ta = Make(a, DType.Float64, 65, 36);
        Cpu.Binary(BinaryOp.Add, ta, Make(b, DType.Float64, 36), ta);
        AssertClose(Values(ta), ReferenceBinary(BinaryOp.Add, a, [65, 36], b, [36], [65, 36]), 0, 0, "a += b");
        var tb = Make(b, DType.Float64, 36);
        var big = Make(a, DType.Float64, 65, 36);
        var d = Cpu.Empty(DType.Float64, [65, 36]);
        Cpu.Binary(BinaryOp.Div, big, big, d);
        Assert.That(Values(d), Is.All.EqualTo(1.0));
        Assert.That(tb.IsDisposed, Is.False);
    }

    [Test]
    public void BinaryLargeInputsAgreeWithSingleThread()
    {
        var rng = new Rng(4);
        var a = Make(Uniform(rng, 300 * 257), DType.Float32, 300, 257);
        var b = Make(Uniform(rng, 257), DType.Float32, 257);
        var d1 = Cpu.Empty(DType.Float32, [300, 257]);
        var d2 = Cpu.Empty(DType.Float32, [300, 257]);
        Cpu.Binary(BinaryOp.Mul, a, b, d1);
        DyTox.Tensor.Cpu.CpuParallel.MaxDegreeOfParallelism = 1;
        Cpu.Binary(BinaryOp.Mul, a, b, d2);
        Assert.That(d2.ToArray<float>(), Is.EqualTo(d1.ToArray<float>()));
    }

    private static double Reference(UnaryOp op, double x) => op switch
    {
        UnaryOp.Neg => -x,
        UnaryOp.Exp => Math.Exp(x),
        UnaryOp.Log => Math.Log(x),
        UnaryOp.Sqrt => Math.Sqrt(x),
        UnaryOp.Square => x * x,
        UnaryOp.Abs => Math.Abs(x),
        UnaryOp.Reciprocal => 1 / x,
        UnaryOp.Sigmoid => 1 / (1 + Math.Exp(-x)),
        UnaryOp.Tanh => Math.Tanh(x),
        UnaryOp.Relu => Math.Max(x, 0),
        _ => 0.5 * x * (1 + ErfSeries(x / Math.Sqrt(2))),
    };

    /// <summary>Maclaurin series of erf, accurate to ~1e-14 for |x| ≤ 3 (independent of the implementation).</summary>
    internal static double ErfSeries(double x)
    {
        double term = x, sum = x;
        for (int n = 1; n < 200; n++)
        {
            term *= -x * x / n;
            double add = term / (2 * n + 1);
            sum += add;
            if (Math.Abs(add) < 1e-18 * Math.Abs(sum)) break;
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }

    private static bool PositiveOnly(UnaryOp op) => op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Reciprocal;

    [Test]
    public void UnaryMatchesReference([Values] UnaryOp op)
    {
        var rng = new Rng(5);
        var raw = PositiveOnly(op) ? Uniform(rng, 65 * 36, 0.1, 4) : Uniform(rng, 65 * 36, -4, 4);
        foreach (var dtype in FloatTypes)
        {
            var x = Rounded(raw, dtype);
            var d = Cpu.Empty(dtype, [65, 36]);
            Cpu.Unary(op, Make(x, dtype, 65, 36), d);
            var expected = Array.ConvertAll(x, v => Reference(op, v));
            double rtol = dtype == DType.Float32 ? Rtol(dtype, 4) : 1e-13;
            // The GELU reference 0.5·x·(1 + erf) cancels for negative x: an absolute tolerance covers its own error.
            double atol = dtype == DType.Float32 ? 1e-7 : op == UnaryOp.Gelu ? 1e-13 : 1e-14;
            AssertClose(Values(d), expected, atol, rtol, $"{op} ({dtype})");
        }
    }

    [Test]
    public void UnaryMayWriteInPlace()
    {
        var x = Uniform(new Rng(6), 100);
        var t = Make(x, DType.Float64, 100);
        Cpu.Unary(UnaryOp.Tanh, t, t);
        AssertClose(Values(t), Array.ConvertAll(x, Math.Tanh), 1e-15, 1e-15, "tanh in place");
    }

    [Test]
    public void UnaryBackwardMatchesFiniteDifferences([Values] UnaryOp op)
    {
        var rng = new Rng(7);
        var x = PositiveOnly(op) ? Uniform(rng, 3 * 5 * 7, 0.2, 3) : Uniform(rng, 3 * 5 * 7, -3, 3);
        if (op is UnaryOp.Abs or UnaryOp.Relu)
            for (int i = 0; i < x.Length; i++) if (Math.Abs(x[i]) < 1e-3) x[i] = 0.5; // away from the kink
        var w = Uniform(rng, x.Length);
        double F(double[] v)
        {
            var y = Cpu.Empty(DType.Float64, [3, 5, 7]);
            Cpu.Unary(op, Make(v, DType.Float64, 3, 5, 7), y);
            return Weighted(Values(y), w);
        }
        var tx = Make(x, DType.Float64, 3, 5, 7);
        var ty = Cpu.Empty(DType.Float64, [3, 5, 7]);
        Cpu.Unary(op, tx, ty);
        var dx = Cpu.Empty(DType.Float64, [3, 5, 7]);
        Cpu.UnaryBackward(op, tx, ty, Make(w, DType.Float64, 3, 5, 7), dx);
        AssertGradient(Values(dx), NumericalGradient(F, x), $"{op}'");
    }

    [Test]
    public void GeluUsesTheExactErfForm()
    {
        // Tail values where the tanh approximation and the erf form differ by more than 1e-4.
        var x = new[] { -6.0, -3.0, -1.5, -0.3, 0.0, 0.7, 2.2, 5.0 };
        var y = Cpu.Empty(DType.Float64, [x.Length]);
        Cpu.Unary(UnaryOp.Gelu, Make(x, DType.Float64, x.Length), y);
        var expected = Array.ConvertAll(x, v => v * 0.5 * DyTox.Tensor.Cpu.SpecialFunctions.Erfc(-v / Math.Sqrt(2)));
        AssertClose(Values(y), expected, 1e-300, 1e-13, "gelu");
        Assert.That(Values(y)[1], Is.EqualTo(-3 * 0.5 * (1 + ErfSeries(-3 / Math.Sqrt(2)))).Within(1e-14));
    }

    [Test]
    public void Float32GeluKeepsRelativeAccuracyAcrossAllBranches()
    {
        // 16-lane vectors mixing the small (|x|/√2 ≤ 0.46875), middle and tail (> 4) erf branches, plus a tail.
        var rng = new Rng(10);
        var x = Rounded(Uniform(rng, 16 * 40 + 7, -12, 12), DType.Float32);
        for (int i = 0; i < 80; i++) x[i * 8] = Rounded([rng.Uniform(-0.6, 0.6)], DType.Float32)[0];
        x[3] = 0; x[5] = -0.0; x[9] = 40; x[11] = -40;
        var tx = Make(x, DType.Float32, x.Length);
        var y = Cpu.Empty(DType.Float32, [x.Length]);
        Cpu.Unary(UnaryOp.Gelu, tx, y);
        var expected = Array.ConvertAll(x, DyTox.Tensor.Cpu.SpecialFunctions.Gelu);
        AssertClose(Values(y), expected, 1e-40, Rtol(DType.Float32, 1), "float32 GELU");
        var g = Rounded(Uniform(rng, x.Length), DType.Float32);
        var dx = Cpu.Empty(DType.Float32, [x.Length]);
        Cpu.UnaryBackward(UnaryOp.Gelu, tx, y, Make(g, DType.Float32, x.Length), dx);
        var expectedDx = x.Select((v, i) => g[i] * DyTox.Tensor.Cpu.SpecialFunctions.GeluDerivative(v)).ToArray();
        AssertClose(Values(dx), expectedDx, 1e-40, Rtol(DType.Float32, 2), "float32 GELU'");
    }

    [Test]
    public void AffineAndAxpy()
    {
        var rng = new Rng(8);
        foreach (var dtype in FloatTypes)
        {
            var x = Rounded(Uniform(rng, 3 * 5 * 7), dtype);
            var y0 = Rounded(Uniform(rng, 3 * 5 * 7), dtype);
            var d = Cpu.Empty(dtype, [3, 5, 7]);
            Cpu.Affine(Make(x, dtype, 3, 5, 7), 1.5, -0.25, d);
            AssertClose(Values(d), Array.ConvertAll(x, v => 1.5 * v - 0.25), 1e-7, Rtol(dtype, 2), $"affine {dtype}");
            var y = Make(y0, dtype, 3, 5, 7);
            Cpu.Axpy(-0.5, Make(x, dtype, 3, 5, 7), y);
            AssertClose(Values(y), x.Select((v, i) => y0[i] - 0.5 * v).ToArray(), 1e-7, Rtol(dtype, 2), $"axpy {dtype}");
        }
    }

    private static readonly object[] SumToShapeCases =
    [
        new object[] { new[] { 65, 36 }, new[] { 36 } },
        new object[] { new[] { 65, 36 }, new[] { 65, 1 } },
        new object[] { new[] { 3, 5, 7 }, new[] { 5, 1 } },
        new object[] { new[] { 3, 5, 7 }, new[] { 3, 1, 7 } },
        new object[] { new[] { 3, 5, 7 }, new[] { 1 } },
        new object[] { new[] { 3, 5, 7 }, new[] { 3, 5, 7 } },
        new object[] { new[] { 2, 3, 4, 5 }, new[] { 3, 1, 5 } },
        new object[] { new[] { 300, 17 }, new[] { 1, 17 } },
    ];

    [TestCaseSource(nameof(SumToShapeCases))]
    public void SumToShapeIsTheAdjointOfBroadcasting(int[] source, int[] target)
    {
        var rng = new Rng(9);
        foreach (var dtype in FloatTypes)
        {
            var s = Rounded(Uniform(rng, Numel(source)), dtype);
            var d = Cpu.Empty(dtype, target);
            Cpu.SumToShape(Make(s, dtype, source), d);
            var expected = new double[Numel(target)];
            var idx = new int[source.Length];
            for (int i = 0; i < s.Length; i++)
            {
                int rest = i;
                for (int a = source.Length - 1; a >= 0; a--) { idx[a] = rest % source[a]; rest /= source[a]; }
                expected[Flat(idx, target)] += s[i];
            }
            int k = Numel(source) / Numel(target);
            AssertClose(Values(d), expected, Rtol(dtype, 4, k), Rtol(dtype, 4, k), $"SumToShape {Shape.Format(source)}→{Shape.Format(target)} {dtype}");
        }
    }

    [Test]
    public void ShapeErrorsNameTheArgument()
    {
        var a = Cpu.Empty(DType.Float32, [4, 3]);
        var b = Cpu.Empty(DType.Float32, [5]);
        var d = Cpu.Empty(DType.Float32, [4, 3]);
        var ex = Assert.Throws<ArgumentException>(() => Cpu.Binary(BinaryOp.Add, a, b, d))!;
        Assert.That(ex.Message, Does.Contain("b").And.Contain("[5]").And.Contain("[4, 3]"));
        var ex2 = Assert.Throws<ArgumentException>(() => Cpu.Unary(UnaryOp.Exp, a, Cpu.Empty(DType.Float32, [3, 4])))!;
        Assert.That(ex2.Message, Does.Contain("destination").And.Contain("[4, 3]"));
        var ex3 = Assert.Throws<ArgumentException>(() => Cpu.Unary(UnaryOp.Exp, a, Cpu.Empty(DType.Float64, [4, 3])))!;
        Assert.That(ex3.Message, Does.Contain("destination").And.Contain("Float32"));
        var ex4 = Assert.Throws<ArgumentException>(() => Cpu.SumToShape(a, Cpu.Empty(DType.Float32, [2])))!;
        Assert.That(ex4.Message, Does.Contain("destination").And.Contain("[4, 3]"));
    }
}
