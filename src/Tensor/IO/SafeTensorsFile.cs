using System.Buffers.Binary;

namespace DyTox.Tensor.IO;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length n, n bytes of
/// UTF-8 JSON header ({name: {dtype, shape, data_offsets: [begin, end]}, optional "__metadata__"
/// of string to string}), then the data buffer the offsets point into.
/// Files written here are byte-identical to those of the reference Python/Rust library for ASCII
/// names (same tensor order, key order, compact JSON and space padding to 8 bytes).
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>The reference library refuses headers above 100 MB; so do we.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const int LengthPrefixBytes = 8;

    /// <summary>Reads every tensor of the file at <paramref name="path"/>, in data order.</summary>
    public static IReadOnlyList<SafeTensorEntry> Read(string path) => Load(path).Tensors;

    /// <summary>Reads the tensors and the metadata of the file at <paramref name="path"/>.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is not a valid safetensors file.</exception>
    public static SafeTensorsContent Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long fileLength = stream.Length;
        var prefix = new byte[LengthPrefixBytes];
        if (fileLength < LengthPrefixBytes)
            throw new SafeTensorsFormatException(path,
                $"truncated: only {fileLength} bytes, fewer than the 8-byte header length prefix.");
        stream.ReadExactly(prefix);
        long headerLength = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(prefix), fileLength, path);
        var headerBytes = new byte[headerLength];
        stream.ReadExactly(headerBytes);
        long bufferLength = fileLength - LengthPrefixBytes - headerLength;
        var header = SafeTensorsHeaderParser.Parse(headerBytes, bufferLength, path);

        // Validation guarantees the ranges tile the buffer in this order, so a sequential read suffices.
        var tensors = new List<SafeTensorEntry>(header.Tensors.Count);
        foreach (var t in header.Tensors)
        {
            var data = new byte[CheckArrayLength(t, path)];
            stream.ReadExactly(data);
            tensors.Add(new SafeTensorEntry(t.Name, t.DType, t.Shape, data));
        }
        return new SafeTensorsContent(tensors, header.Metadata);
    }

    /// <summary>Parses a whole safetensors file held in memory; <paramref name="sourceName"/> names it in errors.</summary>
    public static SafeTensorsContent Parse(ReadOnlySpan<byte> bytes, string sourceName)
    {
        if (bytes.Length < LengthPrefixBytes)
            throw new SafeTensorsFormatException(sourceName,
                $"truncated: only {bytes.Length} bytes, fewer than the 8-byte header length prefix.");
        long headerLength = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(bytes), bytes.Length, sourceName);
        var data = bytes[(LengthPrefixBytes + (int)headerLength)..];
        var header = SafeTensorsHeaderParser.Parse(bytes.Slice(LengthPrefixBytes, (int)headerLength), data.Length, sourceName);
        var tensors = new List<SafeTensorEntry>(header.Tensors.Count);
        foreach (var t in header.Tensors)
            tensors.Add(new SafeTensorEntry(t.Name, t.DType, t.Shape, data[(int)t.Begin..(int)t.End].ToArray()));
        return new SafeTensorsContent(tensors, header.Metadata);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (and optional <paramref name="metadata"/>) to <paramref name="path"/>
    /// atomically: the bytes go to a temporary file in the same directory, which then replaces the target,
    /// so readers never observe a half-written file.
    /// </summary>
    public static void Write(string path, IEnumerable<SafeTensorEntry> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var ordered = PrepareEntries(tensors, metadata);
        byte[] header = SafeTensorsHeaderWriter.Build(ordered, metadata);

        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"Path '{path}' has no directory.", nameof(path));
        string temp = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                WriteTo(stream, header, ordered);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>The bytes <see cref="Write"/> would put in a file.</summary>
    public static byte[] Serialize(IEnumerable<SafeTensorEntry> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = PrepareEntries(tensors, metadata);
        byte[] header = SafeTensorsHeaderWriter.Build(ordered, metadata);
        using var stream = new MemoryStream();
        WriteTo(stream, header, ordered);
        return stream.ToArray();
    }

    private static void WriteTo(Stream stream, byte[] header, IReadOnlyList<SafeTensorEntry> ordered)
    {
        Span<byte> prefix = stackalloc byte[LengthPrefixBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var entry in ordered) stream.Write(entry.Data);
    }

    private static List<SafeTensorEntry> PrepareEntries(IEnumerable<SafeTensorEntry> tensors,
        IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            ArgumentNullException.ThrowIfNull(t, nameof(tensors));
            if (string.IsNullOrEmpty(t.Name))
                throw new ArgumentException("A tensor has an empty name.", nameof(tensors));
            if (t.Name == SafeTensorsHeaderParser.MetadataKey)
                throw new ArgumentException($"'{t.Name}' is reserved for the metadata and cannot name a tensor.", nameof(tensors));
            if (!names.Add(t.Name))
                throw new ArgumentException($"Duplicate tensor name '{t.Name}'.", nameof(tensors));
            if (t.DType is null || !SafeTensorDTypes.IsKnown(t.DType))
                throw new ArgumentException(
                    $"Tensor '{t.Name}' has unknown dtype '{t.DType}'; expected one of {string.Join(", ", SafeTensorDTypes.All)}.",
                    nameof(tensors));
            ArgumentNullException.ThrowIfNull(t.Shape, nameof(tensors));
            ArgumentNullException.ThrowIfNull(t.Data, nameof(tensors));
            long expected = checked(t.ElementCount * SafeTensorDTypes.ElementSize(t.DType));
            if (t.Data.LongLength != expected)
                throw new ArgumentException(
                    $"Tensor '{t.Name}' ({t.DType}, shape [{SafeTensorShape.Format(t.Shape)}]) needs {expected} bytes " +
                    $"but has {t.Data.LongLength}.", nameof(tensors));
        }
        if (metadata is not null)
            foreach (var (key, value) in metadata)
                if (key is null || value is null)
                    throw new ArgumentException("Metadata keys and values must not be null.", nameof(metadata));
        return SafeTensorsHeaderWriter.LayoutOrder(tensors);
    }

    private static long CheckHeaderLength(ulong declared, long totalLength, string source)
    {
        if (declared > MaxHeaderBytes)
            throw new SafeTensorsFormatException(source,
                $"declared header length {declared} exceeds the {MaxHeaderBytes}-byte limit (corrupt length prefix?).");
        if ((long)declared > totalLength - LengthPrefixBytes)
            throw new SafeTensorsFormatException(source,
                $"declared header length {declared} runs past the end of the file " +
                $"({totalLength - LengthPrefixBytes} bytes follow the length prefix); the file is truncated.");
        return (long)declared;
    }

    private static int CheckArrayLength(SafeTensorHeaderEntry t, string source)
    {
        long length = t.End - t.Begin;
        if (length > Array.MaxLength)
            throw new SafeTensorsFormatException(source,
                $"tensor '{t.Name}' has {length} bytes, more than one .NET array can hold.");
        return (int)length;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { /* the original error matters more than a leftover temp file */ }
        catch (UnauthorizedAccessException) { }
    }
}
