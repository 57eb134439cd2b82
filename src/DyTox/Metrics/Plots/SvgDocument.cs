using System.Globalization;
using System.Text;
using System.Xml;

namespace DyTox.Metrics.Plots;

/// <summary>
/// A small SVG writer over <see cref="XmlWriter"/> (escaping, well-formedness) with invariant number formatting,
/// so that the same chart always serialises to the same bytes (no timestamps, ids or culture-dependent text).
/// </summary>
public sealed class SvgDocument
{
    private readonly MemoryStream _buffer = new();
    private readonly XmlWriter _xml;
    private bool _finished;

    public SvgDocument(double width, double height)
    {
        _xml = XmlWriter.Create(_buffer, new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = " ",
            NewLineChars = "\n",
        });
        _xml.WriteStartDocument();
        _xml.WriteStartElement("svg", "http://www.w3.org/2000/svg");
        Attr("width", width);
        Attr("height", height);
        _xml.WriteAttributeString("viewBox", $"0 0 {N(width)} {N(height)}");
        _xml.WriteAttributeString("font-family", "DejaVu Sans, Arial, Helvetica, sans-serif");
        Rect(0, 0, width, height, "white");
    }

    /// <summary>Opens a group; <paramref name="cssClass"/> and <paramref name="label"/> let readers find the series.</summary>
    public void BeginGroup(string? cssClass = null, string? label = null)
    {
        _xml.WriteStartElement("g");
        if (cssClass is not null) _xml.WriteAttributeString("class", cssClass);
        if (label is not null) _xml.WriteAttributeString("data-label", label);
    }

    public void EndGroup() => _xml.WriteEndElement();

    public void Rect(double x, double y, double width, double height, string fill, string? stroke = null, string? cssClass = null)
    {
        _xml.WriteStartElement("rect");
        if (cssClass is not null) _xml.WriteAttributeString("class", cssClass);
        Attr("x", x);
        Attr("y", y);
        Attr("width", width);
        Attr("height", height);
        _xml.WriteAttributeString("fill", fill);
        if (stroke is not null) _xml.WriteAttributeString("stroke", stroke);
        _xml.WriteEndElement();
    }

    public void Line(double x1, double y1, double x2, double y2, string stroke, double strokeWidth = 1, string? dash = null)
    {
        _xml.WriteStartElement("line");
        Attr("x1", x1);
        Attr("y1", y1);
        Attr("x2", x2);
        Attr("y2", y2);
        _xml.WriteAttributeString("stroke", stroke);
        Attr("stroke-width", strokeWidth);
        if (dash is not null) _xml.WriteAttributeString("stroke-dasharray", dash);
        _xml.WriteEndElement();
    }

    /// <summary>An open line through the points.</summary>
    public void Polyline(IReadOnlyList<(double X, double Y)> points, string stroke, double strokeWidth = 2, string? dash = null)
    {
        _xml.WriteStartElement("polyline");
        _xml.WriteAttributeString("points", string.Join(' ', points.Select(p => $"{N(p.X)},{N(p.Y)}")));
        _xml.WriteAttributeString("fill", "none");
        _xml.WriteAttributeString("stroke", stroke);
        Attr("stroke-width", strokeWidth);
        if (dash is not null) _xml.WriteAttributeString("stroke-dasharray", dash);
        _xml.WriteEndElement();
    }

    /// <summary>A closed filled shape (bands, markers).</summary>
    public void Polygon(IReadOnlyList<(double X, double Y)> points, string fill, double fillOpacity = 1, string? cssClass = null)
    {
        _xml.WriteStartElement("polygon");
        if (cssClass is not null) _xml.WriteAttributeString("class", cssClass);
        _xml.WriteAttributeString("points", string.Join(' ', points.Select(p => $"{N(p.X)},{N(p.Y)}")));
        _xml.WriteAttributeString("fill", fill);
        if (fillOpacity < 1) Attr("fill-opacity", fillOpacity);
        _xml.WriteEndElement();
    }

    public void Circle(double cx, double cy, double r, string fill)
    {
        _xml.WriteStartElement("circle");
        Attr("cx", cx);
        Attr("cy", cy);
        Attr("r", r);
        _xml.WriteAttributeString("fill", fill);
        _xml.WriteEndElement();
    }

    /// <summary>Text; <paramref name="anchor"/> is start, middle or end; <paramref name="rotate"/> turns it about (x, y).</summary>
    public void Text(double x, double y, string text, double fontSize = 12, string anchor = "start", string fill = "#222222",
                     double rotate = 0, bool bold = false)
    {
        _xml.WriteStartElement("text");
        Attr("x", x);
        Attr("y", y);
        Attr("font-size", fontSize);
        _xml.WriteAttributeString("text-anchor", anchor);
        _xml.WriteAttributeString("fill", fill);
        if (bold) _xml.WriteAttributeString("font-weight", "bold");
        if (rotate != 0) _xml.WriteAttributeString("transform", $"rotate({N(rotate)} {N(x)} {N(y)})");
        _xml.WriteString(text);
        _xml.WriteEndElement();
    }

    /// <summary>Closes the document and returns its UTF-8 bytes (no byte-order mark, "\n" line ends).</summary>
    public byte[] ToBytes()
    {
        if (!_finished)
        {
            _xml.WriteEndElement();
            _xml.WriteEndDocument();
            _xml.Flush();
            _buffer.WriteByte((byte)'\n');
            _finished = true;
        }
        return _buffer.ToArray();
    }

    public void Save(string path)
    {
        string? dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        File.WriteAllBytes(path, ToBytes());
    }

    private void Attr(string name, double value) => _xml.WriteAttributeString(name, N(value));

    /// <summary>Coordinates with at most two decimals: plenty for pixels, and stable text.</summary>
    internal static string N(double value)
    {
        double rounded = Math.Round(value, 2, MidpointRounding.AwayFromZero);
        return (rounded == 0 ? 0 : rounded).ToString("0.##", CultureInfo.InvariantCulture);
    }
}
