using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// An ordered map from dotted parameter names to tensors. A dictionary returned by <see cref="Module.StateDict"/>
/// only refers to the live parameter values; one loaded from a file owns its tensors and disposes them.
/// </summary>
public sealed class StateDict : IEnumerable<KeyValuePair<string, TensorT>>, IDisposable
{
    private readonly List<KeyValuePair<string, TensorT>> entries = new();
    private readonly Dictionary<string, TensorT> byName = new(StringComparer.Ordinal);

    public StateDict(bool ownsTensors = false) => OwnsTensors = ownsTensors;

    public bool OwnsTensors { get; }
    public int Count => entries.Count;
    public IEnumerable<string> Keys => entries.Select(e => e.Key);

    public TensorT this[string name] =>
        byName.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"the state dict has no tensor '{name}'.");

    public void Add(string name, TensorT tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(tensor);
        if (!byName.TryAdd(name, tensor)) throw new ArgumentException($"the state dict already has a tensor '{name}'.", nameof(name));
        entries.Add(new(name, tensor));
    }

    public bool ContainsKey(string name) => byName.ContainsKey(name);

    public bool TryGetValue(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out TensorT tensor) =>
        byName.TryGetValue(name, out tensor);

    public IEnumerator<KeyValuePair<string, TensorT>> GetEnumerator() => entries.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public void Dispose()
    {
        if (OwnsTensors) foreach (var (_, t) in entries) t.Dispose();
        entries.Clear();
        byName.Clear();
    }
}
