namespace DyTox.Tensor;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost active scope, and disposes
/// them together (TorchSharp's dispose scopes). Results escape with <see cref="Detach"/> (they then
/// belong to the enclosing scope, or to nobody at the top level). A training step runs inside one scope,
/// so all its temporaries go back to the memory pool at the end of the step.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? current;
    private readonly TensorScope? outer;
    private readonly List<Tensor> owned = new();
    private bool closed;

    private TensorScope()
    {
        outer = current;
        current = this;
    }

    /// <summary>Opens a scope on this thread; dispose it to free what was created inside.</summary>
    public static TensorScope Begin() => new();

    /// <summary>True when a scope is active on this thread.</summary>
    public static bool IsActive => current is not null;

    /// <summary>Number of live tensors this scope would dispose.</summary>
    public int Count => owned.Count;

    internal static void Register(Tensor tensor) => current?.owned.Add(tensor);

    /// <summary>Moves <paramref name="tensor"/> out of this scope into the enclosing one (if any).</summary>
    public T Detach<T>(T tensor) where T : class
    {
        if (tensor is Tensor t)
        {
            int i = owned.LastIndexOf(t);
            if (i >= 0) owned.RemoveAt(i);
            outer?.owned.Add(t);
        }
        return tensor;
    }

    /// <summary>Runs <paramref name="body"/> with no scope active, so what it creates outlives this scope.</summary>
    public static T Unscoped<T>(Func<T> body)
    {
        var saved = current;
        current = null;
        try { return body(); }
        finally { current = saved; }
    }

    public void Dispose()
    {
        if (closed) return;
        // Check the order before marking the scope closed: an out-of-order Dispose throws and leaves the
        // scope open, so the correct Dispose that follows still pops it.
        if (current != this) throw new InvalidOperationException("TensorScope disposed out of order: inner scopes must be disposed first.");
        closed = true;
        current = outer;
        for (int i = owned.Count - 1; i >= 0; i--) owned[i].Dispose();
        owned.Clear();
    }
}
