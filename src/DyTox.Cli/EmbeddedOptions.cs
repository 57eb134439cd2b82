using System.Reflection;

namespace DyTox.Cli;

/// <summary>The option files shipped in options/ (embedded), addressable as "data/x.yaml", "model/y.yaml".</summary>
internal static class EmbeddedOptions
{
    public const string DefaultData = "data/fmnist_2-2.yaml";
    public const string DefaultModel = "model/fmnist_dytox.yaml";

    public static string? TryRead(string name)
    {
        var assembly = typeof(EmbeddedOptions).Assembly;
        using var stream = assembly.GetManifestResourceStream("options/" + name.Replace('\\', '/'));
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static IEnumerable<string> Names() =>
        typeof(EmbeddedOptions).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("options/", StringComparison.Ordinal))
            .Select(n => n["options/".Length..])
            .Order(StringComparer.Ordinal);
}
