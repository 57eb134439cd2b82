using DyTox.Kernels.Backend;
using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

public class MemoryAndCopyTests
{
    [Test]
    public void StorageIsOnTheCudaDeviceAndRoundTripsHostBytes()
    {
        using var scope = TensorScope.Begin();
        var data = Random(65, 1);
        var t = Upload(Gpu, data, 65);
        TestContext.Out.WriteLine(Gpu.Name);
        Assert.Multiple(() =>
        {
            Assert.That(t.Device, Is.EqualTo(Device.Cuda(0)));
            Assert.That(Gpu.Allocator.Device, Is.EqualTo(Device.Cuda(0)));
            Assert.That(t.ToArray<float>(), Is.EqualTo(data));
            Assert.That(Gpu.Name, Does.StartWith("cuda ("));
            if (Gpu.Driver.Kind == "emulator") Assert.That(Gpu.Name, Does.Contain("emulator"));
        });
    }

    [Test]
    public void FillSetsFloatAndIntTensors()
    {
        using var scope = TensorScope.Begin();
        var f = Gpu.Empty(DType.Float32, [3, 5, 7]);
        var i = Gpu.Empty(DType.Int32, [13]);
        Gpu.Fill(f, -2.5);
        Gpu.Fill(i, 42);
        Assert.That(f.ToArray<float>(), Is.All.EqualTo(-2.5f));
        Assert.That(i.ToArray<int>(), Is.All.EqualTo(42));
    }

    [Test]
    public void Float64IsRejectedWithTheBackendMessage()
    {
        using var scope = TensorScope.Begin();
        var d = Gpu.Empty(DType.Float64, [4]);
        var e = Assert.Throws<NotSupportedException>(() => Gpu.Fill(d, 1))!;
        Assert.That(e.Message, Does.Contain("the CUDA backend runs float32; use the CPU backend for float64"));
        var x = Gpu.Empty(DType.Float64, [2, 3]);
        var y = Gpu.Empty(DType.Float64, [2, 3]);
        Assert.Throws<NotSupportedException>(() => Gpu.Unary(UnaryOp.Exp, x, y));
        Assert.Throws<NotSupportedException>(() => Gpu.Softmax(x, y));
    }

    [Test]
    public void CopyGathersPermutedViewsIntoContiguousTensors()
    {
        using var scope = TensorScope.Begin();
        var (c, g) = BothRandom(2, 3, 5, 7);
        var dc = Cpu.Empty(DType.Float32, [7, 3, 5]);
        var dg = Gpu.Empty(DType.Float32, [7, 3, 5]);
        Cpu.Copy(c.Permute(2, 0, 1), dc);
        Gpu.Copy(g.Permute(2, 0, 1), dg);
        AssertClose(dg, dc, 0, 0, "permuted copy");
    }

    [Test]
    public void CopyWritesIntoSlicesAndReadsExpandedViews()
    {
        using var scope = TensorScope.Begin();
        var (c, g) = BothRandom(3, 5, 1, 7);
        var (dc, dg) = BothEmpty(4, 5, 9, 7);
        Cpu.Fill(dc, 0);
        Gpu.Fill(dg, 0);
        Cpu.Copy(c.Expand(4, 5, 3, 7), dc.Slice(2, 2, 3));
        Gpu.Copy(g.Expand(4, 5, 3, 7), dg.Slice(2, 2, 3));
        AssertClose(dg, dc, 0, 0, "expanded source into a slice");
        // A rank-7 view with no mergeable axes still fits once extent-1 axes are dropped.
        var (c7, g7) = BothRandom(4, 2, 1, 3, 1, 2, 3, 2);
        var (o7c, o7g) = BothEmpty(3, 2, 2, 3, 2, 1, 1);
        Cpu.Copy(c7.Permute(5, 0, 6, 2, 4, 1, 3), o7c);
        Gpu.Copy(g7.Permute(5, 0, 6, 2, 4, 1, 3), o7g);
        AssertClose(o7g, o7c, 0, 0, "rank-7 permute");
    }

    [Test]
    public void CopyHandlesMoreThanSixUnmergeableDimensions()
    {
        using var scope = TensorScope.Begin();
        int[] shape = [2, 3, 2, 3, 2, 3, 2, 3];
        var (c, g) = BothRandom(5, shape);
        int[] order = [7, 5, 3, 1, 6, 4, 2, 0]; // reverses the strides' order: nothing merges
        var outShape = order.Select(a => shape[a]).ToArray();
        var (dc, dg) = BothEmpty(outShape);
        Cpu.Copy(c.Permute(order), dc);
        Gpu.Copy(g.Permute(order), dg);
        AssertClose(dg, dc, 0, 0, "rank-8 permute");
    }

    [Test]
    public void CopyAndCastHandleInt32()
    {
        using var scope = TensorScope.Begin();
        var ints = Enumerable.Range(-30, 36).ToArray();
        var (ic, ig) = BothInt(ints, 6, 6);
        var tg = Gpu.Empty(DType.Int32, [6, 6]);
        Gpu.Copy(ig.Transpose(0, 1), tg);
        var tc = Cpu.Empty(DType.Int32, [6, 6]);
        Cpu.Copy(ic.Transpose(0, 1), tc);
        Assert.That(tg.ToArray<int>(), Is.EqualTo(tc.ToArray<int>()));

        var fg = Gpu.Empty(DType.Float32, [6, 6]);
        Gpu.Cast(ig, fg);
        Assert.That(fg.ToArray<float>(), Is.EqualTo(ints.Select(v => (float)v).ToArray()));
        var halves = new[] { -2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 3.7f, -3.7f };
        var (hc, hg) = Both(halves, 8);
        var rc = Cpu.Empty(DType.Int32, [8]);
        var rg = Gpu.Empty(DType.Int32, [8]);
        Cpu.Cast(hc, rc);
        Gpu.Cast(hg, rg);
        Assert.That(rg.ToArray<int>(), Is.EqualTo(rc.ToArray<int>()), "float → int rounds half to even like the CPU backend");
    }

    [Test]
    public void StorageReturnsToTheCachingAllocator()
    {
        var before = Gpu.Memory.Stats.InUse;
        using (var t = Gpu.Empty(DType.Float32, [1000])) Assert.That(Gpu.Memory.Stats.InUse, Is.GreaterThan(before));
        Assert.That(Gpu.Memory.Stats.InUse, Is.EqualTo(before));
    }
}
