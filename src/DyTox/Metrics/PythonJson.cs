using System.Globalization;

namespace DyTox.Metrics;

/// <summary>Number formatting and rounding as Python's <c>json.dumps(round(x, n))</c> writes them (so logs diff cleanly).</summary>
public static class PythonJson
{
    /// <summary>Python's <c>repr(float)</c>: shortest round-trip, ".0" for integral values, lower-case exponent.</summary>
    public static string Float(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }
        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }
        double abs = Math.Abs(value);
        if (value == Math.Floor(value) && abs < 1e16)
        {
            return value.ToString("0", CultureInfo.InvariantCulture) + ".0";
        }
        string s = value.ToString("R", CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        if (e >= 0)
        {
            string mantissa = s[..e];
            int exponent = int.Parse(s[(e + 1)..], CultureInfo.InvariantCulture);
            s = mantissa + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }
        return s;
    }

    /// <summary>Python's <c>round(x, digits)</c> (half-to-even on the decimal value).</summary>
    public static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.ToEven);
}
