using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

public class ElementwiseTests
{
    [Test]
    public void BinaryBroadcastsStridedAndExpandedViews([Values] BinaryOp op)
    {
        using var scope = TensorScope.Begin();
        var (ac, ag) = BothRandom(10, 7, 5, 3);          // read transposed: a strided [3, 5, 7] view
        var bData = Random(5, 11, 0.5, 2);
        var (bc, bg) = Both(bData, 5, 1);                // broadcast over the first and last axes
        var (dc, dg) = BothEmpty(3, 5, 7);
        Cpu.Binary(op, ac.Permute(2, 1, 0), bc, dc);
        Gpu.Binary(op, ag.Permute(2, 1, 0), bg, dg);
        AssertClose(dg, dc, Eps, 0, $"{op}");

        // In place on a contiguous operand with a scalar-like expanded view.
        var (xc, xg) = BothRandom(12, 65);
        var (sc, sg) = Both([1.75f], 1);
        Cpu.Binary(op, xc, sc.Expand(65), xc);
        Gpu.Binary(op, xg, sg.Expand(65), xg);
        AssertClose(xg, xc, Eps, 0, $"{op} in place");
    }

    private static float[] InputsFor(UnaryOp op, int n, int seed) =>
        op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Reciprocal ? Random(n, seed, 0.1, 3) : Random(n, seed, -4, 4);

    [Test]
    public void UnaryMatchesTheCpuBackend([Values] UnaryOp op)
    {
        using var scope = TensorScope.Begin();
        var (xc, xg) = Both(InputsFor(op, 3 * 5 * 7, 20), 3, 5, 7);
        var (yc, yg) = BothEmpty(3, 5, 7);
        Cpu.Unary(op, xc, yc);
        Gpu.Unary(op, xg, yg);
        AssertClose(yg, yc, 8 * Eps, 1e-7, $"{op}");
    }

    [Test]
    public void UnaryBackwardMatchesTheCpuBackend([Values] UnaryOp op)
    {
        using var scope = TensorScope.Begin();
        var x = InputsFor(op, 36 * 3, 21);
        var (xc, xg) = Both(x, 3, 36);
        var (yc, yg) = BothEmpty(3, 36);
        Cpu.Unary(op, xc, yc);
        Gpu.Unary(op, xg, yg);
        // The backward takes y as given: feed both backends the CPU's y so only the derivative is compared.
        var yHost = yc.ToArray<float>();
        using var ygSame = Upload(Gpu, yHost, 3, 36);
        var (gc, gg) = BothRandom(22, 3, 36);
        var (dc, dg) = BothEmpty(3, 36);
        Cpu.UnaryBackward(op, xc, yc, gc, dc);
        Gpu.UnaryBackward(op, xg, ygSame, gg, dg);
        AssertClose(dg, dc, 8 * Eps, 1e-7, $"d{op}");
    }

    [Test]
    public void AffineAndAxpy()
    {
        using var scope = TensorScope.Begin();
        var (xc, xg) = BothRandom(30, 65);
        var (yc, yg) = BothEmpty(65);
        Cpu.Affine(xc, 0.3, -1.25, yc);
        Gpu.Affine(xg, 0.3, -1.25, yg);
        AssertClose(yg, yc, 2 * Eps, 0, "affine");
        Cpu.Axpy(-0.7, xc, yc);
        Gpu.Axpy(-0.7, xg, yg);
        AssertClose(yg, yc, 2 * Eps, 1e-7, "axpy");
    }
}
