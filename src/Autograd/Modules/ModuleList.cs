namespace DyTox.Autograd;

/// <summary>An indexed list of sub-modules named "0", "1", … (torch nn.ModuleList).</summary>
public sealed class ModuleList<T> : Module where T : Module
{
    private readonly List<T> items = new();

    public ModuleList(IEnumerable<T>? modules = null)
    {
        if (modules is not null) foreach (var m in modules) Add(m);
    }

    public int Count => items.Count;
    public T this[int index] => items[index];

    public T Add(T module)
    {
        RegisterModule(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        items.Add(module);
        return module;
    }

    /// <summary>Replaces entry <paramref name="index"/>; the old module is returned, not disposed.</summary>
    public T Replace(int index, T module)
    {
        ReplaceModule(index.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        var old = items[index];
        items[index] = module;
        return old;
    }

    public IEnumerator<T> GetEnumerator() => items.GetEnumerator();
}
