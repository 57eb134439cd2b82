using System.Globalization;

namespace DyTox.Metrics.Plots;

/// <summary>
/// A linear axis: a data range widened to "nice" tick steps (1, 2, 2.5 or 5 × 10^k), mapped onto a pixel range.
/// </summary>
public sealed class AxisScale
{
    private AxisScale(double min, double max, double step, double pixelStart, double pixelEnd)
    {
        Min = min;
        Max = max;
        Step = step;
        PixelStart = pixelStart;
        PixelEnd = pixelEnd;
    }

    public double Min { get; }
    public double Max { get; }
    public double Step { get; }
    public double PixelStart { get; }
    public double PixelEnd { get; }

    /// <summary>
    /// Covers [<paramref name="dataMin"/>, <paramref name="dataMax"/>] with about <paramref name="targetTicks"/> ticks; optional
    /// hard limits clip the widened range (e.g. accuracies never beyond 100).
    /// </summary>
    public static AxisScale Fit(double dataMin, double dataMax, double pixelStart, double pixelEnd, int targetTicks = 6,
                                double? lowerLimit = null, double? upperLimit = null)
    {
        if (!double.IsFinite(dataMin) || !double.IsFinite(dataMax) || dataMin > dataMax)
        {
            throw new ArgumentException($"axis range [{dataMin}, {dataMax}] is not a finite range.");
        }
        if (dataMin == dataMax)
        {
            double pad = Math.Abs(dataMin) > 0 ? Math.Abs(dataMin) * 0.05 : 1;
            dataMin -= pad;
            dataMax += pad;
        }
        double step = NiceStep((dataMax - dataMin) / Math.Max(1, targetTicks - 1));
        double min = Math.Floor(dataMin / step) * step;
        double max = Math.Ceiling(dataMax / step) * step;
        if (lowerLimit is double lo && min < lo) min = lo;
        if (upperLimit is double hi && max > hi) max = hi;
        if (max <= min) max = min + step;
        return new AxisScale(min, max, step, pixelStart, pixelEnd);
    }

    /// <summary>The pixel position of a data value.</summary>
    public double ToPixel(double value) => PixelStart + (value - Min) / (Max - Min) * (PixelEnd - PixelStart);

    /// <summary>Tick values: the multiples of <see cref="Step"/> inside [Min, Max].</summary>
    public IReadOnlyList<double> Ticks()
    {
        var ticks = new List<double>();
        long first = (long)Math.Ceiling(Min / Step - 1e-9), last = (long)Math.Floor(Max / Step + 1e-9);
        for (long k = first; k <= last; k++)
        {
            ticks.Add(k * Step);
        }
        return ticks;
    }

    /// <summary>A tick label with as many decimals as the step needs (2.5 → one, 0.25 → two).</summary>
    public string Label(double value)
    {
        int decimals = 0;
        while (decimals < 6 && Math.Abs(Math.Round(Step, decimals) - Step) > 1e-9 * Step) decimals++;
        double v = Math.Round(value, decimals);
        return (v == 0 ? 0 : v).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private static double NiceStep(double rough)
    {
        if (rough <= 0) return 1;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        double fraction = rough / magnitude;
        double nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }
}
