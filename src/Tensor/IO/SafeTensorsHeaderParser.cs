using System.Text.Json;

namespace DyTox.Tensor.IO;

/// <summary>
/// Decodes the JSON header with <see cref="Utf8JsonReader"/> (no reflection) and checks it against the
/// data buffer: every tensor's byte range must match shape × dtype size, ranges must be contiguous,
/// non-overlapping and cover the buffer exactly (the rules of the reference library).
/// </summary>
internal static class SafeTensorsHeaderParser
{
    public const string MetadataKey = "__metadata__";

    public static SafeTensorsHeader Parse(ReadOnlySpan<byte> json, long bufferLength, string source)
    {
        if (!System.Text.Unicode.Utf8.IsValid(json))
            throw new SafeTensorsFormatException(source, "the header is not valid UTF-8.");
        SafeTensorsHeader header;
        try
        {
            header = ParseJson(json, source);
        }
        catch (JsonException e)
        {
            throw new SafeTensorsFormatException(source,
                $"the header is not valid JSON ({e.Message}); expected an object of tensor records.", e);
        }
        return new SafeTensorsHeader(ValidateLayout(header.Tensors, bufferLength, source), header.Metadata);
    }

    private static SafeTensorsHeader ParseJson(ReadOnlySpan<byte> json, string source)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new SafeTensorsFormatException(source, "the header must be a JSON object starting with '{'.");

        var tensors = new List<SafeTensorHeaderEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        Dictionary<string, string>? metadata = null;
        while (true)
        {
            Next(ref reader, source);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string name = reader.GetString()!;
            if (!names.Add(name))
                throw new SafeTensorsFormatException(source, $"duplicate key '{name}' in the header; names must be unique.");
            Next(ref reader, source);
            if (name == MetadataKey)
                metadata = ReadMetadata(ref reader, source);
            else
                tensors.Add(ReadTensor(ref reader, name, source));
        }
        if (reader.Read())
            throw new SafeTensorsFormatException(source, "unexpected content after the header object.");
        return new SafeTensorsHeader(tensors, metadata);
    }

    private static Dictionary<string, string> ReadMetadata(ref Utf8JsonReader reader, string source)
    {
        Expect(ref reader, JsonTokenType.StartObject, $"'{MetadataKey}' must be an object of string values", source);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            Next(ref reader, source);
            if (reader.TokenType == JsonTokenType.EndObject) return metadata;
            string key = reader.GetString()!;
            Next(ref reader, source);
            Expect(ref reader, JsonTokenType.String, $"'{MetadataKey}.{key}' must be a string", source);
            if (!metadata.TryAdd(key, reader.GetString()!))
                throw new SafeTensorsFormatException(source, $"duplicate metadata key '{key}'.");
        }
    }

    private static SafeTensorHeaderEntry ReadTensor(ref Utf8JsonReader reader, string name, string source)
    {
        Expect(ref reader, JsonTokenType.StartObject,
            $"tensor '{name}' must be an object with dtype, shape and data_offsets", source);
        string? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (true)
        {
            Next(ref reader, source);
            if (reader.TokenType == JsonTokenType.EndObject) break;
            string field = reader.GetString()!;
            Next(ref reader, source);
            switch (field)
            {
                case "dtype":
                    Expect(ref reader, JsonTokenType.String, $"tensor '{name}': dtype must be a string", source);
                    dtype = reader.GetString()!;
                    if (!SafeTensorDTypes.IsKnown(dtype))
                        throw new SafeTensorsFormatException(source,
                            $"tensor '{name}' has unknown dtype '{dtype}'; expected one of {string.Join(", ", SafeTensorDTypes.All)}.");
                    break;
                case "shape":
                    shape = ReadIntegers(ref reader, name, field, source);
                    break;
                case "data_offsets":
                    offsets = ReadIntegers(ref reader, name, field, source);
                    if (offsets.Length != 2)
                        throw new SafeTensorsFormatException(source,
                            $"tensor '{name}': data_offsets must be [begin, end], got {offsets.Length} numbers.");
                    break;
                default:
                    // The reference library ignores unknown fields; so do we, but skip their value.
                    reader.Skip();
                    break;
            }
        }
        if (dtype is null || shape is null || offsets is null)
            throw new SafeTensorsFormatException(source,
                $"tensor '{name}' lacks {(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}; " +
                "expected dtype, shape and data_offsets.");
        return new SafeTensorHeaderEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(ref Utf8JsonReader reader, string name, string field, string source)
    {
        Expect(ref reader, JsonTokenType.StartArray, $"tensor '{name}': {field} must be an array of integers", source);
        var values = new List<long>();
        while (true)
        {
            Next(ref reader, source);
            if (reader.TokenType == JsonTokenType.EndArray) return values.ToArray();
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out long value) || value < 0)
                throw new SafeTensorsFormatException(source,
                    $"tensor '{name}': {field} must contain non-negative integers.");
            values.Add(value);
        }
    }

    private static IReadOnlyList<SafeTensorHeaderEntry> ValidateLayout(
        IReadOnlyList<SafeTensorHeaderEntry> tensors, long bufferLength, string source)
    {
        // Files may list tensors in any order; the data must nevertheless tile the buffer.
        var ordered = tensors.OrderBy(t => t.Begin).ThenBy(t => t.End).ToList();
        long expectedBegin = 0;
        foreach (var t in ordered)
        {
            if (t.End < t.Begin)
                throw new SafeTensorsFormatException(source,
                    $"tensor '{t.Name}' has data_offsets [{t.Begin}, {t.End}] with end before begin.");
            if (t.End > bufferLength)
                throw new SafeTensorsFormatException(source,
                    $"tensor '{t.Name}' has data_offsets [{t.Begin}, {t.End}] beyond the data buffer of {bufferLength} bytes.");
            if (t.Begin < expectedBegin)
                throw new SafeTensorsFormatException(source,
                    $"tensor '{t.Name}' at [{t.Begin}, {t.End}] overlaps the previous tensor ending at {expectedBegin}.");
            if (t.Begin > expectedBegin)
                throw new SafeTensorsFormatException(source,
                    $"gap in the data buffer: bytes [{expectedBegin}, {t.Begin}) belong to no tensor (next is '{t.Name}').");
            long expectedBytes;
            try
            {
                expectedBytes = checked(SafeTensorShape.ElementCount(t.Shape) * SafeTensorDTypes.ElementSize(t.DType));
            }
            catch (OverflowException e)
            {
                throw new SafeTensorsFormatException(source,
                    $"tensor '{t.Name}' shape [{SafeTensorShape.Format(t.Shape)}] overflows a 64-bit byte count.", e);
            }
            if (t.End - t.Begin != expectedBytes)
                throw new SafeTensorsFormatException(source,
                    $"tensor '{t.Name}' ({t.DType}, shape [{SafeTensorShape.Format(t.Shape)}]) needs {expectedBytes} bytes " +
                    $"but data_offsets [{t.Begin}, {t.End}] give {t.End - t.Begin}.");
            expectedBegin = t.End;
        }
        if (expectedBegin != bufferLength)
            throw new SafeTensorsFormatException(source,
                $"the tensors cover {expectedBegin} bytes but the data buffer has {bufferLength}; " +
                "data_offsets must cover the buffer exactly.");
        return ordered;
    }

    private static void Next(ref Utf8JsonReader reader, string source)
    {
        if (!reader.Read())
            throw new SafeTensorsFormatException(source, "the header JSON ends prematurely.");
    }

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type, string what, string source)
    {
        if (reader.TokenType != type)
            throw new SafeTensorsFormatException(source, $"{what}; found {reader.TokenType}.");
    }
}
