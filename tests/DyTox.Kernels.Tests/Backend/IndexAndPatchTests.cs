using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

public class IndexAndPatchTests
{
    [Test]
    public void Im2PatchAndPatch2ImArePermutations()
    {
        using var scope = TensorScope.Begin();
        var (ic, ig) = BothRandom(130, 2, 3, 12, 8);
        var (pc, pg) = BothEmpty(2, 6, 3 * 4 * 4);
        Cpu.Im2Patch(ic, 4, pc);
        Gpu.Im2Patch(ig, 4, pg);
        AssertClose(pg, pc, 0, 0, "Im2Patch");
        var (dc, dg) = BothEmpty(2, 3, 12, 8);
        Cpu.Patch2Im(pc, 4, dc);
        Gpu.Patch2Im(pg, 4, dg);
        AssertClose(dg, dc, 0, 0, "Patch2Im");
        AssertClose(dg, ic, 0, 0, "Patch2Im inverts Im2Patch");
    }

    [Test]
    public void IndexSelectAndIndexAddWithRepeatedIndices([Values(0, 1, 2)] int axis)
    {
        using var scope = TensorScope.Begin();
        int[] shape = [3, 5, 7];
        int extent = shape[axis];
        int[] idx = [extent - 1, 0, extent - 1, 1, 0, extent - 1];
        var (kc, kg) = BothInt(idx, idx.Length);
        var (xc, xg) = BothRandom(140 + axis, shape);
        var selShape = (int[])shape.Clone();
        selShape[axis] = idx.Length;
        var (sc, sg) = BothEmpty(selShape);
        Cpu.IndexSelect(xc, axis, kc, sc);
        Gpu.IndexSelect(xg, axis, kg, sg);
        AssertClose(sg, sc, 0, 0, $"IndexSelect axis {axis}");

        var (srcC, srcG) = BothRandom(150 + axis, selShape);
        Cpu.IndexAdd(srcC, axis, kc, xc);
        Gpu.IndexAdd(srcG, axis, kg, xg);
        AssertClose(xg, xc, 0, 0, $"IndexAdd axis {axis} (same order of additions: same bits)");
    }

    [Test]
    public void IndexSelectOfInt32AndOutOfRangeIndices()
    {
        using var scope = TensorScope.Begin();
        var xg = UploadInt(Gpu, Enumerable.Range(0, 12).ToArray(), 4, 3);
        var kg = UploadInt(Gpu, [3, 1], 2);
        var dg = Gpu.Empty(DType.Int32, [2, 3]);
        Gpu.IndexSelect(xg, 0, kg, dg);
        Assert.That(dg.ToArray<int>(), Is.EqualTo(new[] { 9, 10, 11, 3, 4, 5 }));
        var bad = UploadInt(Gpu, [4], 1);
        var d1 = Gpu.Empty(DType.Int32, [1, 3]);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Gpu.IndexSelect(xg, 0, bad, d1))!;
        Assert.That(e.Message, Does.Contain("indices[0] = 4"));
    }
}
