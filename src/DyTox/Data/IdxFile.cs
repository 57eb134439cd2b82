using System.Buffers.Binary;
using System.IO.Compression;

namespace DyTox.Data;

/// <summary>
/// One IDX file (the MNIST / Fashion-MNIST container): a big-endian header
/// <c>00 00 type ndim</c>, one big-endian int32 per dimension, then the elements in C order.
/// Gzip-compressed files are detected by their 1F 8B magic and decompressed transparently.
/// Only unsigned-byte payloads (type 0x08) are decoded; other types are reported as unsupported.
/// </summary>
public sealed class IdxFile
{
    public const byte UnsignedByteType = 0x08;

    private IdxFile(string path, int[] dimensions, byte[] data)
    {
        Path = path;
        Dimensions = dimensions;
        Data = data;
    }

    public string Path { get; }

    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>The payload, <c>product(Dimensions)</c> bytes.</summary>
    public byte[] Data { get; }

    /// <summary>Reads an IDX file of unsigned bytes with exactly <paramref name="expectedRank"/> dimensions.</summary>
    public static IdxFile ReadUnsignedBytes(string path, int expectedRank)
    {
        byte[] bytes = ReadAllBytesMaybeGzip(path);
        return Parse(path, bytes, expectedRank);
    }

    /// <summary>Parses an in-memory (already decompressed) IDX image; <paramref name="path"/> names it in errors.</summary>
    public static IdxFile Parse(string path, byte[] bytes, int expectedRank)
    {
        if (bytes.Length < 4)
        {
            throw new DatasetFormatException(path,
                $"truncated IDX file: {bytes.Length} bytes, a header needs at least 4 (magic number).");
        }
        if (bytes[0] != 0 || bytes[1] != 0)
        {
            throw new DatasetFormatException(path,
                $"not an IDX file: magic number 0x{BinaryPrimitives.ReadUInt32BigEndian(bytes):X8} must start with two zero bytes " +
                $"(expected 0x{0x800 + expectedRank:X8}).");
        }
        byte type = bytes[2];
        int rank = bytes[3];
        if (type != UnsignedByteType)
        {
            throw new DatasetFormatException(path,
                $"IDX element type 0x{type:X2} is not supported; expected 0x08 (unsigned byte), magic 0x{0x800 + expectedRank:X8}.");
        }
        if (rank != expectedRank)
        {
            throw new DatasetFormatException(path,
                $"wrong IDX magic 0x{BinaryPrimitives.ReadUInt32BigEndian(bytes):X8}: {rank} dimensions, expected {expectedRank} " +
                $"(magic 0x{0x800 + expectedRank:X8}).");
        }
        int headerSize = 4 + 4 * rank;
        if (bytes.Length < headerSize)
        {
            throw new DatasetFormatException(path,
                $"truncated IDX header: {bytes.Length} bytes, {rank} dimensions need {headerSize}.");
        }
        var dims = new int[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++)
        {
            int size = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (size < 0)
            {
                throw new DatasetFormatException(path, $"IDX dimension {d} is negative ({size}).");
            }
            dims[d] = size;
            elements *= size;
        }
        long expectedLength = headerSize + elements;
        if (bytes.LongLength != expectedLength)
        {
            string what = bytes.LongLength < expectedLength ? "truncated" : "corrupt (trailing bytes)";
            throw new DatasetFormatException(path,
                $"{what} IDX file: dimensions [{string.Join(", ", dims)}] need {expectedLength} bytes, the file has {bytes.LongLength}.");
        }
        return new IdxFile(path, dims, bytes.AsSpan(headerSize).ToArray());
    }

    /// <summary>Reads a file, gunzipping it when it starts with the gzip magic 1F 8B.</summary>
    public static byte[] ReadAllBytesMaybeGzip(string path)
    {
        if (!File.Exists(path))
        {
            throw new DatasetFormatException(path, "file not found.");
        }
        byte[] raw = File.ReadAllBytes(path);
        if (raw.Length >= 2 && raw[0] == 0x1F && raw[1] == 0x8B)
        {
            try
            {
                using var input = new MemoryStream(raw, writable: false);
                using var gzip = new GZipStream(input, CompressionMode.Decompress);
                using var output = new MemoryStream();
                gzip.CopyTo(output);
                return output.ToArray();
            }
            catch (InvalidDataException e)
            {
                throw new DatasetFormatException(path, $"corrupt gzip stream: {e.Message}", e);
            }
            catch (EndOfStreamException e)
            {
                throw new DatasetFormatException(path, "truncated gzip stream.", e);
            }
        }
        return raw;
    }
}
