namespace DyTox.Tensor.Tests.Cpu;

public class ReduceTests : CpuTestBase
{
    private static double[] ReferenceReduce(ReduceOp op, double[] x, int[] shape, int axis)
    {
        int outer = shape.Take(axis).Aggregate(1, (a, b) => a * b), extent = shape[axis], inner = shape.Skip(axis + 1).Aggregate(1, (a, b) => a * b);
        var r = new double[outer * inner];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double acc = op == ReduceOp.Max ? double.NegativeInfinity : 0;
                for (int k = 0; k < extent; k++)
                {
                    double v = x[(o * extent + k) * inner + i];
                    acc = op == ReduceOp.Max ? Math.Max(acc, v) : acc + v;
                }
                r[o * inner + i] = op == ReduceOp.Mean ? acc / extent : acc;
            }
        return r;
    }

    private static readonly object[] Cases =
    [
        new object[] { new[] { 65, 36 }, 0 }, new object[] { new[] { 65, 36 }, 1 }, new object[] { new[] { 65, 36 }, -1 },
        new object[] { new[] { 3, 5, 7 }, 0 }, new object[] { new[] { 3, 5, 7 }, 1 }, new object[] { new[] { 3, 5, 7 }, 2 },
        new object[] { new[] { 4, 1000 }, 1 }, new object[] { new[] { 65 }, 0 },
    ];

    [TestCaseSource(nameof(Cases))]
    public void ReduceMatchesReference(int[] shape, int axis)
    {
        var rng = new Rng(11);
        int a = axis < 0 ? axis + shape.Length : axis;
        var outShape = (int[])shape.Clone();
        outShape[a] = 1;
        foreach (var dtype in FloatTypes)
            foreach (ReduceOp op in Enum.GetValues<ReduceOp>())
            {
                var x = Rounded(Uniform(rng, Numel(shape)), dtype);
                var d = Cpu.Empty(dtype, outShape);
                Cpu.Reduce(op, Make(x, dtype, shape), axis, d);
                int k = shape[a];
                double rtol = op == ReduceOp.Max ? 0 : Rtol(dtype, 4, k);
                AssertClose(Values(d), ReferenceReduce(op, x, shape, a), rtol, rtol, $"{op} axis {axis} of {Shape.Format(shape)} ({dtype})");
            }
    }

    [Test]
    public void ArgMaxReturnsTheFirstMaximum()
    {
        var x = new double[] { 1, 5, 5, 2, /**/ 7, 7, 7, 7, /**/ -3, -1, -2, -1 };
        var idx = Cpu.Empty(DType.Int32, [3, 1]);
        Cpu.ArgMax(Make(x, DType.Float32, 3, 4), 1, idx);
        Assert.That(idx.ToArray<int>(), Is.EqualTo(new[] { 1, 0, 1 }));
        var idx0 = Cpu.Empty(DType.Int32, [1, 4]);
        Cpu.ArgMax(Make(x, DType.Float64, 3, 4), 0, idx0);
        Assert.That(idx0.ToArray<int>(), Is.EqualTo(new[] { 1, 1, 1, 1 }));
    }

    [Test]
    public void ArgMaxOnRandomData()
    {
        var rng = new Rng(12);
        var x = Uniform(rng, 3 * 5 * 7);
        var idx = Cpu.Empty(DType.Int32, [3, 5, 1]);
        Cpu.ArgMax(Make(x, DType.Float64, 3, 5, 7), 2, idx);
        var got = idx.ToArray<int>();
        for (int r = 0; r < 15; r++)
        {
            var row = x.Skip(r * 7).Take(7).ToArray();
            Assert.That(got[r], Is.EqualTo(Array.IndexOf(row, row.Max())));
        }
    }

    [Test]
    public void SumAllAndSumOfSquares()
    {
        var rng = new Rng(13);
        foreach (int n in new[] { 1, 65, 8191, 8192 * 5 + 3 })
            foreach (var dtype in FloatTypes)
            {
                var x = Rounded(Uniform(rng, n), dtype);
                var t = Make(x, dtype, n);
                var s = Cpu.Empty(dtype, [1]);
                Cpu.SumAll(t, s);
                double rtol = Rtol(dtype, 4, n);
                Assert.That(s.Item(), Is.EqualTo(x.Sum()).Within(rtol * x.Sum(Math.Abs)), $"SumAll n={n} {dtype}");
                Cpu.SumOfSquares(t, s);
                double sq = x.Sum(v => v * v);
                Assert.That(s.Item(), Is.EqualTo(sq).Within(rtol * sq), $"SumOfSquares n={n} {dtype}");
            }
    }

    [Test]
    public void ReductionsDoNotDependOnTheThreadCount()
    {
        var rng = new Rng(14);
        var x = Make(Uniform(rng, 512 * 384), DType.Float32, 512, 384);
        float[] Run()
        {
            var s = Cpu.Empty(DType.Float32, [1]);
            var cols = Cpu.Empty(DType.Float32, [384]);
            var rows = Cpu.Empty(DType.Float32, [512, 1]);
            Cpu.SumAll(x, s);
            Cpu.SumToShape(x, cols);
            Cpu.Reduce(ReduceOp.Sum, x, 1, rows);
            return [.. s.ToArray<float>(), .. cols.ToArray<float>(), .. rows.ToArray<float>()];
        }
        var first = Run();
        Assert.That(Run(), Is.EqualTo(first), "two runs");
        DyTox.Tensor.Cpu.CpuParallel.MaxDegreeOfParallelism = 1;
        Assert.That(Run(), Is.EqualTo(first), "one thread");
        DyTox.Tensor.Cpu.CpuParallel.MaxDegreeOfParallelism = 2;
        Assert.That(Run(), Is.EqualTo(first), "two threads");
        DyTox.Tensor.Cpu.CpuParallel.MaxDegreeOfParallelism = 7;
        Assert.That(Run(), Is.EqualTo(first), "seven threads");
    }

    [Test]
    public void MaxPropagatesNaNLikeTorch()
    {
        foreach (int position in new[] { 0, 17, 40 })
        {
            var x = Enumerable.Range(0, 41).Select(i => (double)i).ToArray();
            x[position] = double.NaN;
            var d = Cpu.Empty(DType.Float32, [1]);
            Cpu.Reduce(ReduceOp.Max, Make(x, DType.Float32, 41), 0, d);
            Assert.That(double.IsNaN(d.Item()), $"NaN at {position}");
        }
    }

    [Test]
    public void ReduceNamesTheWrongDestinationShape()
    {
        var x = Cpu.Empty(DType.Float32, [3, 5, 7]);
        var ex = Assert.Throws<ArgumentException>(() => Cpu.Reduce(ReduceOp.Sum, x, 1, Cpu.Empty(DType.Float32, [3, 7])))!;
        Assert.That(ex.Message, Does.Contain("destination").And.Contain("[3, 1, 7]"));
        var ex2 = Assert.Throws<ArgumentException>(() => Cpu.ArgMax(x, 2, Cpu.Empty(DType.Float32, [3, 5, 1])))!;
        Assert.That(ex2.Message, Does.Contain("indices").And.Contain("Int32"));
    }
}
