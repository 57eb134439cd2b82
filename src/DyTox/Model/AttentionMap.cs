using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Model;

/// <summary>
/// A dense row-major array of attention weights copied to the host, with its shape. Float32 whatever the model's
/// dtype: maps are for looking at, and float32 keeps a CIFAR snapshot (5 SABs × [B, 12, 64, 64] × 2) small.
/// </summary>
public sealed class AttentionMap
{
    public AttentionMap(float[] values, int[] shape)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shape);
        long numel = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"AttentionMap: negative extent in shape [{string.Join(", ", shape)}].", nameof(shape));
            numel *= d;
        }
        if (numel != values.Length)
            throw new ArgumentException($"AttentionMap: shape [{string.Join(", ", shape)}] holds {numel} values; got {values.Length}.", nameof(values));
        Values = values;
        Shape = shape;
    }

    public float[] Values { get; }
    public int[] Shape { get; }
    public int Rank => Shape.Length;

    /// <summary>The contiguous last-axis row at the leading indices (e.g. map[b, h, i] → the N weights of query i).</summary>
    public ReadOnlySpan<float> Row(params int[] leading)
    {
        if (leading.Length != Rank - 1)
            throw new ArgumentException($"AttentionMap.Row needs {Rank - 1} leading indices for shape [{string.Join(", ", Shape)}]; got {leading.Length}.", nameof(leading));
        long offset = 0;
        for (int a = 0; a < leading.Length; a++)
        {
            if ((uint)leading[a] >= (uint)Shape[a])
                throw new ArgumentOutOfRangeException(nameof(leading), $"index {leading[a]} on axis {a} of shape [{string.Join(", ", Shape)}].");
            offset = offset * Shape[a] + leading[a];
        }
        int width = Shape[^1];
        return Values.AsSpan(checked((int)(offset * width)), width);
    }

    /// <summary>The sub-array at index <paramref name="index"/> of the first axis (a copy).</summary>
    public AttentionMap Slice(int index)
    {
        if (Rank < 1 || (uint)index >= (uint)Shape[0])
            throw new ArgumentOutOfRangeException(nameof(index), index, $"AttentionMap of shape [{string.Join(", ", Shape)}] has no index {index} on axis 0.");
        int inner = Values.Length / Shape[0];
        return new AttentionMap(Values.AsSpan(index * inner, inner).ToArray(), Shape[1..]);
    }

    /// <summary>Copies a floating tensor (any backend) to the host as float32.</summary>
    public static AttentionMap FromTensor(TensorT tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        float[] values = tensor.DType switch
        {
            DType.Float32 => tensor.ToArray<float>(),
            DType.Float64 => Array.ConvertAll(tensor.ToArray<double>(), v => (float)v),
            _ => throw new ArgumentException($"AttentionMap: expected a floating tensor; got {tensor.Describe()}.", nameof(tensor)),
        };
        return new AttentionMap(values, tensor.ShapeArray());
    }
}
