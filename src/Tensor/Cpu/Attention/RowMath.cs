using System.Numerics;
using System.Numerics.Tensors;

namespace DyTox.Tensor.Cpu.Attention;

/// <summary>Row operations shared by the attention kernels (vectorised through TensorPrimitives).</summary>
internal static class RowMath
{
    /// <summary>y = exp(x − max x) / Σ exp(x − max x). x and y may be the same span.</summary>
    public static void Softmax<T>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        T sum = TensorPrimitives.Sum<T>(y);
        TensorPrimitives.Divide(y, sum, y);
    }

    /// <summary>mix = keep·content + sigma·pos, returning Σ mix. The GPSA forward and backward both call this,
    /// so the backward sees exactly the forward's row sum.</summary>
    public static T Mix<T>(ReadOnlySpan<T> content, ReadOnlySpan<T> pos, T keep, T sigma, Span<T> mix)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        TensorPrimitives.Multiply(content, keep, mix);
        TensorPrimitives.MultiplyAdd(pos, sigma, mix, mix);
        return TensorPrimitives.Sum<T>(mix);
    }
}
