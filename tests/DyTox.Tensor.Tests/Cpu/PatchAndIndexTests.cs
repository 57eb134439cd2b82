namespace DyTox.Tensor.Tests.Cpu;

public class PatchAndIndexTests : CpuTestBase
{
    [Test]
    public void Im2PatchOrdersTokensRowMajorAndFeaturesLikeAConvWeight()
    {
        const int b = 2, c = 3, h = 8, w = 12, p = 4;
        var rng = new Rng(51);
        var img = Uniform(rng, b * c * h * w);
        int tilesW = w / p, tokens = (h / p) * tilesW, features = c * p * p;
        foreach (var dtype in FloatTypes)
        {
            var x = Rounded(img, dtype);
            var patches = Cpu.Empty(dtype, [b, tokens, features]);
            Cpu.Im2Patch(Make(x, dtype, b, c, h, w), p, patches);
            var expected = new double[b * tokens * features];
            for (int bi = 0; bi < b; bi++)
                for (int t = 0; t < tokens; t++)
                    for (int ch = 0; ch < c; ch++)
                        for (int i = 0; i < p; i++)
                            for (int j = 0; j < p; j++)
                                expected[(bi * tokens + t) * features + (ch * p + i) * p + j] =
                                    x[((bi * c + ch) * h + (t / tilesW) * p + i) * w + (t % tilesW) * p + j];
            Assert.That(Values(patches), Is.EqualTo(expected), $"Im2Patch {dtype}");

            // Patch2Im is the adjoint (here also the inverse): ⟨Im2Patch(x), y⟩ = ⟨x, Patch2Im(y)⟩.
            var yv = Rounded(Uniform(rng, expected.Length), dtype);
            var back = Cpu.Empty(dtype, [b, c, h, w]);
            Cpu.Patch2Im(Make(yv, dtype, b, tokens, features), p, back);
            Assert.That(Weighted(Values(back), x), Is.EqualTo(Weighted(expected, yv)).Within(1e-9));
            Cpu.Patch2Im(patches, p, back);
            Assert.That(Values(back), Is.EqualTo(x), "Patch2Im ∘ Im2Patch = identity");
        }
    }

    [Test]
    public void PatchErrorsNameTheArgument()
    {
        var img = Cpu.Empty(DType.Float32, [1, 3, 8, 8]);
        var ex = Assert.Throws<ArgumentException>(() => Cpu.Im2Patch(img, 4, Cpu.Empty(DType.Float32, [1, 4, 47])))!;
        Assert.That(ex.Message, Does.Contain("patches has shape [1, 4, 47]").And.Contain("expected [1, 4, 48]"));
        var ex2 = Assert.Throws<ArgumentException>(() => Cpu.Im2Patch(img, 3, Cpu.Empty(DType.Float32, [1, 4, 27])))!;
        Assert.That(ex2.Message, Does.Contain("not multiples of the patch size 3"));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void IndexSelectGathersAlongAnAxis(int axis)
    {
        int[] shape = [3, 5, 7];
        var rng = new Rng(52);
        var x = Uniform(rng, Numel(shape));
        int[] idx = axis == 0 ? [2, 0, 2] : axis == 1 ? [4, 1, 1, 0] : [6, 0, 3, 3, 5];
        var outShape = (int[])shape.Clone();
        outShape[axis] = idx.Length;
        foreach (var dtype in FloatTypes)
        {
            var xr = Rounded(x, dtype);
            var d = Cpu.Empty(dtype, outShape);
            Cpu.IndexSelect(Make(xr, dtype, shape), axis, MakeInt(idx, idx.Length), d);
            var expected = new double[Numel(outShape)];
            for (int i = 0; i < outShape[0]; i++)
                for (int j = 0; j < outShape[1]; j++)
                    for (int k = 0; k < outShape[2]; k++)
                    {
                        int si = axis == 0 ? idx[i] : i, sj = axis == 1 ? idx[j] : j, sk = axis == 2 ? idx[k] : k;
                        expected[(i * outShape[1] + j) * outShape[2] + k] = xr[(si * 5 + sj) * 7 + sk];
                    }
            Assert.That(Values(d), Is.EqualTo(expected), $"IndexSelect axis {axis} {dtype}");
        }
        var labels = MakeInt([10, 11, 12, 13, 14], 5);
        var picked = Cpu.Empty(DType.Int32, [2]);
        Cpu.IndexSelect(labels, 0, MakeInt([4, 1], 2), picked);
        Assert.That(picked.ToArray<int>(), Is.EqualTo(new[] { 14, 11 }), "Int32 gather");
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void IndexAddAccumulatesRepeatedIndices(int axis)
    {
        int[] shape = [3, 5, 7];
        var rng = new Rng(53);
        int[] idx = axis == 0 ? [2, 0, 2, 2] : axis == 1 ? [4, 1, 1, 0] : [6, 0, 3, 3, 6, 6];
        var srcShape = (int[])shape.Clone();
        srcShape[axis] = idx.Length;
        var src = Uniform(rng, Numel(srcShape));
        var dst0 = Uniform(rng, Numel(shape));
        foreach (var dtype in FloatTypes)
        {
            var s = Rounded(src, dtype);
            var d0 = Rounded(dst0, dtype);
            var d = Make(d0, dtype, shape);
            Cpu.IndexAdd(Make(s, dtype, srcShape), axis, MakeInt(idx, idx.Length), d);
            var expected = (double[])d0.Clone();
            for (int i = 0; i < srcShape[0]; i++)
                for (int j = 0; j < srcShape[1]; j++)
                    for (int k = 0; k < srcShape[2]; k++)
                    {
                        int di = axis == 0 ? idx[i] : i, dj = axis == 1 ? idx[j] : j, dk = axis == 2 ? idx[k] : k;
                        expected[(di * 5 + dj) * 7 + dk] += s[(i * srcShape[1] + j) * srcShape[2] + k];
                    }
            AssertClose(Values(d), expected, Rtol(dtype, 4), Rtol(dtype, 4), $"IndexAdd axis {axis} {dtype}");
        }
    }

    [Test]
    public void IndexOutOfRangeIsReported()
    {
        var x = Cpu.Empty(DType.Float32, [4, 3]);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Cpu.IndexSelect(x, 0, MakeInt([1, 4], 2), Cpu.Empty(DType.Float32, [2, 3])))!;
        Assert.That(ex.Message, Does.Contain("indices[1] = 4").And.Contain("[0, 4)"));
        var ex2 = Assert.Throws<ArgumentException>(() => Cpu.IndexSelect(x, 1, MakeInt([0, 1], 2), Cpu.Empty(DType.Float32, [4, 3])))!;
        Assert.That(ex2.Message, Does.Contain("destination has shape [4, 3]").And.Contain("expected [4, 2]"));
    }
}
