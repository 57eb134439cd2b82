using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DyTox.Tensor.Cpu;

/// <summary>
/// The float32 GELU forward in float lanes (16 per vector) for |x| &lt; 8, where transformer pre-activations live;
/// <see cref="VectorGelu"/> sends other vectors to its double lanes, and calls this only with AVX-512 (permutes). Same split as there, Φ(x) = E·K for x &lt; 0
/// and 1 − E·K for x ≥ 0 with E = exp(−x²/2) and K(t) = ½erfcx(t/√2), but every quantity that the result's
/// relative accuracy hangs on is carried as an unevaluated float pair (hi + lo): x² = hi + lo exactly (FMA);
/// E = 2^(−k/16)·(1 + s) with 2^(−j/16) as a float pair and s = expm1 of a reduced argument |r| ≤ ln2/32; K =
/// c0 (float pair) + d·P(d) on 32 intervals with |d·P| ≤ 0.1·K, so float rounding in P costs ≤ 1e-8 of K;
/// E·K by an exact product; 1 − E·K by Fast2Sum; x·Φ with one final rounding (FMA). Total error before that
/// rounding ≈ 2e-8 relative, so results stay within 1 ulp of the float64 reference. The derivative, Φ + x·φ, is
/// not assembled from Φ: near its zero crossing (x ≈ −0.75) the two terms cancel. It is E·N (x &lt; 0) or 1 − E·N
/// with N = K − t/√(2π) tabulated itself, expanded about its root on the two intervals around it, so its
/// relative error stays ≈ 1e-8 there too.
/// </summary>
internal static class VectorGeluFloat
{
    /// <summary>Inputs with |x| below this take the float lanes (x²/2 &lt; 32 keeps E and E·K normal floats).</summary>
    public const float Limit = 8f;
    /// <summary>1.5·2^23: adding it to |v| &lt; 2^22 rounds v to an integer held in the low mantissa bits.</summary>
    private const float RoundingShifter = 12582912f;
    private const float SixteenOverLn2 = 23.083120654223414f;

    /// <summary>Whether every lane of <paramref name="x"/> is finite with |x| &lt; <see cref="Limit"/> (NaN fails).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Covers(Vector512<float> x) =>
        Vector512.ExtractMostSignificantBits(Vector512.LessThan(Vector512.Abs(x), Vector512.Create(Limit))) == 0xFFFF;

    /// <summary>GELU(x) = x·Φ(x) per lane; valid where <see cref="Covers"/> holds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Gelu(Vector512<float> x)
    {
        var t = Vector512.Abs(x);
        var (eHi, eLo, scale) = ExpNegHalfSquare(t);
        var (kHi, kLo) = MillsK(t);
        // E·K = ekHi + ekLo (exact product of the high parts, cross terms in the low part), then the 2^(−m) scale.
        var ekHi = kHi * eHi;
        var ekLo = Vector512.FusedMultiplyAdd(kHi, eHi, -ekHi) + Vector512.FusedMultiplyAdd(kHi, eLo, kLo * eHi);
        ekHi *= scale;
        ekLo *= scale;
        // 1 − E·K by Fast2Sum (1 ≥ E·K).
        var wHi = Vector512<float>.One - ekHi;
        var wLo = ((Vector512<float>.One - wHi) - ekHi) - ekLo;
        var negative = Vector512.LessThan(x, Vector512<float>.Zero);
        var phiHi = Vector512.ConditionalSelect(negative, ekHi, wHi);
        var phiLo = Vector512.ConditionalSelect(negative, ekLo, wLo);
        return Vector512.FusedMultiplyAdd(x, phiHi, x * phiLo);
    }

    /// <summary>dy·GELU'(x) per lane, GELU'(x) = E·N for x &lt; 0 and 1 − E·N for x ≥ 0 (N = K − t/√(2π)); valid
    /// where <see cref="Covers"/> holds for x and dy is finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GeluBackward(Vector512<float> x, Vector512<float> dy)
    {
        var t = Vector512.Abs(x);
        var (eHi, eLo, scale) = ExpNegHalfSquare(t);
        var (nHi, nLo) = DerivativeN(t);
        var enHi = nHi * eHi;
        var enLo = Vector512.FusedMultiplyAdd(nHi, eHi, -enHi) + Vector512.FusedMultiplyAdd(nHi, eLo, nLo * eHi);
        enHi *= scale;
        enLo *= scale;
        // 1 − E·N by Fast2Sum (|E·N| ≤ ½).
        var wHi = Vector512<float>.One - enHi;
        var wLo = ((Vector512<float>.One - wHi) - enHi) - enLo;
        var negative = Vector512.LessThan(x, Vector512<float>.Zero);
        var derivativeHi = Vector512.ConditionalSelect(negative, enHi, wHi);
        var derivativeLo = Vector512.ConditionalSelect(negative, enLo, wLo);
        return Vector512.FusedMultiplyAdd(dy, derivativeHi, dy * derivativeLo);
    }

    /// <summary>Whether every lane of <paramref name="dy"/> is finite (an infinite dy times the float pair could give ∞ − ∞).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Finite(Vector512<float> dy) =>
        Vector512.ExtractMostSignificantBits(Vector512.LessThan(Vector512.Abs(dy), Vector512.Create(float.PositiveInfinity))) == 0xFFFF;

    /// <summary>exp(−t²/2) = (hi + lo)·scale for 0 ≤ t &lt; 8: scale = 2^(−k>>4), hi + lo = 2^(−(k&amp;15)/16)·(1 + s).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Hi, Vector512<float> Lo, Vector512<float> Scale) ExpNegHalfSquare(Vector512<float> t)
    {
        var squareHi = t * t;
        var squareLo = Vector512.FusedMultiplyAdd(t, t, -squareHi);
        var h = squareHi * Vector512.Create(0.5f);
        var shifted = Vector512.FusedMultiplyAdd(h, Vector512.Create(SixteenOverLn2), Vector512.Create(RoundingShifter));
        var kf = shifted - Vector512.Create(RoundingShifter);
        // r = x²/2 − k·ln2/16: k·hi is exact (k ≤ 739 < 2^11), the low parts of ln2/16 and of x² go in after.
        var r = Vector512.FusedMultiplyAdd(-kf, Vector512.Create(VectorGeluTables.FloatLn2Over16Hi), h);
        r = Vector512.FusedMultiplyAdd(-kf, Vector512.Create(VectorGeluTables.FloatLn2Over16Lo), r);
        r = Vector512.FusedMultiplyAdd(squareLo, Vector512.Create(0.5f), r);
        // s = exp(−r) − 1, |r| ≤ 0.0217: Taylor to r⁴ (truncation r⁵/120 < 4e-11); |s| ≤ 0.022, so its float
        // rounding is ≤ 1.3e-9 of 1 + s.
        var p = Vector512.FusedMultiplyAdd(r, Vector512.Create(1f / 24), Vector512.Create(-1f / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5f));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(-1f));
        var s = p * r;
        var k = shifted.AsInt32() - Vector512.Create(RoundingShifter).AsInt32();
        var fractionHi = Lookup16(VectorGeluTables.FloatExpHi, k);
        var fractionLo = Lookup16(VectorGeluTables.FloatExpLo, k);
        // k>>4 ≤ 46: the biased exponent stays ≥ 81 (normal).
        var scale = Vector512.ShiftLeft(Vector512.Create(127) - Vector512.ShiftRightArithmetic(k, 4), 23).AsSingle();
        return (fractionHi, Vector512.FusedMultiplyAdd(fractionHi, s, fractionLo), scale);
    }

    /// <summary>K(t) = hi + lo for 0 ≤ t &lt; 8 on interval j = round(4t − ½) ∈ [0, 31] (a t on a boundary may take
    /// either neighbour: both fits cover their closed interval).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Hi, Vector512<float> Lo) MillsK(Vector512<float> t)
    {
        var shifted = Vector512.FusedMultiplyAdd(t, Vector512.Create(4f), Vector512.Create(-0.5f)) + Vector512.Create(RoundingShifter);
        var j = shifted - Vector512.Create(RoundingShifter);
        var index = shifted.AsInt32();
        var centre = Vector512.FusedMultiplyAdd(j, Vector512.Create(0.25f), Vector512.Create(0.125f));
        // d = t − centre is exact except on interval 0 for t < 1/16, where dLo keeps the rounding (Fast2Sum).
        var d = t - centre;
        var dLo = t - (d + centre);
        var c = VectorGeluTables.FloatInterval;
        var c1 = Lookup32(c[64..], index);
        var q = Lookup32(c[192..], index);
        q = Vector512.FusedMultiplyAdd(q, d, Lookup32(c[160..], index));
        q = Vector512.FusedMultiplyAdd(q, d, Lookup32(c[128..], index));
        q = Vector512.FusedMultiplyAdd(q, d, Lookup32(c[96..], index));
        q = Vector512.FusedMultiplyAdd(q, d, c1);
        var variable = q * d;
        // K = c0hi + variable by Fast2Sum (|c0| ≥ |variable|), then c0lo and c1·dLo into the low part.
        var c0 = Lookup32(c, index);
        var hi = c0 + variable;
        var lo = (variable - (hi - c0)) + Vector512.FusedMultiplyAdd(c1, dLo, Lookup32(c[32..], index));
        return (hi, lo);
    }

    /// <summary>N(t) = K(t) − t/√(2π) = hi + lo for 0 ≤ t &lt; 8 on interval round(4t − ½): c0 + d·(c1 + d·P(d)) with c0
    /// and c1 float pairs, d·(c1 + …) as an exact product, and c0 + that by TwoSum (near the root of N, c0 ≈ 0).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float> Hi, Vector512<float> Lo) DerivativeN(Vector512<float> t)
    {
        var index = (Vector512.FusedMultiplyAdd(t, Vector512.Create(4f), Vector512.Create(-0.5f)) + Vector512.Create(RoundingShifter)).AsInt32();
        var c = VectorGeluTables.FloatDerivativeInterval;
        var centre = Lookup32(c, index);
        // Exact except where t < centre/2 (Fast2Sum keeps the rounding in dLo).
        var d = t - centre;
        var dLo = t - (d + centre);
        var p = Lookup32(c[256..], index);
        p = Vector512.FusedMultiplyAdd(p, d, Lookup32(c[224..], index));
        p = Vector512.FusedMultiplyAdd(p, d, Lookup32(c[192..], index));
        p = Vector512.FusedMultiplyAdd(p, d, Lookup32(c[160..], index));
        var tail = p * d;
        // G = c1 + d·P(d) by Fast2Sum (|c1| ≥ |d·P|: N' ≤ −1/√(2π) everywhere).
        var c1Hi = Lookup32(c[96..], index);
        var gHi = c1Hi + tail;
        var gLo = (tail - (gHi - c1Hi)) + Lookup32(c[128..], index);
        var vHi = d * gHi;
        var vLo = Vector512.FusedMultiplyAdd(d, gHi, -vHi) + Vector512.FusedMultiplyAdd(d, gLo, dLo * gHi);
        // c0 + v by TwoSum (either may be the larger).
        var c0Hi = Lookup32(c[32..], index);
        var sum = c0Hi + vHi;
        var vPart = sum - c0Hi;
        var error = (c0Hi - (sum - vPart)) + (vHi - vPart);
        return (sum, error + (Lookup32(c[64..], index) + vLo));
    }

    /// <summary>table[index &amp; 15] per lane; AVX-512 only (the caller checks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Lookup16(ReadOnlySpan<float> table, Vector512<int> index) =>
        Avx512F.PermuteVar16x32(Vector512.LoadUnsafe(ref MemoryMarshal.GetReference(table)), index);

    /// <summary>table[index &amp; 31] per lane; AVX-512 only (the caller checks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Lookup32(ReadOnlySpan<float> table, Vector512<int> index)
    {
        ref float first = ref MemoryMarshal.GetReference(table);
        return Avx512F.PermuteVar16x32x2(Vector512.LoadUnsafe(ref first), index, Vector512.LoadUnsafe(ref first, 16));
    }
}
