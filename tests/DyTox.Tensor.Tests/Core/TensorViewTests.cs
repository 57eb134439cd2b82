using DyTox.Tensor.Cpu;

namespace DyTox.Tensor.Tests.Core;

/// <summary>View semantics: each view's row-major element order against indices computed by hand.</summary>
public class TensorViewTests
{
    private static readonly CpuBackend Cpu = CpuBackend.Instance;
    private TensorScope? scope;

    [SetUp]
    public void Open() => scope = TensorScope.Begin();

    [TearDown]
    public void Close() => scope?.Dispose();

    /// <summary>A [2, 3, 4] tensor holding 0..23, so an element's value is its original flat index.</summary>
    private static Tensor Iota(params int[] shape)
    {
        var t = Cpu.Empty(DType.Float64, shape);
        var s = t.Span<double>();
        for (int i = 0; i < s.Length; i++) s[i] = i;
        return t;
    }

    [Test]
    public void ReshapeKeepsRowMajorOrderAndInfersOneExtent()
    {
        var t = Iota(2, 3, 4);
        var r = t.Reshape(4, -1);
        Assert.That(r.ShapeArray(), Is.EqualTo(new[] { 4, 6 }));
        Assert.That(r.ToArray<double>(), Is.EqualTo(Enumerable.Range(0, 24).Select(i => (double)i)));
        Assert.That(r.Storage, Is.SameAs(t.Storage), "a reshape is a view");
        Assert.Throws<ArgumentException>(() => t.Reshape(5, -1));
        Assert.Throws<ArgumentException>(() => t.Reshape(-1, -1));
        Assert.Throws<InvalidOperationException>(() => t.Transpose(0, 2).Reshape(24));
    }

    [Test]
    public void PermuteAndTransposeReorderAxes()
    {
        var t = Iota(2, 3, 4);
        var p = t.Permute(2, 0, 1); // [4, 2, 3], p[k, i, j] = t[i, j, k]
        Assert.That(p.ShapeArray(), Is.EqualTo(new[] { 4, 2, 3 }));
        Assert.That(p.IsContiguous, Is.False);
        var expected = new List<double>();
        for (int k = 0; k < 4; k++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 3; j++) expected.Add(i * 12 + j * 4 + k);
        Assert.That(p.ToArray<double>(), Is.EqualTo(expected));
        var tr = t.Transpose(-1, 0); // [4, 3, 2]
        var expectedT = new List<double>();
        for (int k = 0; k < 4; k++)
            for (int j = 0; j < 3; j++)
                for (int i = 0; i < 2; i++) expectedT.Add(i * 12 + j * 4 + k);
        Assert.That(tr.ToArray<double>(), Is.EqualTo(expectedT));
        Assert.Throws<ArgumentException>(() => t.Permute(0, 0, 1));
        Assert.Throws<ArgumentException>(() => t.Permute(0, 1));
    }

    [Test]
    public void SliceAndSelectPickSubranges()
    {
        var t = Iota(2, 3, 4);
        var s = t.Slice(2, 1, 2); // [2, 3, 2]: k in {1, 2}
        var expected = new List<double>();
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 1; k < 3; k++) expected.Add(i * 12 + j * 4 + k);
        Assert.That(s.ToArray<double>(), Is.EqualTo(expected));
        var sel = t.Select(1, 2); // [2, 4]: j = 2
        Assert.That(sel.ShapeArray(), Is.EqualTo(new[] { 2, 4 }));
        Assert.That(sel.ToArray<double>(), Is.EqualTo(new double[] { 8, 9, 10, 11, 20, 21, 22, 23 }));
        Assert.That(t.Slice(0, 1, 1).IsContiguous, Is.True, "an outer slice stays contiguous");
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Slice(1, 2, 2));
    }

    [Test]
    public void ExpandRepeatsWithStrideZero()
    {
        var col = Iota(3, 1);
        var e = col.Expand(2, 3, 4);
        Assert.That(e.Strides.ToArray(), Is.EqualTo(new long[] { 0, 1, 0 }));
        var expected = new List<double>();
        for (int a = 0; a < 2; a++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++) expected.Add(j);
        Assert.That(e.ToArray<double>(), Is.EqualTo(expected));
        Assert.Throws<ArgumentException>(() => col.Expand(3, 2).Expand(4, 2));
    }

    [Test]
    public void UnsqueezeAndSqueezeAddAndDropUnitAxes()
    {
        var t = Iota(2, 3);
        var u = t.Unsqueeze(1);
        Assert.That(u.ShapeArray(), Is.EqualTo(new[] { 2, 1, 3 }));
        Assert.That(u.IsContiguous, Is.True);
        Assert.That(t.Unsqueeze(-1).ShapeArray(), Is.EqualTo(new[] { 2, 3, 1 }));
        Assert.That(u.Squeeze(1).ShapeArray(), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(u.Squeeze(1).ToArray<double>(), Is.EqualTo(t.ToArray<double>()));
        Assert.Throws<ArgumentException>(() => u.Squeeze(0));
    }

    [Test]
    public void ContiguousCopiesOnlyWhenNeeded()
    {
        var t = Iota(2, 3, 4);
        var same = t.Contiguous();
        Assert.That(same.Storage, Is.SameAs(t.Storage));
        var perm = t.Permute(1, 2, 0);
        var dense = perm.Contiguous();
        Assert.That(dense.Storage, Is.Not.SameAs(t.Storage));
        Assert.That(dense.IsContiguous, Is.True);
        Assert.That(dense.ToArray<double>(), Is.EqualTo(perm.ToArray<double>()));
        dense.Span<double>()[0] = -1;
        Assert.That(t.ToArray<double>()[0], Is.EqualTo(0), "the copy is independent");
    }

    [Test]
    public void WritesThroughAViewReachTheBase()
    {
        var t = Iota(3, 4);
        var slice = t.Slice(1, 1, 2); // columns 1..2
        var ones = Cpu.Empty(DType.Float64, [3, 2]);
        Cpu.Fill(ones, -1);
        Cpu.Copy(ones, slice);
        Assert.That(t.ToArray<double>(), Is.EqualTo(new double[] { 0, -1, -1, 3, 4, -1, -1, 7, 8, -1, -1, 11 }));
    }

    [Test]
    public void ItemAndSpanChecks()
    {
        var t = Iota(1);
        Assert.That(t.Item(), Is.EqualTo(0));
        var m = Iota(2, 2);
        Assert.Throws<InvalidOperationException>(() => m.Item());
        Assert.Throws<InvalidOperationException>(() => m.Span<float>());
        Assert.Throws<InvalidOperationException>(() => m.Transpose(0, 1).Span<double>());
    }
}
