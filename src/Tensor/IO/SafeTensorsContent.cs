namespace DyTox.Tensor.IO;

/// <summary>Everything a safetensors file holds: its tensors (in data order) and the optional string metadata.</summary>
public sealed class SafeTensorsContent
{
    private readonly Dictionary<string, SafeTensorEntry> _byName;

    public SafeTensorsContent(IReadOnlyList<SafeTensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        Tensors = tensors;
        Metadata = metadata;
        _byName = new Dictionary<string, SafeTensorEntry>(tensors.Count, StringComparer.Ordinal);
        foreach (var t in tensors)
            if (!_byName.TryAdd(t.Name, t))
                throw new ArgumentException($"Duplicate tensor name '{t.Name}'.", nameof(tensors));
    }

    /// <summary>The tensors in the order their bytes appear in the file.</summary>
    public IReadOnlyList<SafeTensorEntry> Tensors { get; }

    /// <summary>The "__metadata__" map, or null when the file has none.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; }

    /// <summary>Tensor names in data order.</summary>
    public IEnumerable<string> Names => Tensors.Select(t => t.Name);

    public bool Contains(string name) => _byName.ContainsKey(name);

    public bool TryGet(string name, out SafeTensorEntry entry) => _byName.TryGetValue(name, out entry!);

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">No such tensor.</exception>
    public SafeTensorEntry this[string name] =>
        _byName.TryGetValue(name, out var entry)
            ? entry
            : throw new KeyNotFoundException($"No tensor named '{name}' (the file holds {Tensors.Count} tensors).");
}
