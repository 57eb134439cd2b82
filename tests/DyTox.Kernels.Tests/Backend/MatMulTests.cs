using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

public class MatMulTests
{
    [Test]
    public void MatMul2DWithTransposes([Values] bool ta, [Values] bool tb)
    {
        using var scope = TensorScope.Begin();
        const int m = 13, k = 36, n = 9;
        var (ac, ag) = BothRandom(80, ta ? [k, m] : [m, k]);
        var (bc, bg) = BothRandom(81, tb ? [n, k] : [k, n]);
        var (cc, cg) = BothRandom(82, m, n);
        Cpu.MatMul(ac, ta, bc, tb, cc, 0.5, 0.25);
        Gpu.MatMul(ag, ta, bg, tb, cg, 0.5, 0.25);
        AssertClose(cg, cc, Rtol(k), Rtol(k), $"MatMul ta={ta} tb={tb}");
    }

    [Test]
    public void MatMulBatchedWithSharedOperandAndRowStride()
    {
        using var scope = TensorScope.Begin();
        var (ac, ag) = BothRandom(83, 3, 5, 40);     // a = columns [0, 36) of each row: row stride 40
        var (bc, bg) = BothRandom(84, 1, 36, 7);     // shared by every batch
        var (cc, cg) = BothEmpty(3, 5, 7);
        Cpu.MatMul(ac.Slice(2, 0, 36), false, bc, false, cc);
        Gpu.MatMul(ag.Slice(2, 0, 36), false, bg, false, cg);
        AssertClose(cg, cc, Rtol(36), Rtol(36), "batched MatMul");
    }

    [Test]
    public void LinearAndItsBackward([Values] bool withBias)
    {
        using var scope = TensorScope.Begin();
        var (xc, xg) = BothRandom(90, 2, 65, 36);
        var (wc, wg) = BothRandom(91, 11, 36);
        var (bc, bg) = BothRandom(92, 11);
        var (yc, yg) = BothEmpty(2, 65, 11);
        Cpu.Linear(xc, wc, withBias ? bc : null, yc);
        Gpu.Linear(xg, wg, withBias ? bg : null, yg);
        AssertClose(yg, yc, Rtol(36), Rtol(36), "Linear");

        var (dyc, dyg) = BothRandom(93, 2, 65, 11);
        var (dxc, dxg) = BothEmpty(2, 65, 36);
        var (dwc, dwg) = BothEmpty(11, 36);
        var (dbc, dbg) = BothEmpty(11);
        Cpu.LinearBackward(dyc, xc, wc, dxc, dwc, dbc);
        Gpu.LinearBackward(dyg, xg, wg, dxg, dwg, dbg);
        AssertClose(dxg, dxc, Rtol(11), Rtol(11), "dx");
        AssertClose(dwg, dwc, Rtol(130), Rtol(130) * Math.Sqrt(130), "dW over 130 rows");
        AssertClose(dbg, dbc, Rtol(130), Rtol(130) * Math.Sqrt(130), "dBias over 130 rows");
    }
}
