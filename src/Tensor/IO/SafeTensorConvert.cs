using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DyTox.Tensor.IO;

/// <summary>
/// Typed views of and conversions between <see cref="SafeTensorEntry"/> byte buffers and .NET arrays.
/// Views reinterpret the little-endian bytes in place; the To*/From* methods copy.
/// </summary>
public static class SafeTensorConvert
{
    /// <summary>The F32 data reinterpreted as floats, without copying.</summary>
    public static ReadOnlySpan<float> AsSingles(SafeTensorEntry entry) => View<float>(entry, SafeTensorDTypes.F32);

    /// <summary>The F64 data reinterpreted as doubles, without copying.</summary>
    public static ReadOnlySpan<double> AsDoubles(SafeTensorEntry entry) => View<double>(entry, SafeTensorDTypes.F64);

    /// <summary>The I64 data reinterpreted as longs, without copying.</summary>
    public static ReadOnlySpan<long> AsInt64s(SafeTensorEntry entry) => View<long>(entry, SafeTensorDTypes.I64);

    /// <summary>Copies a floating-point tensor (F32, F64, F16 or BF16) into a float array (F64 is rounded).</summary>
    public static float[] ToSingles(SafeTensorEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return entry.DType switch
        {
            SafeTensorDTypes.F32 => AsSingles(entry).ToArray(),
            SafeTensorDTypes.F64 => Narrow(AsDoubles(entry)),
            SafeTensorDTypes.F16 or SafeTensorDTypes.BF16 => HalfWidthToSingles(entry),
            _ => throw NotFloat(entry),
        };
    }

    /// <summary>Copies a floating-point tensor (F64, F32, F16 or BF16) into a double array (exact widening).</summary>
    public static double[] ToDoubles(SafeTensorEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.DType == SafeTensorDTypes.F64) return AsDoubles(entry).ToArray();
        if (entry.DType is not (SafeTensorDTypes.F32 or SafeTensorDTypes.F16 or SafeTensorDTypes.BF16)) throw NotFloat(entry);
        float[] singles = ToSingles(entry);
        var result = new double[singles.Length];
        for (int i = 0; i < singles.Length; i++) result[i] = singles[i];
        return result;
    }

    /// <summary>Copies an integer or boolean tensor (I64, I32, I16, I8, U8, BOOL) into a long array.</summary>
    public static long[] ToInt64s(SafeTensorEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        CheckLength(entry);
        ReadOnlySpan<byte> b = entry.Data;
        return entry.DType switch
        {
            SafeTensorDTypes.I64 => AsInt64s(entry).ToArray(),
            SafeTensorDTypes.I32 => Widen(b, 4, s => BinaryPrimitives.ReadInt32LittleEndian(s)),
            SafeTensorDTypes.I16 => Widen(b, 2, s => BinaryPrimitives.ReadInt16LittleEndian(s)),
            SafeTensorDTypes.I8 => Widen(b, 1, s => (sbyte)s[0]),
            SafeTensorDTypes.U8 or SafeTensorDTypes.Bool => Widen(b, 1, s => s[0]),
            _ => throw new ArgumentException(
                $"Tensor '{entry.Name}' has dtype {entry.DType}; expected an integer or BOOL dtype.", nameof(entry)),
        };
    }

    /// <summary>An F32 entry holding a copy of <paramref name="values"/>.</summary>
    public static SafeTensorEntry FromSingles(string name, long[] shape, ReadOnlySpan<float> values) =>
        Create(name, SafeTensorDTypes.F32, shape, MemoryMarshal.AsBytes(values), values.Length);

    /// <summary>An F64 entry holding a copy of <paramref name="values"/>.</summary>
    public static SafeTensorEntry FromDoubles(string name, long[] shape, ReadOnlySpan<double> values) =>
        Create(name, SafeTensorDTypes.F64, shape, MemoryMarshal.AsBytes(values), values.Length);

    /// <summary>An I64 entry holding a copy of <paramref name="values"/>.</summary>
    public static SafeTensorEntry FromInt64s(string name, long[] shape, ReadOnlySpan<long> values) =>
        Create(name, SafeTensorDTypes.I64, shape, MemoryMarshal.AsBytes(values), values.Length);

    /// <summary>The same tensor as F64 (exact for F32/F16/BF16; F64 entries are returned unchanged).</summary>
    public static SafeTensorEntry ToF64(SafeTensorEntry entry) =>
        entry.DType == SafeTensorDTypes.F64 ? entry : FromDoubles(entry.Name, entry.Shape, ToDoubles(entry));

    /// <summary>The same tensor as F32 (F64 values rounded to nearest; F32 entries are returned unchanged).</summary>
    public static SafeTensorEntry ToF32(SafeTensorEntry entry) =>
        entry.DType == SafeTensorDTypes.F32 ? entry : FromSingles(entry.Name, entry.Shape, ToSingles(entry));

    private static ReadOnlySpan<T> View<T>(SafeTensorEntry entry, string dtype) where T : struct
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (entry.DType != dtype)
            throw new ArgumentException($"Tensor '{entry.Name}' has dtype {entry.DType}; expected {dtype}.", nameof(entry));
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; in-place views need a little-endian host.");
        CheckLength(entry);
        return MemoryMarshal.Cast<byte, T>(entry.Data);
    }

    private static void CheckLength(SafeTensorEntry entry)
    {
        long expected = checked(entry.ElementCount * SafeTensorDTypes.ElementSize(entry.DType));
        if (entry.Data.LongLength != expected)
            throw new ArgumentException(
                $"Tensor '{entry.Name}' ({entry.DType}, shape [{SafeTensorShape.Format(entry.Shape)}]) needs {expected} bytes " +
                $"but has {entry.Data.LongLength}.", nameof(entry));
    }

    private static float[] Narrow(ReadOnlySpan<double> values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++) result[i] = (float)values[i];
        return result;
    }

    private static float[] HalfWidthToSingles(SafeTensorEntry entry)
    {
        CheckLength(entry);
        ReadOnlySpan<byte> b = entry.Data;
        var result = new float[b.Length / 2];
        bool brain = entry.DType == SafeTensorDTypes.BF16;
        for (int i = 0; i < result.Length; i++)
        {
            ushort bits = BinaryPrimitives.ReadUInt16LittleEndian(b.Slice(2 * i, 2));
            // BF16 is the top half of an IEEE float32; F16 is IEEE binary16.
            result[i] = brain ? BitConverter.Int32BitsToSingle(bits << 16) : (float)BitConverter.UInt16BitsToHalf(bits);
        }
        return result;
    }

    private delegate long ElementReader(ReadOnlySpan<byte> element);

    private static long[] Widen(ReadOnlySpan<byte> bytes, int size, ElementReader read)
    {
        var result = new long[bytes.Length / size];
        for (int i = 0; i < result.Length; i++) result[i] = read(bytes.Slice(i * size, size));
        return result;
    }

    private static SafeTensorEntry Create(string name, string dtype, long[] shape, ReadOnlySpan<byte> bytes, int count)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (SafeTensorShape.ElementCount(shape) != count)
            throw new ArgumentException(
                $"Tensor '{name}': shape [{SafeTensorShape.Format(shape)}] holds {SafeTensorShape.ElementCount(shape)} elements " +
                $"but {count} values were given.", nameof(shape));
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors data is little-endian; this writer needs a little-endian host.");
        return new SafeTensorEntry(name, dtype, (long[])shape.Clone(), bytes.ToArray());
    }

    private static ArgumentException NotFloat(SafeTensorEntry entry) =>
        new($"Tensor '{entry.Name}' has dtype {entry.DType}; expected F32, F64, F16 or BF16.", nameof(entry));
}
