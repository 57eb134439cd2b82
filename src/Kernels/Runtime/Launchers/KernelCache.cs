namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>Kernel handles of one source file, resolved on first use and kept (ordinal string keys, no allocation on hits).</summary>
internal sealed class KernelCache(ICudaDriver driver, string sourceFile)
{
    private readonly Dictionary<string, KernelFunction> _functions = new(StringComparer.Ordinal);

    public KernelFunction this[string name]
    {
        get
        {
            if (_functions.TryGetValue(name, out var fn)) return fn;
            fn = driver.GetFunction(sourceFile, name);
            _functions[name] = fn;
            return fn;
        }
    }
}
