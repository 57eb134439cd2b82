using System.Globalization;

namespace DyTox.Kernels.Checks;

/// <summary>
/// Element-wise comparison with the llm.c rule |actual − expected| ≤ atol + rtol·|expected|; reports
/// the worst element. Tolerances come from float32 epsilon and the reduction length, not tuning.
/// </summary>
public static class Compare
{
    public const double Eps32 = 1.0 / (1 << 23); // float32 machine epsilon 2^-23

    public static CheckResult Close(string name, ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double atol, double rtol)
    {
        if (actual.Length != expected.Length)
            return new CheckResult(name, false, $"length {actual.Length} != expected {expected.Length}");
        double worstExcess = double.NegativeInfinity, maxAbs = 0;
        var worst = -1;
        for (var i = 0; i < actual.Length; i++)
        {
            var err = Math.Abs(actual[i] - expected[i]);
            if (double.IsNaN(actual[i]) != double.IsNaN(expected[i])) err = double.PositiveInfinity;
            else if (double.IsNaN(actual[i])) err = 0;
            var excess = err - (atol + rtol * Math.Abs(expected[i]));
            maxAbs = Math.Max(maxAbs, err);
            if (excess > worstExcess) { worstExcess = excess; worst = i; }
        }
        var passed = worstExcess <= 0;
        var detail = actual.Length == 0
            ? "empty"
            : string.Create(CultureInfo.InvariantCulture,
                $"n={actual.Length} max|err|={maxAbs:G3} (atol {atol:G2}, rtol {rtol:G2}){(passed ? "" : $"; worst [{worst}] got {actual[worst]:G9} want {expected[worst]:G9}")}");
        return new CheckResult(name, passed, detail);
    }

    /// <summary>Bitwise equality (for exact ops and run-to-run determinism).</summary>
    public static CheckResult Bitwise(string name, ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        if (actual.Length != expected.Length)
            return new CheckResult(name, false, $"length {actual.Length} != expected {expected.Length}");
        for (var i = 0; i < actual.Length; i++)
            if (BitConverter.SingleToInt32Bits(actual[i]) != BitConverter.SingleToInt32Bits(expected[i]))
                return new CheckResult(name, false, string.Create(CultureInfo.InvariantCulture, $"[{i}] got {actual[i]:G9} want {expected[i]:G9} (bitwise)"));
        return new CheckResult(name, true, $"n={actual.Length} bitwise equal");
    }

    public static CheckResult All(string name, params CheckResult[] parts)
    {
        var failed = parts.Where(p => !p.Passed).ToArray();
        return failed.Length == 0
            ? new CheckResult(name, true, string.Join("; ", parts.Select(p => p.Detail)))
            : new CheckResult(name, false, string.Join("; ", failed.Select(p => $"{p.Name}: {p.Detail}")));
    }
}
