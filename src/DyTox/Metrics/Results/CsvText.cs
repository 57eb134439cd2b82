using System.Globalization;
using System.Text;

namespace DyTox.Metrics.Results;

/// <summary>CSV cells as the result files write them: invariant numbers with up to four decimals, empty for "not measured".</summary>
internal static class CsvText
{
    public static string Number(double? value) =>
        value is double v && double.IsFinite(v) ? Math.Round(v, 4).ToString("0.####", CultureInfo.InvariantCulture) : "";

    public static string Integer(long? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    /// <summary>Quotes a text cell when it holds a comma, quote or line break (RFC 4180).</summary>
    public static string Text(string value) =>
        value.AsSpan().IndexOfAny(",\"\n\r") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public static void AppendRow(StringBuilder sb, IEnumerable<string> cells) => sb.Append(string.Join(',', cells)).Append('\n');
}
