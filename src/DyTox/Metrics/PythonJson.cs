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
        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }
        // Shortest round-trip digits d1d2…dn and decimal exponent e (value = d1.d2…dn × 10^e).
        string r = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        string digits;
        int exponent;
        int ePos = r.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            digits = r[..ePos].Replace(".", "", StringComparison.Ordinal);
            exponent = int.Parse(r[(ePos + 1)..], CultureInfo.InvariantCulture);
        }
        else
        {
            int dot = r.IndexOf('.');
            string intPart = dot >= 0 ? r[..dot] : r;
            string frac = dot >= 0 ? r[(dot + 1)..] : "";
            if (intPart.TrimStart('0').Length > 0)
            {
                intPart = intPart.TrimStart('0');
                digits = intPart + frac;
                exponent = intPart.Length - 1;
            }
            else
            {
                int zeros = frac.Length - frac.TrimStart('0').Length;
                digits = frac.TrimStart('0');
                exponent = -(zeros + 1);
            }
        }
        digits = digits.TrimEnd('0');
        if (digits.Length == 0)
        {
            digits = "0";
        }
        string sign = value < 0 ? "-" : "";
        // Python's repr: scientific when the exponent is < -4 or >= 16.
        if (exponent < -4 || exponent >= 16)
        {
            string mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
            return sign + mantissa + "e" + (exponent < 0 ? "-" : "+")
                + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }
        if (exponent < 0)
        {
            return sign + "0." + new string('0', -exponent - 1) + digits;
        }
        if (digits.Length <= exponent + 1)
        {
            return sign + digits + new string('0', exponent + 1 - digits.Length) + ".0";
        }
        return sign + digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
    }

    /// <summary>Python's <c>round(x, digits)</c> (half-to-even on the decimal value).</summary>
    public static double Round(double value, int digits) => Math.Round(value, digits, MidpointRounding.ToEven);

    /// <summary>
    /// A line of Python's <c>json.dumps</c> made strict JSON: the bare <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c>
    /// that Python writes for non-finite floats (as <see cref="Float"/> does) become <c>null</c>; strings are left alone.
    /// </summary>
    public static string ToStrictJson(string line)
    {
        var sb = new System.Text.StringBuilder(line.Length);
        bool inString = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (inString)
            {
                if (c == '\\' && i + 1 < line.Length) sb.Append(c).Append(line[++i]);
                else
                {
                    if (c == '"') inString = false;
                    sb.Append(c);
                }
                continue;
            }
            if (c == '"') inString = true;
            int length = NonFiniteLiteral(line, i);
            if (length > 0)
            {
                sb.Append("null");
                i += length - 1;
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    private static int NonFiniteLiteral(string s, int i)
    {
        foreach (string word in (ReadOnlySpan<string>)["NaN", "Infinity", "-Infinity"])
            if (string.CompareOrdinal(s, i, word, 0, word.Length) == 0) return word.Length;
        return 0;
    }
}
