namespace DyTox.Kernels.Checks;

/// <summary>float64 reference math for the kernel checks (.NET has no Math.Erf).</summary>
public static class Reference
{
    /// <summary>erf(x) to ~1e-15: Maclaurin series for |x| &lt; 2.5, else the erfc continued fraction.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return double.NaN;
        var a = Math.Abs(x);
        double result;
        if (a < 2.5)
        {
            // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
            double term = a, sum = a, x2 = a * a;
            for (var n = 1; n < 200; n++)
            {
                term *= -x2 / n;
                var add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum)) break;
            }
            result = 2.0 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            // erfc(a) = exp(−a²)/√π · 1/(a + 1/2/(a + 1/(a + 3/2/(a + 2/(a + …))))) (modified Lentz)
            const double tiny = 1e-300;
            double f = a, c = a, d = 0;
            for (var n = 1; n < 500; n++)
            {
                var an = n * 0.5;
                d = a + an * d; d = Math.Abs(d) < tiny ? tiny : d; d = 1 / d;
                c = a + an / c; c = Math.Abs(c) < tiny ? tiny : c;
                var delta = c * d;
                f *= delta;
                if (Math.Abs(delta - 1) < 1e-16) break;
            }
            result = 1 - Math.Exp(-a * a) / Math.Sqrt(Math.PI) / f;
        }
        return x < 0 ? -result : result;
    }

    public static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    public static double GeluGrad(double x) =>
        0.5 * (1 + Erf(x / Math.Sqrt(2))) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI);

    public static double Sigmoid(double x) => x >= 0 ? 1 / (1 + Math.Exp(-x)) : Math.Exp(x) / (1 + Math.Exp(x));
}
