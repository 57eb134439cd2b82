using DyTox.Kernels.Runtime;
namespace DyTox.Kernels.Tests.Emulator;

/// <summary>IDeviceBlas.Sgemm on the emulator matches a naive float64 reference.</summary>
public class EmulatorBlasTests
{
    private static double[] Reference(bool ta, bool tb, int m, int n, int k, float alpha, float[] a, int lda, long sa,
                                      float[] b, int ldb, long sb, float beta, float[] c, int ldc, long sc, int batches)
    {
        var result = c.Select(v => (double)v).ToArray();
        for (int q = 0; q < batches; ++q)
            for (int i = 0; i < m; ++i)
                for (int j = 0; j < n; ++j)
                {
                    double s = 0;
                    for (int p = 0; p < k; ++p)
                    {
                        double av = ta ? a[q * sa + p * lda + i] : a[q * sa + i * lda + p];
                        double bv = tb ? b[q * sb + j * ldb + p] : b[q * sb + p * ldb + j];
                        s += av * bv;
                    }
                    long ci = q * sc + i * ldc + j;
                    result[ci] = alpha * s + (beta == 0 ? 0 : beta * c[ci]);
                }
        return result;
    }

    [TestCase(false, false, 1)]
    [TestCase(true, false, 1)]
    [TestCase(false, true, 1)]
    [TestCase(true, true, 1)]
    [TestCase(false, false, 3)]
    [TestCase(true, true, 3)]
    [TestCase(false, true, 4)]
    public void SgemmMatchesReference(bool transA, bool transB, int batches)
    {
        var d = EmulatorFixture.Driver;
        const int m = 37, n = 29, k = 53;
        int lda = (transA ? m : k) + 3, ldb = (transB ? k : n) + 5, ldc = n + 2;
        long sa = (long)(transA ? k : m) * lda + 7, sb = (long)(transB ? n : k) * ldb + 1, sc = (long)m * ldc + 4;
        var rng = new Random(batches * 4 + (transA ? 2 : 0) + (transB ? 1 : 0));
        float[] Rand(long len) => Enumerable.Range(0, (int)len).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] a = Rand(sa * batches), b = Rand(sb * batches), c = Rand(sc * batches);
        using var da = new DeviceArray<float>(d, a);
        using var db = new DeviceArray<float>(d, b);
        using var dc = new DeviceArray<float>(d, c);
        d.Blas.Sgemm(transA, transB, m, n, k, 0.75f, da.Ptr, lda, sa, db.Ptr, ldb, sb, 0.5f, dc.Ptr, ldc, sc, batches);
        double[] expected = Reference(transA, transB, m, n, k, 0.75f, a, lda, sa, b, ldb, sb, 0.5f, c, ldc, sc, batches);
        float[] got = dc.Download();
        for (int i = 0; i < got.Length; ++i)
            Assert.That(got[i], Is.EqualTo(expected[i]).Within(1e-5 + 1e-5 * Math.Abs(expected[i]) * Math.Sqrt(k)), $"element {i}");
    }

    /// <summary>TF32 (cuBLAS FAST_TF32, the CLI's --tf32): inputs rounded to 10 mantissa bits, then the fp32 product.</summary>
    [Test]
    public void Tf32RoundsTheInputsToTenMantissaBits()
    {
        var d = EmulatorFixture.Driver;
        const int m = 19, n = 23, k = 61;
        var rng = new Random(17);
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] b = Enumerable.Range(0, n * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        // Round to nearest even on the 13 dropped bits, written out independently of the emulator's helper.
        static float Tf32(float x)
        {
            double scale = Math.Pow(2, Math.ILogB(x) - 10);
            return (float)(Math.Round(x / scale, MidpointRounding.ToEven) * scale);
        }
        float[] ar = a.Select(Tf32).ToArray(), br = b.Select(Tf32).ToArray();
        Assert.That(ar.Zip(a).Count(p => p.First != p.Second), Is.GreaterThan(m * k / 2), "random floats are not TF32 already");
        float[] Product(float[] x, float[] y, bool tf32)
        {
            using var da = new DeviceArray<float>(d, x);
            using var db = new DeviceArray<float>(d, y);
            using var dc = new DeviceArray<float>(d, m * n);
            d.Blas.Math = tf32 ? GemmMath.Tf32 : GemmMath.Float32;
            try { d.Blas.Sgemm(false, true, m, n, k, 1f, da.Ptr, k, 0, db.Ptr, k, 0, 0f, dc.Ptr, n, 0); }
            finally { d.Blas.Math = GemmMath.Float32; }
            return dc.Download();
        }
        float[] tf32 = Product(a, b, tf32: true), exact = Product(a, b, tf32: false), ofRounded = Product(ar, br, tf32: false);
        Assert.That(tf32, Is.EqualTo(ofRounded), "TF32 = the fp32 product of the rounded inputs");
        Assert.That(tf32, Is.Not.EqualTo(exact));
        double worst = tf32.Zip(exact).Max(p => Math.Abs(p.First - p.Second));
        Assert.That(worst, Is.LessThan(k * Math.Pow(2, -10)), "each input moves by at most 2^-11 relative");
        Assert.That(EmulatorBlasRounding(float.PositiveInfinity), Is.EqualTo(float.PositiveInfinity));
        Assert.That(float.IsNaN(EmulatorBlasRounding(float.NaN)));
        Assert.That(EmulatorBlasRounding(1f + 3f * MathF.Pow(2, -12)), Is.EqualTo(1f + MathF.Pow(2, -10)), "above the midpoint rounds up");
        Assert.That(EmulatorBlasRounding(1f + MathF.Pow(2, -11)), Is.EqualTo(1f), "a tie goes to the even neighbour");
    }

    /// <summary>bfloat16 (cuBLAS FAST_16BF, the CLI's --bf16-gemm): inputs rounded to 7 mantissa bits, then the fp32 product.</summary>
    [Test]
    public void Bf16RoundsTheInputsToSevenMantissaBits()
    {
        var d = EmulatorFixture.Driver;
        const int m = 17, n = 13, k = 45;
        var rng = new Random(23);
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => (float)(rng.NextDouble() * 4 - 2)).ToArray();
        // Round to nearest even on the 16 dropped bits, written out independently of the emulator's helper.
        static float Bf16(float x)
        {
            double scale = Math.Pow(2, Math.ILogB(x) - 7);
            return (float)(Math.Round(x / scale, MidpointRounding.ToEven) * scale);
        }
        float[] ar = a.Select(Bf16).ToArray(), br = b.Select(Bf16).ToArray();
        float[] Product(float[] x, float[] y, GemmMath math)
        {
            using var da = new DeviceArray<float>(d, x);
            using var db = new DeviceArray<float>(d, y);
            using var dc = new DeviceArray<float>(d, m * n);
            d.Blas.Math = math;
            try { d.Blas.Sgemm(false, false, m, n, k, 1f, da.Ptr, k, 0, db.Ptr, n, 0, 0f, dc.Ptr, n, 0); }
            finally { d.Blas.Math = GemmMath.Float32; }
            return dc.Download();
        }
        float[] bf16 = Product(a, b, GemmMath.Bf16), tf32 = Product(a, b, GemmMath.Tf32), exact = Product(a, b, GemmMath.Float32);
        Assert.That(bf16, Is.EqualTo(Product(ar, br, GemmMath.Float32)), "bf16 = the fp32 product of the rounded inputs");
        double Worst(float[] x) => x.Zip(exact).Max(p => Math.Abs(p.First - p.Second));
        Assert.That(Worst(bf16), Is.LessThan(k * 4 * Math.Pow(2, -7)).And.GreaterThan(Worst(tf32)), "coarser than TF32, within 2^-8 relative per input");
        Assert.That(EmulatorBlasRounding(1f + 3f * MathF.Pow(2, -9), GemmMath.Bf16), Is.EqualTo(1f + MathF.Pow(2, -7)), "above the midpoint rounds up");
        Assert.That(EmulatorBlasRounding(1f + MathF.Pow(2, -8), GemmMath.Bf16), Is.EqualTo(1f), "a tie goes to the even neighbour");
        Assert.That(EmulatorBlasRounding(float.MaxValue, GemmMath.Bf16), Is.EqualTo(float.PositiveInfinity), "beyond bfloat16's largest value: ∞");
        Assert.That(EmulatorBlasRounding(float.NegativeInfinity, GemmMath.Bf16), Is.EqualTo(float.NegativeInfinity));
    }

    /// <summary>x·1 through a 1×1×1 TF32 (or <paramref name="math"/>) GEMM: the rounding of one input.</summary>
    private static float EmulatorBlasRounding(float x, GemmMath math = GemmMath.Tf32)
    {
        var d = EmulatorFixture.Driver;
        using var da = new DeviceArray<float>(d, [x]);
        using var db = new DeviceArray<float>(d, [1f]);
        using var dc = new DeviceArray<float>(d, 1);
        d.Blas.Math = math;
        try { d.Blas.Sgemm(false, false, 1, 1, 1, 1f, da.Ptr, 1, 0, db.Ptr, 1, 0, 0f, dc.Ptr, 1, 0); }
        finally { d.Blas.Math = GemmMath.Float32; }
        return dc.Download()[0];
    }

    [Test]
    public void BetaZeroNeverReadsC()
    {
        var d = EmulatorFixture.Driver;
        const int m = 8, n = 300, k = 70;   // large enough to take the parallel path? no: keeps the serial path
        var rng = new Random(3);
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => (float)rng.NextDouble()).ToArray();
        using var da = new DeviceArray<float>(d, a);
        using var db = new DeviceArray<float>(d, b);
        using var dc = new DeviceArray<float>(d, m * n);   // fresh: NaN pattern
        d.Blas.Sgemm(false, false, m, n, k, 1f, da.Ptr, k, 0, db.Ptr, n, 0, 0f, dc.Ptr, n, 0);
        float[] got = dc.Download();
        Assert.That(got.Any(float.IsNaN), Is.False);
        double[] expected = Reference(false, false, m, n, k, 1f, a, k, 0, b, n, 0, 0f, new float[m * n], n, 0, 1);
        for (int i = 0; i < got.Length; ++i) Assert.That(got[i], Is.EqualTo(expected[i]).Within(1e-4));
    }

    [Test]
    public void LargeProductUsesAllRowsCorrectly()
    {
        var d = EmulatorFixture.Driver;
        const int m = 130, n = 96, k = 200;   // > 2^20 multiply-adds: the parallel path
        var rng = new Random(5);
        float[] a = Enumerable.Range(0, k * m).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        float[] b = Enumerable.Range(0, n * k).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        using var da = new DeviceArray<float>(d, a);
        using var db = new DeviceArray<float>(d, b);
        using var dc = new DeviceArray<float>(d, m * n);
        d.Blas.Sgemm(true, true, m, n, k, 2f, da.Ptr, m, 0, db.Ptr, k, 0, 0f, dc.Ptr, n, 0);
        double[] expected = Reference(true, true, m, n, k, 2f, a, m, 0, b, k, 0, 0f, new float[m * n], n, 0, 1);
        float[] got = dc.Download();
        for (int i = 0; i < got.Length; ++i) Assert.That(got[i], Is.EqualTo(expected[i]).Within(1e-4));
    }

    [Test]
    public void BadLeadingDimensionsAndExtentsAreRejected()
    {
        var d = EmulatorFixture.Driver;
        using var a = new DeviceArray<float>(d, 6 * 4);
        using var b = new DeviceArray<float>(d, 4 * 5);
        using var c = new DeviceArray<float>(d, 6 * 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Blas.Sgemm(false, false, 6, 5, 4, 1f, a.Ptr, 3, 0, b.Ptr, 5, 0, 0f, c.Ptr, 5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => d.Blas.Sgemm(false, false, 6, 5, 4, 1f, a.Ptr, 4, 0, b.Ptr, 5, 0, 0f, c.Ptr, 4, 0));
        // Swapped m and n: C would need 5×6 with ldc 6 (30 floats, fits) but A as 5×4 is fine and B as 4×6 overruns.
        var e = Assert.Throws<ArgumentException>(() => d.Blas.Sgemm(false, false, 5, 6, 4, 1f, a.Ptr, 4, 0, b.Ptr, 6, 0, 0f, c.Ptr, 6, 0))!;
        Assert.That(e.Message, Does.Contain("operand B"));
        // Two batches where the buffers hold one.
        Assert.Throws<ArgumentException>(() => d.Blas.Sgemm(false, false, 6, 5, 4, 1f, a.Ptr, 4, 24, b.Ptr, 5, 20, 0f, c.Ptr, 5, 30, 2));
    }
}
