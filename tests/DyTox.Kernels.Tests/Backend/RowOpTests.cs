using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

public class RowOpTests
{
    [TestCase(65, 36)]
    [TestCase(7, 1300)]
    public void SoftmaxAndLogSoftmaxWithBackward(int rows, int cols)
    {
        using var scope = TensorScope.Begin();
        var (xc, xg) = Both(Random(rows * cols, 100, -6, 6), rows, cols);
        var (dyc, dyg) = BothRandom(101, rows, cols);
        var (yc, yg) = BothEmpty(rows, cols);
        var (dc, dg) = BothEmpty(rows, cols);
        double rtol = Rtol(cols, 8);

        Cpu.Softmax(xc, yc);
        Gpu.Softmax(xg, yg);
        AssertClose(yg, yc, rtol, 1e-9, "softmax");
        Cpu.SoftmaxBackward(yc, dyc, dc);
        Gpu.SoftmaxBackward(yg, dyg, dg);
        AssertClose(dg, dc, rtol, rtol * 1e-2, "softmax backward");

        Cpu.LogSoftmax(xc, yc);
        Gpu.LogSoftmax(xg, yg);
        AssertClose(yg, yc, rtol, rtol, "log-softmax");
        Cpu.LogSoftmaxBackward(yc, dyc, dc);
        Gpu.LogSoftmaxBackward(yg, dyg, dg);
        AssertClose(dg, dc, rtol, rtol * Math.Sqrt(cols), "log-softmax backward");
    }

    [Test]
    public void LayerNormWithBackward()
    {
        using var scope = TensorScope.Begin();
        const int width = 36;
        var (xc, xg) = BothRandom(110, 5, 13, width);
        var (gc, gg) = BothRandom(111, width);
        var (bc, bg) = BothRandom(112, width);
        var (yc, yg) = BothEmpty(5, 13, width);
        var (mc, mg) = BothEmpty(5, 13);
        var (rc, rg) = BothEmpty(5, 13);
        Cpu.LayerNorm(xc, gc, bc, 1e-6, yc, mc, rc);
        Gpu.LayerNorm(xg, gg, bg, 1e-6, yg, mg, rg);
        double rtol = Rtol(width, 8);
        AssertClose(yg, yc, rtol, rtol, "LayerNorm y");
        AssertClose(rg, rc, rtol, 0, "LayerNorm rstd");

        var (dyc, dyg) = BothRandom(113, 5, 13, width);
        var (dxc, dxg) = BothEmpty(5, 13, width);
        var (dgc, dgg) = BothEmpty(width);
        var (dbc, dbg) = BothEmpty(width);
        Cpu.LayerNormBackward(dyc, xc, gc, mc, rc, dxc, dgc, dbc);
        Gpu.LayerNormBackward(dyg, xg, gg, mg, rg, dxg, dgg, dbg);
        AssertClose(dxg, dxc, rtol, rtol * 4, "LayerNorm dx");
        AssertClose(dgg, dgc, Rtol(65, 8), Rtol(65, 8) * 8, "LayerNorm dGamma");
        AssertClose(dbg, dbc, Rtol(65, 8), Rtol(65, 8) * 8, "LayerNorm dBeta");
    }

    [Test]
    public void L2NormalizeWithBackward()
    {
        using var scope = TensorScope.Begin();
        var data = Random(65 * 36, 120);
        for (int i = 0; i < 36; i++) data[3 * 36 + i] = 0; // an all-zero row: the subgradient case
        var (xc, xg) = Both(data, 65, 36);
        var (yc, yg) = BothEmpty(65, 36);
        Cpu.L2Normalize(xc, 1e-8, yc);
        Gpu.L2Normalize(xg, 1e-8, yg);
        AssertClose(yg, yc, Rtol(36), 1e-9, "L2Normalize");
        var (dyc, dyg) = BothRandom(121, 65, 36);
        var (dxc, dxg) = BothEmpty(65, 36);
        Cpu.L2NormalizeBackward(xc, dyc, 1e-8, dxc);
        Gpu.L2NormalizeBackward(xg, dyg, 1e-8, dxg);
        AssertClose(dxg, dxc, Rtol(36, 8), Rtol(36, 8), "L2Normalize backward");
    }
}
