using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

using DyTox.Tensor.Cpu;

namespace DyTox.Bench.Cpu;

/// <summary>
/// The float32 GELU as it was before the table-driven rewrite (src/Tensor/Cpu/VectorGelu.cs at 56514e3), kept
/// verbatim, its all-lanes tests included (they compare double masks with AllBitsSet, a NaN, so they never
/// fire), for <see cref="GeluHeadToHead"/> only.
/// Float32 GELU and its derivative, 16 elements at a time: widened to double lanes and evaluated with the
/// same Cody erf/erfc rational approximations as <see cref="SpecialFunctions"/> (branches blended per lane,
/// a branch evaluated only when some lane needs it), then rounded once to float. The float64 path stays
/// on the scalar reference.
/// </summary>
internal static unsafe class PreviousVectorGelu
{
    private const double Threshold = 0.46875;
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;
    private const double InvSqrtPi = 0.56418958354775628695;

    public static void Forward(float* x, float* y, int n)
    {
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var (lo, hi) = Vector512.Widen(Vector512.Load(x + i));
            Vector512.Narrow(lo * Cdf(lo, out _), hi * Cdf(hi, out _)).Store(y + i);
        }
        for (; i < n; i++) y[i] = (float)SpecialFunctions.Gelu(x[i]);
    }

    /// <summary>dx = dy·(Φ(x) + x·φ(x)); dx may alias dy.</summary>
    public static void Backward(float* x, float* dy, float* dx, int n)
    {
        int i = 0;
        for (; i <= n - 16; i += 16)
        {
            var (lo, hi) = Vector512.Widen(Vector512.Load(x + i));
            var (glo, ghi) = Vector512.Widen(Vector512.Load(dy + i));
            Vector512.Narrow(glo * Derivative(lo), ghi * Derivative(hi)).Store(dx + i);
        }
        for (; i < n; i++) dx[i] = (float)(dy[i] * SpecialFunctions.GeluDerivative(x[i]));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Derivative(Vector512<double> x)
    {
        var phi = Cdf(x, out var expNegHalfX2);
        return phi + x * Vector512.Create(InvSqrt2Pi) * expNegHalfX2;
    }

    /// <summary>Φ(x) per lane; also returns exp(−x²/2), which the derivative reuses.</summary>
    private static Vector512<double> Cdf(Vector512<double> x, out Vector512<double> expNegHalfX2)
    {
        var z = x * Vector512.Create(InvSqrt2);
        var y = Vector512.Abs(z);
        var ysq = y * y;
        var e = Vector512.Exp(-ysq);
        expNegHalfX2 = e;
        var small = Vector512.LessThanOrEqual(y, Vector512.Create(Threshold));
        var phiSmall = Vector512<double>.Zero;
        if (small != Vector512<double>.Zero)
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
            if (small == Vector512<double>.AllBitsSet) return phiSmall;
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
        if ((mid | small) != Vector512<double>.AllBitsSet)
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
