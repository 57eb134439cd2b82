using DyTox.Metrics;
using DyTox.Metrics.Plots;

namespace DyTox.Model.Tests.Metrics.Results;

/// <summary>The hand-made SVG charts: axis ranges and ticks, series and bands, heat-map cells, input checks.</summary>
public class PlotTests
{
    [Test]
    public void AxisWidensToNiceTicksWithinLimits()
    {
        var y = AxisScale.Fit(43.2, 97.5, 400, 40, targetTicks: 6, lowerLimit: 0, upperLimit: 100);
        // rough step 54.3 / 5 = 10.9 → the next nice step is 20; the range snaps to its multiples.
        Assert.That((y.Min, y.Max, y.Step), Is.EqualTo((40.0, 100.0, 20.0)));
        Assert.That(y.Ticks(), Is.EqualTo(new[] { 40.0, 60, 80, 100 }));
        Assert.That(y.ToPixel(40), Is.EqualTo(400));
        Assert.That(y.ToPixel(100), Is.EqualTo(40));
        Assert.That(y.Label(60), Is.EqualTo("60"));
        var small = AxisScale.Fit(0, 1.2, 0, 100);
        Assert.That(small.Step, Is.EqualTo(0.25));
        Assert.That(small.Label(0.75), Is.EqualTo("0.75"));
        var flat = AxisScale.Fit(50, 50, 0, 100);
        Assert.That(flat.Min, Is.LessThan(50));
        Assert.That(flat.Max, Is.GreaterThan(50));
        Assert.Throws<ArgumentException>(() => AxisScale.Fit(double.NaN, 1, 0, 1));
    }

    [Test]
    public void LineChartDrawsOneGroupPerSeriesWithBands()
    {
        var chart = new LineChart
        {
            Title = "t & <co>", XTitle = "x", YTitle = "y",
            Series = [new ChartSeries("a", [1, 2, 3], [10, 20, 30], [1, 2, 0]), new ChartSeries("b", [1, 2, 3], [5, 6, 7])],
        };
        var doc = System.Xml.Linq.XDocument.Parse(System.Text.Encoding.UTF8.GetString(chart.Render().ToBytes()));
        var series = doc.Descendants().Where(e => e.Name.LocalName == "g" && (string?)e.Attribute("class") == "series").ToArray();
        Assert.That(series.Select(s => (string)s.Attribute("data-label")!), Is.EqualTo(new[] { "a", "b" }));
        Assert.That(series[0].Elements().Count(e => e.Name.LocalName == "polyline"), Is.EqualTo(1));
        Assert.That(series[0].Elements().Count(e => (string?)e.Attribute("class") == "band"), Is.EqualTo(1));
        Assert.That(series[1].Elements().Count(e => (string?)e.Attribute("class") == "band"), Is.Zero);
        Assert.That(doc.Descendants().Any(e => e.Value == "t & <co>"), "title escaped, not broken");
    }

    [Test]
    public void SeriesOfMismatchedLengthsAreRejected()
    {
        var chart = new LineChart { Title = "t", XTitle = "x", YTitle = "y", Series = [new ChartSeries("bad", [1, 2], [1])] };
        var e = Assert.Throws<ArgumentException>(() => chart.Render());
        Assert.That(e!.Message, Does.Contain("\"bad\""));
        Assert.Throws<ArgumentException>(() => new LineChart { Title = "t", XTitle = "x", YTitle = "y", Series = [] }.Render());
    }

    [Test]
    public void HeatMapHasOneCellPerMeasuredEntry()
    {
        var m = AccuracyMatrix.FromPercentages([[100], [0, 50], [25, 50, 75]]);
        var doc = System.Xml.Linq.XDocument.Parse(System.Text.Encoding.UTF8.GetString(AccuracyMatrixHeatMap.Render(m, "m").ToBytes()));
        var cells = doc.Descendants().Where(e => (string?)e.Attribute("class") == "cell").ToArray();
        Assert.That(cells, Has.Length.EqualTo(6));
        Assert.That((string)cells[0].Attribute("fill")!, Is.EqualTo("#08306b"), "100 % is the darkest blue");
        Assert.That((string)cells[1].Attribute("fill")!, Is.EqualTo("#f7fbff"), "0 % is white-blue");
    }
}
