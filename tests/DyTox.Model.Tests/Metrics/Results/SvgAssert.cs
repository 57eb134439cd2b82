using System.Xml.Linq;

namespace DyTox.Model.Tests.Metrics.Results;

/// <summary>Parses written SVG files and counts what the charts promise (series groups, heat-map cells).</summary>
internal static class SvgAssert
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    public static XDocument Load(string path)
    {
        Assert.That(File.Exists(path), $"{path} was not written");
        var doc = XDocument.Load(path); // throws if not well-formed XML
        Assert.That(doc.Root!.Name, Is.EqualTo(Svg + "svg"));
        return doc;
    }

    public static IReadOnlyList<XElement> Series(XDocument doc) =>
        doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "series").ToArray();

    public static IReadOnlyList<string> SeriesLabels(XDocument doc) =>
        Series(doc).Select(g => (string)g.Attribute("data-label")!).ToArray();

    public static int Cells(XDocument doc) =>
        doc.Descendants(Svg + "rect").Count(r => (string?)r.Attribute("class") == "cell");

    /// <summary>The y-axis tick labels, lowest first (right-aligned texts of the grid group).</summary>
    public static IReadOnlyList<string> YTickLabels(XDocument doc) =>
        doc.Descendants(Svg + "g").Where(g => (string?)g.Attribute("class") == "grid")
           .Descendants(Svg + "text").Where(t => (string?)t.Attribute("text-anchor") == "end").Select(t => t.Value).ToArray();

    public static IReadOnlyList<string> Texts(XDocument doc) => doc.Descendants(Svg + "text").Select(t => t.Value).ToArray();
}
