namespace DyTox.Tensor.Cpu;

// Argument checks shared by the op families: each names the op, the argument and what was expected.
public sealed partial class CpuBackend
{
    /// <summary>A live CPU tensor (any layout).</summary>
    internal static void RequireCpu(Tensor t, string name)
    {
        t.ThrowIfDisposed();
        if (t.Device.Kind != DeviceKind.Cpu) throw new ArgumentException($"{name} is on {t.Device}; the CPU backend needs CPU tensors.");
    }

    /// <summary>The floating dtype of the first tensor, which every other floating tensor of the op must share.</summary>
    internal static DType FloatingDType(string op, Tensor first, string firstName, params (Tensor? Tensor, string Name)[] others)
    {
        if (!first.DType.IsFloating())
            throw new ArgumentException($"{op}: {firstName} is {first.DType}; expected Float32 or Float64.");
        foreach (var (t, name) in others)
            if (t is not null && t.DType != first.DType)
                throw new ArgumentException($"{op}: {name} is {t.DType}; expected {first.DType} like {firstName}.");
        return first.DType;
    }

    internal static void RequireSameShape(string op, Tensor expected, string expectedName, Tensor actual, string actualName)
    {
        if (!actual.Shape.SequenceEqual(expected.Shape))
            throw new ArgumentException($"{op}: {actualName} has shape {Shape.Format(actual.Shape)}; expected {Shape.Format(expected.Shape)} (the shape of {expectedName}).");
    }

    internal static void RequireShape(string op, Tensor t, string name, ReadOnlySpan<int> shape)
    {
        if (!t.Shape.SequenceEqual(shape))
            throw new ArgumentException($"{op}: {name} has shape {Shape.Format(t.Shape)}; expected {Shape.Format(shape)}.");
    }

    internal static void RequireScalar(string op, Tensor t, string name)
    {
        if (t.Numel != 1)
            throw new ArgumentException($"{op}: {name} has shape {Shape.Format(t.Shape)}; expected a scalar [1].");
    }

    internal static void RequireInt32(string op, Tensor t, string name)
    {
        if (t.DType != DType.Int32) throw new ArgumentException($"{op}: {name} is {t.DType}; expected Int32.");
    }

    /// <summary>Checks contiguity and device of every tensor (null entries are skipped).</summary>
    internal static void RequireContiguous(params (Tensor? Tensor, string Name)[] tensors)
    {
        foreach (var (t, name) in tensors)
            if (t is not null) RequireCpuContiguous(t, name);
    }

    /// <summary>Rows and width of a tensor seen as [rows, last axis].</summary>
    internal static (int Rows, int Width) RowsOf(string op, Tensor t, string name)
    {
        if (t.Rank == 0) throw new ArgumentException($"{op}: {name} is rank 0; expected at least one axis.");
        int width = t.Shape[t.Rank - 1];
        int rows = width == 0 ? 0 : checked((int)(t.Numel / width));
        return (rows, width);
    }

    /// <summary>The shape without its last axis (the per-row statistics' shape).</summary>
    internal static int[] LeadingShape(Tensor t) => t.Shape[..^1].ToArray();
}
