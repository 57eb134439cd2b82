namespace DyTox.Metrics.Plots;

/// <summary>
/// One curve of a <see cref="LineChart"/>: y over x, with an optional ± <see cref="Spread"/> per point drawn as a
/// shaded band (e.g. the standard deviation over seeds or class orders).
/// </summary>
/// <param name="SegmentStarts">Indices where the line restarts (no segment joins the point before); null = one line.</param>
public sealed record ChartSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y, IReadOnlyList<double>? Spread = null,
                                 IReadOnlyList<int>? SegmentStarts = null)
{
    internal void Validate()
    {
        if (X.Count == 0 || X.Count != Y.Count || (Spread is not null && Spread.Count != Y.Count))
        {
            throw new ArgumentException(
                $"series \"{Label}\": needs as many y ({Y.Count}) and spread ({Spread?.Count}) values as x values ({X.Count}), at least one.");
        }
        if (X.Concat(Y).Concat(Spread ?? []).Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException($"series \"{Label}\" holds a non-finite value.");
        }
    }
}

/// <summary>
/// A line chart as in the continual-learning papers (accuracy vs classes seen, parameters vs steps): one coloured line
/// and marker style per series, ± bands, grid, axis titles and a legend on the right. Each series is an SVG group
/// <c>&lt;g class="series" data-label="…"&gt;</c>.
/// </summary>
public sealed class LineChart
{
    private const double Width = 700, Height = 420, Left = 64, Top = 44, Bottom = 52, LegendWidth = 190;

    // Tableau 10: distinguishable, and what matplotlib users expect.
    private static readonly string[] Palette =
        ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

    public required string Title { get; init; }
    public required string XTitle { get; init; }
    public required string YTitle { get; init; }
    public required IReadOnlyList<ChartSeries> Series { get; init; }

    /// <summary>Hard limits of the y axis (accuracies: 0 and 100).</summary>
    public double? YLowerLimit { get; init; }
    public double? YUpperLimit { get; init; }

    /// <summary>Starts the y axis at zero (parameter counts: growth reads true only against zero).</summary>
    public bool YIncludesZero { get; init; }

    public SvgDocument Render()
    {
        if (Series.Count == 0) throw new ArgumentException($"chart \"{Title}\" has no series.");
        foreach (var s in Series) s.Validate();
        double right = Width - LegendWidth, bottom = Height - Bottom;
        var xs = Series.SelectMany(s => s.X).Distinct().Order().ToArray();
        var lows = Series.SelectMany(s => s.Y.Select((y, i) => y - (s.Spread?[i] ?? 0)));
        var highs = Series.SelectMany(s => s.Y.Select((y, i) => y + (s.Spread?[i] ?? 0)));
        // The x axis spans the data exactly (the papers' axes end at the last step, e.g. 100 classes).
        var xScale = AxisScale.Fit(xs[0], xs[^1], Left + 12, right - 12, targetTicks: 8, xs.Length > 1 ? xs[0] : null, xs.Length > 1 ? xs[^1] : null);
        double yMin = lows.Min(), yMax = highs.Max();
        if (YIncludesZero) (yMin, yMax) = (Math.Min(0, yMin), Math.Max(0, yMax));
        var yScale = AxisScale.Fit(yMin, yMax, bottom, Top, targetTicks: 6, YLowerLimit, YUpperLimit);
        // Few distinct x values (classes seen, steps): label exactly those, like the papers do.
        var xTicks = xs.Length <= 12 ? xs : xScale.Ticks();

        var svg = new SvgDocument(Width, Height);
        svg.Text(Width / 2, 24, Title, 15, "middle", bold: true);
        svg.BeginGroup("grid");
        foreach (double y in yScale.Ticks())
        {
            double py = yScale.ToPixel(y);
            svg.Line(Left, py, right, py, "#e0e0e0");
            svg.Text(Left - 6, py + 4, yScale.Label(y), 11, "end");
        }
        foreach (double x in xTicks)
        {
            double px = xScale.ToPixel(x);
            svg.Line(px, bottom, px, bottom + 5, "#444444");
            svg.Text(px, bottom + 18, x.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture), 11, "middle");
        }
        svg.Line(Left, bottom, right, bottom, "#444444");
        svg.Line(Left, Top, Left, bottom, "#444444");
        svg.Text((Left + right) / 2, Height - 12, XTitle, 12, "middle");
        svg.Text(16, (Top + bottom) / 2, YTitle, 12, "middle", rotate: -90);
        svg.EndGroup();

        for (int k = 0; k < Series.Count; k++)
        {
            var s = Series[k];
            string color = Palette[k % Palette.Length];
            svg.BeginGroup("series", s.Label);
            if (s.Spread is { } spread && spread.Any(v => v > 0))
            {
                var upper = s.X.Select((x, i) => (xScale.ToPixel(x), yScale.ToPixel(Clamp(s.Y[i] + spread[i], yScale))));
                var lower = s.X.Select((x, i) => (xScale.ToPixel(x), yScale.ToPixel(Clamp(s.Y[i] - spread[i], yScale)))).Reverse();
                svg.Polygon(upper.Concat(lower).ToArray(), color, 0.18, "band");
            }
            var points = s.X.Select((x, i) => (xScale.ToPixel(x), yScale.ToPixel(s.Y[i]))).ToArray();
            var starts = (s.SegmentStarts ?? []).Where(i => i > 0 && i < points.Length).Append(points.Length).Distinct().Order().ToArray();
            int from = 0;
            foreach (int to in starts)
            {
                svg.Polyline(points[from..to], color);
                from = to;
            }
            foreach (var (px, py) in points) Marker(svg, k, px, py, color);
            svg.EndGroup();
        }

        svg.BeginGroup("legend");
        for (int k = 0; k < Series.Count; k++)
        {
            string color = Palette[k % Palette.Length];
            double y = Top + 8 + 20 * k;
            svg.Line(right + 14, y, right + 40, y, color, 2);
            Marker(svg, k, right + 27, y, color);
            svg.Text(right + 46, y + 4, Series[k].Label, 11);
        }
        svg.EndGroup();
        return svg;
    }

    private static double Clamp(double v, AxisScale scale) => Math.Clamp(v, scale.Min, scale.Max);

    /// <summary>Circle, square, triangle, diamond: a marker style per series, so the lines read in grey too.</summary>
    private static void Marker(SvgDocument svg, int series, double x, double y, string color)
    {
        const double r = 4;
        switch (series % 4)
        {
            case 0:
                svg.Circle(x, y, r, color);
                break;
            case 1:
                svg.Rect(x - r, y - r, 2 * r, 2 * r, color);
                break;
            case 2:
                svg.Polygon([(x, y - r - 1), (x + r + 1, y + r), (x - r - 1, y + r)], color);
                break;
            default:
                svg.Polygon([(x, y - r - 1), (x + r + 1, y), (x, y + r + 1), (x - r - 1, y)], color);
                break;
        }
    }
}
