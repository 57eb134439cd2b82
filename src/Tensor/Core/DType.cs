namespace DyTox.Tensor;

/// <summary>Element types. Float32 is the fast path, Float64 the reference/gradient-check path,
/// Int32 holds labels and indices.</summary>
public enum DType
{
    Float32,
    Float64,
    Int32,
}

public static class DTypeExtensions
{
    public static int Size(this DType dtype) => dtype switch
    {
        DType.Float32 => 4,
        DType.Float64 => 8,
        DType.Int32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    public static bool IsFloating(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>The dtype of a CLR element type.</summary>
    public static DType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(int) ? DType.Int32
        : throw new NotSupportedException($"No tensor dtype for element type {typeof(T).Name}; expected float, double or int.");

    /// <summary>Machine epsilon, for tolerances derived from the dtype (engine guide §8).</summary>
    public static double Epsilon(this DType dtype) => dtype switch
    {
        DType.Float32 => 1.1920928955078125e-7,
        DType.Float64 => 2.220446049250313e-16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "not a floating dtype"),
    };
}
