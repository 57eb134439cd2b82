using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

public class ReductionTests
{
    private static readonly int[] Ragged = [3, 5, 7];

    [Test]
    public void ReduceEveryAxis([Values] ReduceOp op, [Values(0, 1, 2)] int axis)
    {
        using var scope = TensorScope.Begin();
        var (xc, xg) = BothRandom(40 + axis, Ragged);
        var outShape = (int[])Ragged.Clone();
        outShape[axis] = 1;
        var (dc, dg) = BothEmpty(outShape);
        Cpu.Reduce(op, xc, axis, dc);
        Gpu.Reduce(op, xg, axis, dg);
        AssertClose(dg, dc, Rtol(Ragged[axis]), Rtol(Ragged[axis]) , $"Reduce({op}) axis {axis}");
    }

    [Test]
    public void ReduceLongRows([Values] ReduceOp op)
    {
        using var scope = TensorScope.Begin();
        var (xc, xg) = BothRandom(45, 4, 1300);
        var (dc, dg) = BothEmpty(4, 1);
        Cpu.Reduce(op, xc, 1, dc);
        Gpu.Reduce(op, xg, 1, dg);
        AssertClose(dg, dc, Rtol(1300), Rtol(1300) * 4, $"Reduce({op}) of 1300");
    }

    [TestCase(1, 130, 40)]
    [TestCase(2, 70, 33)]
    [TestCase(3, 200, 65)]
    public void WideColumnSumsUseTheCoalescedPath(int outer, int extent, int inner)
    {
        using var scope = TensorScope.Begin();
        var (xc, xg) = BothRandom(47 + extent, outer, extent, inner);
        var (dc, dg) = BothEmpty(outer, 1, inner);
        foreach (var op in new[] { ReduceOp.Sum, ReduceOp.Mean })
        {
            Cpu.Reduce(op, xc, 1, dc);
            Gpu.Reduce(op, xg, 1, dg);
            AssertClose(dg, dc, Rtol(extent), Rtol(extent) * Math.Sqrt(extent), $"Reduce({op}) of [{outer}, {extent}, {inner}] over axis 1");
        }
        var (bc, bg) = BothEmpty(inner);
        Cpu.SumToShape(xc, bc);
        Gpu.SumToShape(xg, bg);
        AssertClose(bg, bc, Rtol(outer * extent), Rtol(outer * extent) * Math.Sqrt(outer * extent), "SumToShape over the leading axes");
    }

    [TestCase(new[] { 5, 1 })]
    [TestCase(new[] { 7 })]
    [TestCase(new[] { 3, 1, 7 })]
    [TestCase(new[] { 1 })]
    [TestCase(new[] { 3, 5, 7 })]
    public void SumToShapeSumsBroadcastAxes(int[] target)
    {
        using var scope = TensorScope.Begin();
        var (xc, xg) = BothRandom(50, 2, 3, 5, 7);
        var (dc, dg) = BothEmpty(target);
        Cpu.SumToShape(xc, dc);
        Gpu.SumToShape(xg, dg);
        double k = 210.0 / dc.Numel;
        AssertClose(dg, dc, Rtol(k), Rtol(k) * Math.Sqrt(k), $"SumToShape to [{string.Join(",", target)}]");
    }

    [Test]
    public void ArgMaxFindsTheFirstMaximum([Values(0, 1, 2)] int axis)
    {
        using var scope = TensorScope.Begin();
        var data = Random(105, 60 + axis).Select(v => MathF.Round(v * 3) / 3).ToArray(); // ties
        var (xc, xg) = Both(data, Ragged);
        var outShape = (int[])Ragged.Clone();
        outShape[axis] = 1;
        var ic = Cpu.Empty(DType.Int32, outShape);
        var ig = Gpu.Empty(DType.Int32, outShape);
        Cpu.ArgMax(xc, axis, ic);
        Gpu.ArgMax(xg, axis, ig);
        Assert.That(ig.ToArray<int>(), Is.EqualTo(ic.ToArray<int>()));
    }

    [Test]
    public void SumAllAndSumOfSquaresOverManyChunks()
    {
        using var scope = TensorScope.Begin();
        const int n = 10_007;
        var (xc, xg) = BothRandom(70, n);
        var (sc, sg) = BothEmpty(1);
        Cpu.SumAll(xc, sc);
        Gpu.SumAll(xg, sg);
        // Σx of ±1 values: the error scales with Σ|x| ≈ n/2, not with the (small) result.
        AssertClose(sg, sc, Rtol(n), Rtol(n) * n / 2, "SumAll");
        Cpu.SumOfSquares(xc, sc);
        Gpu.SumOfSquares(xg, sg);
        AssertClose(sg, sc, Rtol(n), 0, "SumOfSquares");
    }
}
