using DyTox.Tensor.Cpu;

namespace DyTox.Tensor.Tests.Cpu;

/// <summary>
/// The float32 GELU (vector path) against the float64 reference over a dense grid of float inputs: every 257th
/// float bit pattern in [−16, 16] (≈ 8.8M inputs: every binade, including subnormals and the far tails where GELU
/// flushes to ±0), plus ±0, ±∞ and NaN. Bound: 2 ulp of float of the reference rounded to float.
/// </summary>
public sealed class GeluAccuracyTests : CpuTestBase
{
    private const int Stride = 257;

    private static float[] DenseGrid()
    {
        int top = BitConverter.SingleToInt32Bits(16f);
        var values = new List<float>(2 * (top / Stride) + 8);
        for (int bits = 0; bits <= top; bits += Stride)
        {
            float v = BitConverter.Int32BitsToSingle(bits);
            values.Add(v);
            values.Add(-v);
        }
        values.AddRange([0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 5.5f, -5.5f, -14.2f, -0.75f]);
        // Pad to a multiple of 16 so the whole grid runs through the vector loop (the scalar tail is the reference).
        while (values.Count % 16 != 0) values.Add(1f);
        return values.ToArray();
    }

    /// <summary>Distance in units in the last place between two floats of the same sign (±0 are equal).</summary>
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

    private static float[] Run(float[] x, Action<Tensor, Tensor> op)
    {
        var tx = Cpu.Empty(DType.Float32, [x.Length]);
        x.CopyTo(tx.Span<float>());
        var ty = Cpu.Empty(DType.Float32, [x.Length]);
        op(tx, ty);
        return ty.Span<float>().ToArray();
    }

    [Test]
    public void Float32GeluIsWithinTwoUlpOfTheFloat64ReferenceOnADenseGrid()
    {
        var x = DenseGrid();
        var y = Run(x, (tx, ty) => Cpu.Unary(UnaryOp.Gelu, tx, ty));
        long worst = 0;
        int worstAt = 0;
        for (int i = 0; i < x.Length; i++)
        {
            long d = UlpDistance(y[i], (float)SpecialFunctions.Gelu(x[i]));
            if (d > worst) (worst, worstAt) = (d, i);
        }
        Assert.That(worst, Is.LessThanOrEqualTo(2),
            $"GELU({x[worstAt]:R}) = {y[worstAt]:R}, reference {(float)SpecialFunctions.Gelu(x[worstAt]):R}");
    }

    [Test]
    public void Float32GeluDerivativeIsWithinTwoUlpOfTheFloat64ReferenceOnADenseGrid()
    {
        // dy = 1, so dx is GELU'(x) itself. GELU' = Φ(x) + x·φ(x) crosses zero near x = −0.75 where the two terms
        // cancel; there the bound is the approximation's absolute error relative to the terms (1e-9·|Φ(x)|).
        var x = DenseGrid();
        var ones = new float[x.Length];
        Array.Fill(ones, 1f);
        var tx = Cpu.Empty(DType.Float32, [x.Length]);
        x.CopyTo(tx.Span<float>());
        var tdy = Cpu.Empty(DType.Float32, [x.Length]);
        ones.CopyTo(tdy.Span<float>());
        var tdx = Cpu.Empty(DType.Float32, [x.Length]);
        Cpu.UnaryBackward(UnaryOp.Gelu, tx, tx, tdy, tdx);
        var dx = tdx.Span<float>().ToArray();
        for (int i = 0; i < x.Length; i++)
        {
            double reference = SpecialFunctions.GeluDerivative(x[i]);
            if (UlpDistance(dx[i], (float)reference) <= 2) continue;
            float magnitude = Math.Abs((float)reference);
            double ulp = MathF.BitIncrement(magnitude) - magnitude;
            Assert.That(Math.Abs(dx[i] - reference), Is.LessThanOrEqualTo(2 * ulp + 1e-9 * SpecialFunctions.NormalCdf(x[i])),
                $"GELU'({x[i]:R}) = {dx[i]:R}, reference {reference:R}");
        }
    }
}
