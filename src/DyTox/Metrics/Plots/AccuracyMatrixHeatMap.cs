using System.Globalization;

namespace DyTox.Metrics.Plots;

/// <summary>
/// The accuracy matrix as a heat map with the values printed in the cells (Avalanche's <c>plot_metric_matrix</c>):
/// row i = after step i, column j = task j, white (0 %) to dark blue (100 %). Each measured entry is a
/// <c>&lt;rect class="cell"&gt;</c>; unmeasured entries (future tasks) stay blank.
/// </summary>
public static class AccuracyMatrixHeatMap
{
    private const double Left = 78, Top = 72, Right = 20, Bottom = 40;

    public static SvgDocument Render(AccuracyMatrix matrix, string title)
    {
        if (matrix.Steps == 0) throw new ArgumentException("the accuracy matrix has no rows to draw.");
        int columns = Enumerable.Range(0, matrix.Steps).Max(i => matrix.Row(i).Count);
        // Cells shrink for long runs (50 steps) so the figure stays readable on a page.
        double cell = Math.Clamp(560.0 / Math.Max(columns, matrix.Steps), 14, 56);
        // Wide enough for the title (bold 14 px DejaVu Sans is about 9 px per character).
        double width = Math.Max(Left + columns * cell + Right, 40 + 9 * title.Length), height = Top + matrix.Steps * cell + Bottom;
        double fontSize = Math.Min(12, cell * 0.3);

        var svg = new SvgDocument(width, height);
        svg.Text(width / 2, 22, title, 14, "middle", bold: true);
        svg.Text(Left + columns * cell / 2, Top - 22, "evaluated on task", 11, "middle");
        svg.Text(16, Top + matrix.Steps * cell / 2, "after training step", 11, "middle", rotate: -90);
        for (int j = 0; j < columns; j++)
        {
            svg.Text(Left + (j + 0.5) * cell, Top - 6, j.ToString(CultureInfo.InvariantCulture), fontSize, "middle");
        }
        for (int i = 0; i < matrix.Steps; i++)
        {
            svg.Text(Left - 6, Top + (i + 0.5) * cell + fontSize / 3, i.ToString(CultureInfo.InvariantCulture), fontSize, "end");
        }
        svg.BeginGroup("cells");
        for (int i = 0; i < matrix.Steps; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                if (!matrix.Has(i, j)) continue;
                double value = matrix[i, j];
                double x = Left + j * cell, y = Top + i * cell;
                svg.Rect(x, y, cell, cell, Color(value), "#ffffff", "cell");
                if (cell >= 22)
                {
                    svg.Text(x + cell / 2, y + cell / 2 + fontSize / 3, value.ToString("0.0", CultureInfo.InvariantCulture), fontSize,
                             "middle", value > 55 ? "#ffffff" : "#111111");
                }
            }
        }
        svg.EndGroup();
        return svg;
    }

    /// <summary>Linear blend from #f7fbff (0 %) to #08306b (100 %), matplotlib's "Blues" end points.</summary>
    internal static string Color(double percent)
    {
        double t = Math.Clamp(percent / 100, 0, 1);
        int r = (int)Math.Round(0xf7 + (0x08 - 0xf7) * t), g = (int)Math.Round(0xfb + (0x30 - 0xfb) * t), b = (int)Math.Round(0xff + (0x6b - 0xff) * t);
        return string.Create(CultureInfo.InvariantCulture, $"#{r:x2}{g:x2}{b:x2}");
    }
}
