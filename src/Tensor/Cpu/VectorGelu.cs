using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DyTox.Tensor.Cpu;

/// <summary>
/// Float32 GELU and its derivative, 16 elements at a time. Both take <see cref="VectorGeluFloat"/>'s float lanes
/// when all 16 inputs have |x| &lt; 8 (and, backward, all 16 dy are finite); otherwise double lanes rounded once
/// to float: Φ(x) is exp(−x²/2)·K(|x|) for x &lt; 0 and 1 − exp(−x²/2)·K(|x|) for x ≥ 0, where K(t) = ½erfcx(t/√2) is
/// a table of fitted polynomials (<see cref="VectorGeluTables"/>, relative error ≈ 1e-11) picked per lane with a
/// permute, and exp is a table-driven double exp of the exact x² (a float squared is exact in double). No
/// division on |x| &lt; 8, one on 8 ≤ |x| &lt; 37; vectors with a lane beyond (or ±∞, NaN) take Cody's erf/erfc,
/// the float64 reference's algorithm, so those keep its exact special-value behaviour. The float64 path stays
/// on the scalar reference.
/// </summary>
internal static unsafe class VectorGelu
{
    private const double Threshold = 0.46875;
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;
    private const double InvSqrtPi = 0.56418958354775628695;
    /// <summary>Beyond this |x| the table path hands over to Cody's (exp(−x²/2) then leaves the normal doubles).</summary>
    private const double TableLimit = 37.0;
    private const double TailStart = 8.0;
    private const double SixteenOverLn2 = 23.083120654223414;
    // ln2/16 split (Cody–Waite): the high part has 32 significant bits, so k·Ln2Over16Hi is exact for k ≤ 16·685/ln2 ≈ 15800.
    private const double Ln2Over16Hi = 0.04332169877307024;
    private const double Ln2Over16Lo = 1.1926343307941173e-11;
    /// <summary>1.5·2^52: adding it to |v| &lt; 2^51 rounds v to an integer held in the low mantissa bits.</summary>
    private const double RoundingShifter = 6755399441055744.0;

    /// <summary>
    /// The table paths pick coefficients with AVX-512 two-register permutes; without them (software Vector512,
    /// or no AVX-512) a permute costs more than Cody's rationals, so everything takes Cody's path. A JIT-time constant.
    /// </summary>
    private static bool TablesAccelerated => Avx512F.IsSupported && Vector512.IsHardwareAccelerated;

    public static void Forward(float* x, float* y, int n)
    {
        if (TablesAccelerated) TableForward(x, y, n);
        else CodyForward(x, y, n);
    }

    /// <summary>dx = dy·(Φ(x) + x·φ(x)); dx may alias dy.</summary>
    public static void Backward(float* x, float* dy, float* dx, int n)
    {
        if (TablesAccelerated) TableBackward(x, dy, dx, n);
        else CodyBackward(x, dy, dx, n);
    }

    // The loops are compiled fully optimized at first call: at tier 0 none of the vector helpers is inlined and a
    // step's first calls ran ≈ 5× slower than the kernel (the profile tool's 8 iterations ended before tier-up);
    // tier-1 dynamic PGO measured no better. The Cody loops are separate methods because the table loops'
    // inlined float code used up the inliner's budget and, with software Vector512, left the remaining vector
    // operators as calls (1.1–1.7× slower than the previous code there).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TableForward(float* x, float* y, int n)
    {
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var v = Vector512.Load(x + i);
            if (VectorGeluFloat.Covers(v))
            {
                VectorGeluFloat.Gelu(v).Store(y + i);
                continue;
            }
            var (lo, hi) = Vector512.Widen(v);
            Vector512.Narrow(lo * Cdf(lo, out _), hi * Cdf(hi, out _)).Store(y + i);
        }
        for (; i < n; i++) y[i] = (float)SpecialFunctions.Gelu(x[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TableBackward(float* x, float* dy, float* dx, int n)
    {
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var v = Vector512.Load(x + i);
            var g = Vector512.Load(dy + i);
            if (VectorGeluFloat.Covers(v) && VectorGeluFloat.Finite(g))
            {
                VectorGeluFloat.GeluBackward(v, g).Store(dx + i);
                continue;
            }
            var (lo, hi) = Vector512.Widen(v);
            var (glo, ghi) = Vector512.Widen(g);
            Vector512.Narrow(glo * (Cdf(lo, out var elo) + lo * Vector512.Create(InvSqrt2Pi) * elo),
                ghi * (Cdf(hi, out var ehi) + hi * Vector512.Create(InvSqrt2Pi) * ehi)).Store(dx + i);
        }
        for (; i < n; i++) dx[i] = (float)(dy[i] * SpecialFunctions.GeluDerivative(x[i]));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CodyForward(float* x, float* y, int n)
    {
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var (lo, hi) = Vector512.Widen(Vector512.Load(x + i));
            Vector512.Narrow(lo * CodyCdf(lo, out _), hi * CodyCdf(hi, out _)).Store(y + i);
        }
        for (; i < n; i++) y[i] = (float)SpecialFunctions.Gelu(x[i]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void CodyBackward(float* x, float* dy, float* dx, int n)
    {
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var (lo, hi) = Vector512.Widen(Vector512.Load(x + i));
            var (glo, ghi) = Vector512.Widen(Vector512.Load(dy + i));
            Vector512.Narrow(glo * (CodyCdf(lo, out var elo) + lo * Vector512.Create(InvSqrt2Pi) * elo),
                ghi * (CodyCdf(hi, out var ehi) + hi * Vector512.Create(InvSqrt2Pi) * ehi)).Store(dx + i);
        }
        for (; i < n; i++) dx[i] = (float)(dy[i] * SpecialFunctions.GeluDerivative(x[i]));
    }

    /// <summary>Φ(x) per lane; also returns exp(−x²/2), which the derivative reuses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Cdf(Vector512<double> x, out Vector512<double> expNegHalfX2)
    {
        var t = Vector512.Abs(x);
        // NaN compares false, so NaN lanes go to Cody's path too.
        if (!All(Vector512.LessThan(t, Vector512.Create(TableLimit)))) return CodyCdf(x, out expNegHalfX2);
        var e = ExpNegHalfSquare(t);
        expNegHalfX2 = e;
        var nearTail = Vector512.GreaterThanOrEqual(t, Vector512.Create(TailStart));
        Vector512<double> k;
        if (!Any(nearTail)) k = IntervalK(t);
        else if (All(nearTail)) k = TailK(t);
        else k = Vector512.ConditionalSelect(nearTail, TailK(t), IntervalK(t));
        // Q(|x|) = ½erfc(|x|/√2) = Φ(−|x|); Φ(x) = Q for x < 0 and 1 − Q for x ≥ 0 (−0 included: Φ = ½).
        var q = e * k;
        return Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512<double>.Zero), q, Vector512<double>.One - q);
    }

    // A comparison's lanes are all-ones bit patterns, i.e. NaN as double, so `mask == AllBitsSet` on
    // Vector512<double> (a floating-point equality) is never true: compare the bits as integers.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool All(Vector512<double> mask) => mask.AsUInt64() == Vector512<ulong>.AllBitsSet;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Any(Vector512<double> mask) => mask.AsUInt64() != Vector512<ulong>.Zero;

    /// <summary>exp(−t²/2) for 0 ≤ t &lt; 37: t² is exact (t is a float); 2^(−k/16) from a table times a degree-5 polynomial on |r| ≤ ln2/32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ExpNegHalfSquare(Vector512<double> t)
    {
        var h = t * t * Vector512.Create(0.5);
        // k = round(h·16/ln2) by the 1.5·2^52 shifter: k then sits in the low mantissa bits of `shifted`.
        var shifted = Vector512.FusedMultiplyAdd(h, Vector512.Create(SixteenOverLn2), Vector512.Create(RoundingShifter));
        var kf = shifted - Vector512.Create(RoundingShifter);
        var r = Vector512.FusedMultiplyAdd(-kf, Vector512.Create(Ln2Over16Hi), h);
        r = Vector512.FusedMultiplyAdd(-kf, Vector512.Create(Ln2Over16Lo), r);
        // exp(−r), |r| ≤ 0.0217: Taylor to r⁵ (truncation r⁶/720 < 1.5e-13).
        var p = Vector512.FusedMultiplyAdd(Vector512.Create(-1.0 / 120), r, Vector512.Create(1.0 / 24));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(-1.0 / 6));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(0.5));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512.Create(-1.0));
        p = Vector512.FusedMultiplyAdd(p, r, Vector512<double>.One);
        var k = shifted.AsInt64() - Vector512.Create(RoundingShifter).AsInt64();
        var fraction = Lookup16(VectorGeluTables.ExpTable, k);
        // 2^(−k>>4) built in the exponent field: k>>4 ≤ 988, so the biased exponent stays ≥ 35 (normal).
        var scale = Vector512.ShiftLeft(Vector512.Create(1023L) - Vector512.ShiftRightArithmetic(k, 4), 52).AsDouble();
        return fraction * p * scale;
    }

    /// <summary>K(t) for 0 ≤ t &lt; 8: interval j's degree-8 polynomial in t − j/2 − ¼, j = round(2t − ½) ∈ [0, 15] (a
    /// t on a boundary may take either neighbour: both fits cover their closed interval).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> IntervalK(Vector512<double> t)
    {
        var shifted = Vector512.FusedMultiplyAdd(t, Vector512.Create(2.0), Vector512.Create(-0.5)) + Vector512.Create(RoundingShifter);
        var j = shifted - Vector512.Create(RoundingShifter);
        var index = shifted.AsInt64();
        var d = t - Vector512.FusedMultiplyAdd(j, Vector512.Create(0.5), Vector512.Create(0.25));
        var c = VectorGeluTables.Interval;
        // Unrolled by hand (the JIT keeps a counted loop); Degree is 8.
        var k = Lookup16(c[128..], index);
        k = Vector512.FusedMultiplyAdd(k, d, Lookup16(c[112..], index));
        k = Vector512.FusedMultiplyAdd(k, d, Lookup16(c[96..], index));
        k = Vector512.FusedMultiplyAdd(k, d, Lookup16(c[80..], index));
        k = Vector512.FusedMultiplyAdd(k, d, Lookup16(c[64..], index));
        k = Vector512.FusedMultiplyAdd(k, d, Lookup16(c[48..], index));
        k = Vector512.FusedMultiplyAdd(k, d, Lookup16(c[32..], index));
        k = Vector512.FusedMultiplyAdd(k, d, Lookup16(c[16..], index));
        return Vector512.FusedMultiplyAdd(k, d, Lookup16(c, index));
    }

    /// <summary>table[index &amp; 15] per lane (the first 16 entries of <paramref name="table"/>); AVX-512 only.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Lookup16(ReadOnlySpan<double> table, Vector512<long> index)
    {
        ref double first = ref MemoryMarshal.GetReference(table);
        return Avx512F.PermuteVar8x64x2(Vector512.LoadUnsafe(ref first), index, Vector512.LoadUnsafe(ref first, 8));
    }

    /// <summary>K(t) for 8 ≤ t &lt; 37: g(64/t²)/t, g a degree-6 polynomial.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> TailK(Vector512<double> t)
    {
        var rt = Vector512<double>.One / t;
        var u = Vector512.Create(TailStart * TailStart) * rt * rt;
        var g = VectorGeluTables.Tail;
        var k = Vector512.FusedMultiplyAdd(Vector512.Create(g[6]), u, Vector512.Create(g[5]));
        k = Vector512.FusedMultiplyAdd(k, u, Vector512.Create(g[4]));
        k = Vector512.FusedMultiplyAdd(k, u, Vector512.Create(g[3]));
        k = Vector512.FusedMultiplyAdd(k, u, Vector512.Create(g[2]));
        k = Vector512.FusedMultiplyAdd(k, u, Vector512.Create(g[1]));
        k = Vector512.FusedMultiplyAdd(k, u, Vector512.Create(g[0]));
        return k * rt;
    }

    /// <summary>
    /// Φ(x) per lane with Cody's erf/erfc rational approximations (the float64 reference's algorithm), branches
    /// blended per lane, a branch evaluated only when some lane needs it; also returns exp(−x²/2).
    /// </summary>
    private static Vector512<double> CodyCdf(Vector512<double> x, out Vector512<double> expNegHalfX2)
    {
        var z = x * Vector512.Create(InvSqrt2);
        var y = Vector512.Abs(z);
        var ysq = y * y;
        var e = Vector512.Exp(-ysq);
        expNegHalfX2 = e;
        var small = Vector512.LessThanOrEqual(y, Vector512.Create(Threshold));
        var phiSmall = Vector512<double>.Zero;
        if (Any(small))
        {
            // erf(z) = z·P(y²)/Q(y²) on |z| ≤ 0.46875
            var num = Vector512.Create(SpecialFunctions.A[4]) * ysq;
            var den = ysq;
            for (int k = 0; k < 3; k++)
            {
                num = (num + Vector512.Create(SpecialFunctions.A[k])) * ysq;
                den = (den + Vector512.Create(SpecialFunctions.B[k])) * ysq;
            }
            var erf = z * (num + Vector512.Create(SpecialFunctions.A[3])) / (den + Vector512.Create(SpecialFunctions.B[3]));
            phiSmall = Vector512.Create(0.5) + Vector512.Create(0.5) * erf;
        }
        var mid = Vector512.LessThanOrEqual(y, Vector512.Create(4.0));
        Vector512<double> erfc;
        {
            // erfc(y) = exp(−y²)·R(y) on 0.46875 < y ≤ 4
            var num = Vector512.Create(SpecialFunctions.C[8]) * y;
            var den = y;
            for (int k = 0; k < 7; k++)
            {
                num = (num + Vector512.Create(SpecialFunctions.C[k])) * y;
                den = (den + Vector512.Create(SpecialFunctions.D[k])) * y;
            }
            erfc = e * ((num + Vector512.Create(SpecialFunctions.C[7])) / (den + Vector512.Create(SpecialFunctions.D[7])));
        }
        if (!All(mid | small))
        {
            // erfc(y) = exp(−y²)/y·(1/√π − y⁻²·P(y⁻²)/Q(y⁻²)) on y > 4
            var q = Vector512.Create(1.0) / ysq;
            var num = Vector512.Create(SpecialFunctions.P[5]) * q;
            var den = q;
            for (int k = 0; k < 4; k++)
            {
                num = (num + Vector512.Create(SpecialFunctions.P[k])) * q;
                den = (den + Vector512.Create(SpecialFunctions.Q[k])) * q;
            }
            var r = q * (num + Vector512.Create(SpecialFunctions.P[4])) / (den + Vector512.Create(SpecialFunctions.Q[4]));
            var tail = e * ((Vector512.Create(InvSqrtPi) - r) / y);
            erfc = Vector512.ConditionalSelect(mid, erfc, tail);
        }
        // Φ(x) = ½·erfc(−z): 1 − ½erfc(|z|) for z ≥ 0, ½erfc(|z|) for z < 0.
        var half = Vector512.Create(0.5) * erfc;
        var phiLarge = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(z, Vector512<double>.Zero), Vector512.Create(1.0) - half, half);
        return Vector512.ConditionalSelect(small, phiSmall, phiLarge);
    }
}
