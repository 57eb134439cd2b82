namespace DyTox.Tensor.IO;

/// <summary>
/// One named tensor of a safetensors file: dtype name (see <see cref="SafeTensorDTypes"/>),
/// row-major shape and the raw little-endian bytes of its elements.
/// </summary>
public sealed record SafeTensorEntry(string Name, string DType, long[] Shape, byte[] Data)
{
    /// <summary>Product of the shape (1 for a scalar with an empty shape).</summary>
    public long ElementCount => SafeTensorShape.ElementCount(Shape);
}

internal static class SafeTensorShape
{
    /// <summary>Product of the dimensions; throws on negative dimensions or overflow.</summary>
    public static long ElementCount(long[] shape)
    {
        long count = 1;
        foreach (long dim in shape)
        {
            if (dim < 0) throw new ArgumentException($"Shape [{Format(shape)}] has a negative dimension.");
            count = checked(count * dim);
        }
        return count;
    }

    public static string Format(long[] shape) => string.Join(", ", shape);
}
