using System.Buffers.Binary;
using System.Text;

namespace DyTox.Data;

/// <summary>
/// Layout of a packed image cache (<c>.u8</c> file), all integers little-endian:
/// <code>
///   0  8  magic "DYTOXU8\n"
///   8  4  format version (1)
///  12  4  image count N
///  16  4  height, 20 4 width, 24 4 channels (3)
///  28  4  class count K
///  32 32  SHA-256 of the sample list (<see cref="ImageNetSampleList.ComputeHash"/>)
///  64  8  offset of the pixel data (a multiple of 4096)
///  72  4·N labels (int32), then K class names (int32 byte length + UTF-8), zero padding
///  data   N images of height·width·channels bytes, HWC, in list order; the file ends there
/// </code>
/// </summary>
public static class PackedImageCacheFormat
{
    public const int Version = 1;
    public const int FixedHeaderSize = 72;
    public const int DataAlignment = 4096;
    public static ReadOnlySpan<byte> Magic => "DYTOXU8\n"u8;

    /// <summary>Header fields of a cache file.</summary>
    public sealed record Header(int Count, int Height, int Width, int Channels, byte[] ListHash, long DataOffset, int[] Labels, string[] ClassNames)
    {
        public long ImageSize => (long)Height * Width * Channels;

        public long ExpectedFileLength => DataOffset + ImageSize * Count;
    }

    /// <summary>The header bytes (padded to the data offset) for the given shape and list.</summary>
    public static byte[] Encode(int height, int width, int channels, byte[] listHash, IReadOnlyList<int> labels, IReadOnlyList<string> classNames)
    {
        if (listHash.Length != 32)
        {
            throw new ArgumentException($"list hash has {listHash.Length} bytes, expected 32 (SHA-256).");
        }
        using var body = new MemoryStream();
        Span<byte> four = stackalloc byte[4];
        foreach (int label in labels)
        {
            BinaryPrimitives.WriteInt32LittleEndian(four, label);
            body.Write(four);
        }
        foreach (string name in classNames)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(name);
            BinaryPrimitives.WriteInt32LittleEndian(four, utf8.Length);
            body.Write(four);
            body.Write(utf8);
        }
        long used = FixedHeaderSize + body.Length;
        long dataOffset = (used + DataAlignment - 1) / DataAlignment * DataAlignment;
        var header = new byte[dataOffset];
        Magic.CopyTo(header);
        var s = header.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(s[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(s[12..], labels.Count);
        BinaryPrimitives.WriteInt32LittleEndian(s[16..], height);
        BinaryPrimitives.WriteInt32LittleEndian(s[20..], width);
        BinaryPrimitives.WriteInt32LittleEndian(s[24..], channels);
        BinaryPrimitives.WriteInt32LittleEndian(s[28..], classNames.Count);
        listHash.CopyTo(s[32..]);
        BinaryPrimitives.WriteInt64LittleEndian(s[64..], dataOffset);
        body.GetBuffer().AsSpan(0, (int)body.Length).CopyTo(s[FixedHeaderSize..]);
        return header;
    }

    /// <summary>Reads and checks the header of <paramref name="path"/> (including the file length).</summary>
    public static Header Read(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = file.Length;
        var fixedPart = new byte[FixedHeaderSize];
        if (file.ReadAtLeast(fixedPart, FixedHeaderSize, throwOnEndOfStream: false) < FixedHeaderSize)
        {
            throw Corrupt(path, $"the file has {length} bytes, fewer than the {FixedHeaderSize}-byte header");
        }
        if (!fixedPart.AsSpan(0, 8).SequenceEqual(Magic))
        {
            throw Corrupt(path, "wrong magic; this is not a DyTox packed image cache");
        }
        int version = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(8));
        if (version != Version)
        {
            throw new DatasetFormatException(path, $"cache format version {version}, this build reads version {Version}; delete the file to rebuild it.");
        }
        int count = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(12));
        int height = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(16));
        int width = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(20));
        int channels = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(24));
        int classCount = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(28));
        byte[] hash = fixedPart.AsSpan(32, 32).ToArray();
        long dataOffset = BinaryPrimitives.ReadInt64LittleEndian(fixedPart.AsSpan(64));
        if (count <= 0 || height <= 0 || width <= 0 || channels is not (1 or 3) || classCount <= 0
            || dataOffset < FixedHeaderSize + 4L * count || dataOffset % DataAlignment != 0 || dataOffset > length)
        {
            throw Corrupt(path, $"implausible header (count {count}, {height}x{width}x{channels}, {classCount} classes, data at {dataOffset})");
        }
        var rest = new byte[dataOffset - FixedHeaderSize];
        if (file.ReadAtLeast(rest, rest.Length, throwOnEndOfStream: false) < rest.Length)
        {
            throw Corrupt(path, "the header is cut short");
        }
        var labels = new int[count];
        for (int i = 0; i < count; i++)
        {
            labels[i] = BinaryPrimitives.ReadInt32LittleEndian(rest.AsSpan(4 * i));
        }
        var names = new string[classCount];
        int at = 4 * count;
        for (int k = 0; k < classCount; k++)
        {
            int n = at + 4 <= rest.Length ? BinaryPrimitives.ReadInt32LittleEndian(rest.AsSpan(at)) : -1;
            if (n < 0 || at + 4 + n > rest.Length)
            {
                throw Corrupt(path, $"class name {k} does not fit in the header");
            }
            names[k] = Encoding.UTF8.GetString(rest, at + 4, n);
            at += 4 + n;
        }
        foreach (int label in labels)
        {
            if ((uint)label >= (uint)classCount)
            {
                throw Corrupt(path, $"label {label} is outside [0, {classCount})");
            }
        }
        var header = new Header(count, height, width, channels, hash, dataOffset, labels, names);
        if (length != header.ExpectedFileLength)
        {
            throw Corrupt(path, $"the file has {length} bytes but its header announces {header.ExpectedFileLength} " +
                                $"({count} images of {height}x{width}x{channels}); it is truncated or damaged");
        }
        return header;
    }

    private static DatasetFormatException Corrupt(string path, string what) =>
        new(path, $"corrupt packed image cache: {what}. Delete the file to have it rebuilt.");
}
