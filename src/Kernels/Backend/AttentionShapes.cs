using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>Argument validation of the attention reference paths: clear messages naming the input.</summary>
internal static class AttentionShapes
{
    public static void Require(Tensor t, string name, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        t.ThrowIfDisposed();
        if (t.DType == DType.Float64) throw new NotSupportedException($"{name} is Float64; {CudaBackend.Float64Message}.");
        if (t.DType != DType.Float32) throw new ArgumentException($"{name} is {t.DType}; expected Float32.", name);
        if (!t.IsContiguous) throw new ArgumentException($"{name} ({t.Describe()}) must be contiguous.", name);
        if (!t.Shape.SequenceEqual(shape))
            throw new ArgumentException($"{name} has shape {Shape.Format(t.Shape)}; expected {Shape.Format(shape)}.", name);
    }

    public static void RequireRank(Tensor t, string name, int rank, string layout)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (t.Rank != rank) throw new ArgumentException($"{name} has shape {Shape.Format(t.Shape)}; expected {layout}.", name);
    }

    public static int HeadDim(int heads, int dim, string dimName)
    {
        if (heads <= 0 || dim % heads != 0)
            throw new ArgumentOutOfRangeException(nameof(heads), $"heads = {heads} must be positive and divide {dimName} = {dim}.");
        return dim / heads;
    }

    public static void RequireScale(double scale)
    {
        if (!double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), $"scale = {scale} must be finite.");
    }
}
