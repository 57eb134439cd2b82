using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace DyTox.Options;

/// <summary>Converts a YAML node into the CLR value of an <see cref="OptionKind"/> (YAML 1.1 scalars as PyYAML reads them).</summary>
internal static class OptionValueParser
{
    /// <summary>Returns the converted value, or throws <see cref="FormatException"/> describing what was found.</summary>
    public static object? Convert(YamlNode node, OptionKind kind)
    {
        switch (kind)
        {
            case OptionKind.Int:
                return ParseInt(Scalar(node));
            case OptionKind.NullableInt:
                return IsNull(node) ? null : ParseInt(Scalar(node));
            case OptionKind.Float:
                return ParseFloat(Scalar(node));
            case OptionKind.NullableFloat:
                return IsNull(node) ? null : ParseFloat(Scalar(node));
            case OptionKind.Bool:
                return ParseBool(Scalar(node));
            case OptionKind.String:
                if (IsNull(node))
                {
                    throw new FormatException("null");
                }
                return Scalar(node).Value ?? "";
            case OptionKind.NullableString:
                return IsNull(node) ? null : Scalar(node).Value ?? "";
            case OptionKind.StringList:
                if (node is YamlScalarNode single && !IsNull(node))
                {
                    return new[] { single.Value ?? "" };
                }
                return Sequence(node).Select(n => Scalar(n).Value ?? "").ToArray();
            case OptionKind.IntList:
                return Sequence(node).Select(n => ParseInt(Scalar(n))).ToArray();
            case OptionKind.NullableFloatList:
                return IsNull(node) ? null : Sequence(node).Select(n => ParseFloat(Scalar(n))).ToArray();
            case OptionKind.ClassOrder:
                return ParseClassOrder(node);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, null);
        }
    }

    public static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s when IsNull(s) => "null",
        YamlScalarNode s => $"\"{s.Value}\"",
        YamlSequenceNode q => $"a list of {q.Children.Count} items",
        YamlMappingNode => "a mapping",
        _ => node.NodeType.ToString(),
    };

    public static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } s
        && (s.Value is null or "" or "~" or "null" or "Null" or "NULL");

    private static IReadOnlyList<IReadOnlyList<int>>? ParseClassOrder(YamlNode node)
    {
        if (IsNull(node))
        {
            return null;
        }
        var seq = Sequence(node);
        if (seq.Count == 0)
        {
            throw new FormatException("an empty list");
        }
        if (seq.All(n => n is YamlSequenceNode))
        {
            return seq.Select(n => (IReadOnlyList<int>)Sequence(n).Select(x => ParseInt(Scalar(x))).ToArray()).ToArray();
        }
        return [seq.Select(n => ParseInt(Scalar(n))).ToArray()];
    }

    private static YamlScalarNode Scalar(YamlNode node) =>
        node as YamlScalarNode ?? throw new FormatException(Describe(node));

    private static IReadOnlyList<YamlNode> Sequence(YamlNode node) =>
        node is YamlSequenceNode seq ? seq.Children.ToArray() : throw new FormatException(Describe(node));

    private static int ParseInt(YamlScalarNode s)
    {
        if (s.Style == YamlDotNet.Core.ScalarStyle.Plain
            && int.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v))
        {
            return v;
        }
        throw new FormatException($"\"{s.Value}\"");
    }

    private static double ParseFloat(YamlScalarNode s)
    {
        string text = s.Value ?? "";
        if (s.Style == YamlDotNet.Core.ScalarStyle.Plain)
        {
            switch (text)
            {
                case ".inf" or ".Inf" or ".INF" or "+.inf":
                    return double.PositiveInfinity;
                case "-.inf" or "-.Inf" or "-.INF":
                    return double.NegativeInfinity;
                case ".nan" or ".NaN" or ".NAN":
                    return double.NaN;
            }
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v))
            {
                return v;
            }
        }
        throw new FormatException($"\"{text}\"");
    }

    private static bool ParseBool(YamlScalarNode s)
    {
        if (s.Style == YamlDotNet.Core.ScalarStyle.Plain)
        {
            switch (s.Value?.ToLowerInvariant())
            {
                case "true" or "yes" or "on":
                    return true;
                case "false" or "no" or "off":
                    return false;
            }
        }
        throw new FormatException($"\"{s.Value}\"");
    }
}
