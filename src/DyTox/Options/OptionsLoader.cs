using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DyTox.Options;

/// <summary>
/// Loads stacked option files the way the reference's <c>--options a.yaml b.yaml …</c> does: files are
/// applied in order on top of the defaults, later files override earlier ones, and a key that is not an
/// option is an error naming the key and the file. Command-line overrides are applied afterwards with
/// <see cref="DyToxOptions.Set"/> (unlike the reference, where YAML values beat the command line).
/// </summary>
public static class OptionsLoader
{
    /// <summary>Defaults, then every file in order.</summary>
    public static DyToxOptions Load(params IReadOnlyList<string> files)
    {
        var options = new DyToxOptions();
        foreach (string file in files)
        {
            ApplyFile(options, file);
        }
        return options;
    }

    /// <summary>Applies one YAML file on top of <paramref name="options"/>.</summary>
    public static void ApplyFile(DyToxOptions options, string file)
    {
        if (!File.Exists(file))
        {
            throw new OptionsException($"{file}: option file not found.");
        }
        ApplyYaml(options, File.ReadAllText(file), file);
    }

    /// <summary>Applies YAML text; <paramref name="source"/> names it in errors and in <see cref="DyToxOptions.SourceOf"/>.</summary>
    public static void ApplyYaml(DyToxOptions options, string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new OptionsException($"{source}: invalid YAML at line {e.Start.Line}: {e.Message}");
        }
        if (stream.Documents.Count == 0)
        {
            return; // an empty file sets nothing (PyYAML would return None and the reference would crash)
        }
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            if (stream.Documents[0].RootNode is YamlScalarNode s && OptionValueParser.IsNull(s))
            {
                return;
            }
            throw new OptionsException($"{source}: the top level must be a mapping of option keys to values.");
        }
        foreach (var (keyNode, valueNode) in root.Children)
        {
            string key = (keyNode as YamlScalarNode)?.Value
                ?? throw new OptionsException($"{source}: line {keyNode.Start.Line}: option keys must be plain strings.");
            options.SetNode(key, valueNode, $"{source}", keyNode.Start.Line);
        }
    }

    /// <summary>The reference's default run name: the option file names without extension, joined by '_'.</summary>
    public static string DefaultRunName(IEnumerable<string> files) =>
        string.Join("_", files.Select(f => Path.GetFileNameWithoutExtension(f.Split('/')[^1])));
}
