using System.Globalization;

namespace DyTox.Metrics.Results;

/// <summary>Mean and sample standard deviation (n − 1) of a group of runs; <see cref="Std"/> is null for a single run.</summary>
public readonly record struct MeanStd(double Mean, double? Std, int Count)
{
    public static MeanStd Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) throw new ArgumentException("mean ± std of no value.");
        double mean = values.Average();
        if (values.Count == 1) return new MeanStd(mean, null, 1);
        double squares = values.Sum(v => (v - mean) * (v - mean));
        return new MeanStd(mean, Math.Sqrt(squares / (values.Count - 1)), values.Count);
    }

    /// <summary>"83.17 ± 1.20", or "83.17" for one run; values scaled by 1/<paramref name="divisor"/>.</summary>
    public string Format(string format = "F2", double divisor = 1) =>
        (Mean / divisor).ToString(format, CultureInfo.InvariantCulture)
        + (Std is double s ? " ± " + (s / divisor).ToString(format, CultureInfo.InvariantCulture) : "");
}
