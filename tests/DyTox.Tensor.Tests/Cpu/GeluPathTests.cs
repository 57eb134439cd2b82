using DyTox.Tensor.Cpu;

namespace DyTox.Tensor.Tests.Cpu;

/// <summary>
/// The float32 GELU's vector path picks per 8 lanes between the fitted table (|x| &lt; 8), the 1/x² tail piece
/// (8 ≤ |x| &lt; 37) and Cody's rational approximations (|x| ≥ 37, ±∞, NaN), and per lane between table intervals.
/// These tests cover what the dense grid of <see cref="GeluAccuracyTests"/> (|x| ≤ 16) does not: the whole float
/// range, the boundaries between pieces, and vectors that mix pieces. Bound: 2 ulp of the float64 reference.
/// </summary>
public sealed class GeluPathTests : CpuTestBase
{
    private static long UlpDistance(float a, float b)
    {
        if (float.IsNaN(a) || float.IsNaN(b)) return float.IsNaN(a) && float.IsNaN(b) ? 0 : long.MaxValue;
        static long Ordered(float f)
        {
            int i = BitConverter.SingleToInt32Bits(f);
            return i < 0 ? -(long)(i & 0x7FFFFFFF) : i;
        }
        return Math.Abs(Ordered(a) - Ordered(b));
    }

    /// <summary>Forward and derivative (dy = 1) of x through the backend, checked lane by lane.</summary>
    private void AssertWithinTwoUlp(float[] x)
    {
        Assert.That(x.Length % 16, Is.EqualTo(0), "the inputs must fill whole vectors (the scalar tail is the reference)");
        var tx = Cpu.Empty(DType.Float32, [x.Length]);
        x.CopyTo(tx.Span<float>());
        var ty = Cpu.Empty(DType.Float32, [x.Length]);
        Cpu.Unary(UnaryOp.Gelu, tx, ty);
        var tdy = Cpu.Empty(DType.Float32, [x.Length]);
        tdy.Span<float>().Fill(1f);
        var tdx = Cpu.Empty(DType.Float32, [x.Length]);
        Cpu.UnaryBackward(UnaryOp.Gelu, tx, tx, tdy, tdx);
        var y = ty.Span<float>().ToArray();
        var dx = tdx.Span<float>().ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            float gelu = (float)SpecialFunctions.Gelu(x[i]), derivative = (float)SpecialFunctions.GeluDerivative(x[i]);
            Assert.That(UlpDistance(y[i], gelu), Is.LessThanOrEqualTo(2), $"GELU({x[i]:R}) = {y[i]:R}, reference {gelu:R}");
            Assert.That(UlpDistance(dx[i], derivative), Is.LessThanOrEqualTo(2), $"GELU'({x[i]:R}) = {dx[i]:R}, reference {derivative:R}");
        }
    }

    private static float[] PadToVectors(List<float> values)
    {
        while (values.Count % 16 != 0) values.Add(0.5f);
        return values.ToArray();
    }

    [Test]
    public void WholeFloatRangeBeyondTheDenseGrid()
    {
        // Every 4099th bit pattern from 16 to the largest finite float, both signs (≈ 0.9M inputs).
        var values = new List<float>();
        for (int bits = BitConverter.SingleToInt32Bits(16f); bits < 0x7F800000; bits += 4099)
        {
            float v = BitConverter.Int32BitsToSingle(bits);
            values.Add(v);
            values.Add(-v);
        }
        values.AddRange([float.MaxValue, -float.MaxValue]);
        AssertWithinTwoUlp(PadToVectors(values));
    }

    [Test]
    public void PieceBoundaries()
    {
        // Interval edges k/2 (k = 0..16), the tail start 8 and the hand-over to Cody's path at 37: each edge,
        // its float neighbours, both signs.
        var values = new List<float>();
        foreach (float edge in Enumerable.Range(1, 16).Select(k => k / 2f).Append(37f))
        {
            foreach (float v in new[] { MathF.BitDecrement(MathF.BitDecrement(edge)), MathF.BitDecrement(edge), edge, MathF.BitIncrement(edge) })
            {
                values.Add(v);
                values.Add(-v);
            }
        }
        AssertWithinTwoUlp(PadToVectors(values));
    }

    [Test]
    public void VectorsMixingPiecesAndSpecialValues()
    {
        // Each 16-lane vector holds lanes of every piece and one special value, in rotating positions, so a lane
        // must not be affected by which path its neighbours need.
        float[] lanes = [-0.75f, 0.3f, -2.6f, 7.99f, -9.5f, 20f, -36.5f, 1e-30f, -5.25f, 3.1f, -12f, 0.001f, -1.5f, 30f, 2.2f];
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 40f, -40f, -0f, 0f, 1e-40f];
        var values = new List<float>();
        for (int v = 0; v < 32; v++)
        {
            var vector = new List<float>(lanes);
            vector.Insert(v % 16, specials[v % specials.Length]);
            values.AddRange(vector);
        }
        AssertWithinTwoUlp(values.ToArray());
    }

    [Test]
    public void BackwardScalesByAnyUpstreamGradient()
    {
        // The float lanes form dy·(hi + lo) with one rounding; vectors with a non-finite dy go to the double lanes
        // (∞·hi + ∞·lo could be ∞ − ∞). Reference: the float64 product rounded once.
        var rng = new DyTox.Tensor.Rng(7);
        int n = 16 * 4096;
        var x = new float[n];
        var dy = new float[n];
        for (int i = 0; i < n; i++)
        {
            // Mostly |x| < 8 (the float lanes); every 8th vector gets one lane beyond (the double lanes).
            x[i] = (float)rng.Uniform(-7.9, 7.9);
            dy[i] = (float)rng.Uniform(-3, 3);
        }
        float[] extremes = [float.PositiveInfinity, float.NegativeInfinity, float.NaN, float.MaxValue, -float.MaxValue, 1e-40f, -1e-44f, 0f, -0f];
        for (int i = 5; i < n; i += 16 * 8) x[i] = (float)rng.Uniform(8, 12) * (i % 3 == 0 ? -1 : 1);
        for (int k = 0; k < 16 * extremes.Length; k++) dy[k * 16 * 3 + k % 16] = extremes[k % extremes.Length];
        var tx = Cpu.Empty(DType.Float32, [n]);
        x.CopyTo(tx.Span<float>());
        var tdy = Cpu.Empty(DType.Float32, [n]);
        dy.CopyTo(tdy.Span<float>());
        var tdx = Cpu.Empty(DType.Float32, [n]);
        Cpu.UnaryBackward(UnaryOp.Gelu, tx, tx, tdy, tdx);
        var dx = tdx.Span<float>().ToArray();
        for (int i = 0; i < n; i++)
        {
            float reference = (float)(dy[i] * SpecialFunctions.GeluDerivative(x[i]));
            Assert.That(UlpDistance(dx[i], reference), Is.LessThanOrEqualTo(2), $"dy {dy[i]:R} · GELU'({x[i]:R}) = {dx[i]:R}, reference {reference:R}");
        }
    }
}
