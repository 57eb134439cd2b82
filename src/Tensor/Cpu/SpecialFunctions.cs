namespace DyTox.Tensor.Cpu;

/// <summary>
/// The error function and the exact (erf) GELU with its derivative. .NET has no Math.Erf; this is
/// W. J. Cody's rational Chebyshev approximation (Math. Comp. 1969; SPECFUN CALERF), |relative error|
/// below 1e-15 in double. Float32 GELU evaluates it in double and rounds once.
/// </summary>
public static class SpecialFunctions
{
    private const double Threshold = 0.46875;
    private const double InvSqrtPi = 0.56418958354775628695;
    private const double XSmall = 1.11e-16;
    private const double XBig = 26.543;
    private const double InvSqrt2 = 0.70710678118654752440;
    private const double InvSqrt2Pi = 0.39894228040143267794;

    internal static readonly double[] A = [3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03, 1.85777706184603153e-1];
    internal static readonly double[] B = [2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03];
    internal static readonly double[] C =
    [
        5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02,
        8.81952221241769090e02, 1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03,
        2.15311535474403846e-8,
    ];
    internal static readonly double[] D =
    [
        1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
        3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03,
    ];
    internal static readonly double[] P = [3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2];
    internal static readonly double[] Q = [2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3];

    /// <summary>erf(x) = 2/√π ∫₀ˣ e^(−t²) dt.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double y = Math.Abs(x);
        if (y <= Threshold)
        {
            double ysq = y > XSmall ? y * y : 0;
            double num = A[4] * ysq, den = ysq;
            for (int i = 0; i < 3; i++)
            {
                num = (num + A[i]) * ysq;
                den = (den + B[i]) * ysq;
            }
            return x * (num + A[3]) / (den + B[3]);
        }
        double erfc = ErfcPositive(y);
        double r = (0.5 - erfc) + 0.5;
        return x < 0 ? -r : r;
    }

    /// <summary>erfc(x) = 1 − erf(x), accurate in the tail.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return x;
        double y = Math.Abs(x);
        if (y <= Threshold) return 1 - Erf(x);
        double r = ErfcPositive(y);
        return x < 0 ? 2 - r : r;
    }

    /// <summary>erfc(y) for y &gt; 0.46875 (Cody's second and third intervals).</summary>
    private static double ErfcPositive(double y)
    {
        double r;
        if (y <= 4)
        {
            double num = C[8] * y, den = y;
            for (int i = 0; i < 7; i++)
            {
                num = (num + C[i]) * y;
                den = (den + D[i]) * y;
            }
            r = (num + C[7]) / (den + D[7]);
        }
        else
        {
            if (y >= XBig) return 0;
            double ysq = 1 / (y * y);
            double num = P[5] * ysq, den = ysq;
            for (int i = 0; i < 4; i++)
            {
                num = (num + P[i]) * ysq;
                den = (den + Q[i]) * ysq;
            }
            r = ysq * (num + P[4]) / (den + Q[4]);
            r = (InvSqrtPi - r) / y;
        }
        // exp(−y²) split as exp(−s²)·exp(−(y−s)(y+s)) with s = y rounded down to 1/16: avoids the error of y·y.
        double s = Math.Truncate(y * 16) / 16;
        double del = (y - s) * (y + s);
        return Math.Exp(-s * s) * Math.Exp(-del) * r;
    }

    /// <summary>Φ(x), the standard normal CDF, via erfc so that the left tail keeps its relative accuracy.</summary>
    public static double NormalCdf(double x) => 0.5 * Erfc(-x * InvSqrt2);

    /// <summary>GELU(x) = x·Φ(x) (exact erf form, torch nn.GELU()).</summary>
    public static double Gelu(double x) => x * NormalCdf(x);

    /// <summary>d GELU/dx = Φ(x) + x·φ(x).</summary>
    public static double GeluDerivative(double x) => NormalCdf(x) + x * InvSqrt2Pi * Math.Exp(-0.5 * x * x);
}
