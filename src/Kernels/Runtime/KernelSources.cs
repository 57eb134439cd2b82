using System.Reflection;

namespace DyTox.Kernels.Runtime;

/// <summary>
/// The CUDA C sources of kernels/ (embedded into this assembly as "kernels/&lt;file&gt;"). NVRTC compiles
/// them for a real GPU; the emulator builds the same text with g++. Headers (*.cuh) are handed to both
/// by name, so nothing is read from disk at run time.
/// </summary>
public static class KernelSources
{
    private const string Prefix = "kernels/";
    private static readonly Assembly Owner = typeof(KernelSources).Assembly;
    private static readonly Lazy<IReadOnlyDictionary<string, string>> All = new(Load);

    /// <summary>Kernel source files (*.cu), by file name.</summary>
    public static IEnumerable<string> SourceFiles => All.Value.Keys.Where(k => k.EndsWith(".cu", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    /// <summary>Shared headers (*.cuh), by file name.</summary>
    public static IEnumerable<string> HeaderFiles => All.Value.Keys.Where(k => k.EndsWith(".cuh", StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    /// <summary>The text of <paramref name="file"/> (e.g. "softmax.cu" or "common.cuh").</summary>
    public static string Get(string file) =>
        All.Value.TryGetValue(file, out var text)
            ? text
            : throw new ArgumentException($"No kernel source '{file}' is embedded in {Owner.GetName().Name}; known: {string.Join(", ", All.Value.Keys.Order(StringComparer.Ordinal))}.", nameof(file));

    private static IReadOnlyDictionary<string, string> Load()
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var resource in Owner.GetManifestResourceNames())
        {
            if (!resource.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            using var stream = Owner.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            map[resource[Prefix.Length..]] = reader.ReadToEnd();
        }
        return map;
    }
}
