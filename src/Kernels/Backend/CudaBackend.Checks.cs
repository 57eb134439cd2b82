using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

// Argument checks shared by the op families: each names the op, the argument and what was expected.
public sealed partial class CudaBackend
{
    internal const string Float64Message = "the CUDA backend runs float32; use the CPU backend for float64";

    /// <summary>A live tensor of this backend's device (any layout).</summary>
    private void RequireDevice(Tensor t, string op, string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        t.ThrowIfDisposed();
        if (t.Device.Kind != DeviceKind.Cuda)
            throw new ArgumentException($"{op}: {name} is on {t.Device}; the CUDA backend needs tensors on {Device}.");
    }

    /// <summary>A live contiguous tensor of this device.</summary>
    private void RequireContiguous(Tensor t, string op, string name)
    {
        RequireDevice(t, op, name);
        if (!t.IsContiguous) throw new ArgumentException($"{op}: {name} ({t.Describe()}) must be contiguous.");
    }

    /// <summary>A contiguous float32 tensor (float64 gets the NotSupportedException every op gives it).</summary>
    private void RequireF32(Tensor? t, string op, string name)
    {
        if (t is null) return;
        RequireContiguous(t, op, name);
        RequireF32Type(t, op, name);
    }

    private static void RequireF32Type(Tensor t, string op, string name)
    {
        if (t.DType == DType.Float64) throw new NotSupportedException($"{op}: {name} is Float64; {Float64Message}.");
        if (t.DType != DType.Float32) throw new ArgumentException($"{op}: {name} is {t.DType}; expected Float32.");
    }

    private static void RequireInt32(Tensor t, string op, string name)
    {
        if (t.DType != DType.Int32) throw new ArgumentException($"{op}: {name} is {t.DType}; expected Int32.");
    }

    private static void RequireSameShape(string op, Tensor expected, string expectedName, Tensor actual, string actualName)
    {
        if (!actual.Shape.SequenceEqual(expected.Shape))
            throw new ArgumentException($"{op}: {actualName} has shape {Shape.Format(actual.Shape)}; expected {Shape.Format(expected.Shape)} (the shape of {expectedName}).");
    }

    private static void RequireShape(string op, Tensor t, string name, ReadOnlySpan<int> shape)
    {
        if (!t.Shape.SequenceEqual(shape))
            throw new ArgumentException($"{op}: {name} has shape {Shape.Format(t.Shape)}; expected {Shape.Format(shape)}.");
    }

    private static void RequireScalar(string op, Tensor t, string name)
    {
        if (t.Numel != 1) throw new ArgumentException($"{op}: {name} has shape {Shape.Format(t.Shape)}; expected a scalar [1].");
    }

    /// <summary>Rows and width of a tensor seen as [rows, last axis].</summary>
    private static (int Rows, int Width) RowsOf(string op, Tensor t, string name)
    {
        if (t.Rank == 0) throw new ArgumentException($"{op}: {name} is rank 0; expected at least one axis.");
        int width = t.Shape[t.Rank - 1];
        int rows = width == 0 ? 0 : checked((int)(t.Numel / width));
        return (rows, width);
    }

    /// <summary>x seen as [outer, extent, inner] around one axis.</summary>
    private static (long Outer, int Extent, long Inner) AroundAxis(Tensor x, int axis)
    {
        long outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= x.Shape[i];
        for (int i = axis + 1; i < x.Rank; i++) inner *= x.Shape[i];
        return (outer, x.Shape[axis], inner);
    }
}
