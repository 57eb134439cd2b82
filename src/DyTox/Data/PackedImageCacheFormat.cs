using System.Buffers.Binary;
using System.Text;

namespace DyTox.Data;

/// <summary>Where one image lies in a packed cache's data (offset from the data start) and its size.</summary>
public readonly record struct PackedImageEntry(long Offset, int Height, int Width);

/// <summary>
/// Layout of a packed image cache (<c>.u8</c> file), all integers little-endian:
/// <code>
///   0  8  magic "DYTOXU8\n"
///   8  4  format version (2)
///  12  4  image count N
///  16  4  shorter side S: every image is min(height, width) = S
///  20  4  0 (reserved)
///  24  4  channels (3)
///  28  4  class count K
///  32 32  SHA-256 of the sample list (<see cref="ImageNetSampleList.ComputeHash"/>)
///  64  8  offset of the pixel data (a multiple of 4096)
///  72  4·N labels (int32)
///      16·N index: per image int64 offset from the data start, int32 height, int32 width
///      K class names (int32 byte length + UTF-8), zero padding
///  data   the N images back to back (height·width·channels bytes each, HWC) in list order; the file ends there
/// </code>
/// Version 1 stored every image as an S×S centre crop (fixed height and width at 16 and 20, no index); such a file
/// is recognised (<see cref="PackedImageCacheVersionException"/>) so that it can be rebuilt.
/// </summary>
public static class PackedImageCacheFormat
{
    public const int Version = 2;
    public const int FixedHeaderSize = 72;
    public const int IndexEntrySize = 16;
    public const int DataAlignment = 4096;
    public static ReadOnlySpan<byte> Magic => "DYTOXU8\n"u8;

    /// <summary>Header fields of a cache file.</summary>
    public sealed record Header(
        int Count, int ShorterSide, int Channels, byte[] ListHash, long DataOffset,
        int[] Labels, PackedImageEntry[] Index, string[] ClassNames)
    {
        /// <summary>Bytes of all images together.</summary>
        public long DataLength { get; } = Index.Length == 0 ? 0 : Index[^1].Offset + ImageBytes(Index[^1], Channels);

        public long ExpectedFileLength => DataOffset + DataLength;

        public static long ImageBytes(PackedImageEntry entry, int channels) => (long)entry.Height * entry.Width * channels;
    }

    /// <summary>Where the pixel data starts for <paramref name="count"/> images and these class names (the header's padded length).</summary>
    public static long DataOffsetFor(int count, IReadOnlyList<string> classNames)
    {
        long used = FixedHeaderSize + (4L + IndexEntrySize) * count;
        foreach (string name in classNames)
        {
            used += 4 + Encoding.UTF8.GetByteCount(name);
        }
        return (used + DataAlignment - 1) / DataAlignment * DataAlignment;
    }

    /// <summary>
    /// The header bytes (padded to the data offset) for images of the given sizes, each with shorter side
    /// <paramref name="shorterSide"/>, packed back to back in order.
    /// </summary>
    public static byte[] Encode(
        int shorterSide, int channels, byte[] listHash, IReadOnlyList<int> labels,
        IReadOnlyList<(int Height, int Width)> shapes, IReadOnlyList<string> classNames)
    {
        if (listHash.Length != 32)
        {
            throw new ArgumentException($"list hash has {listHash.Length} bytes, expected 32 (SHA-256).");
        }
        if (shapes.Count != labels.Count)
        {
            throw new ArgumentException($"{shapes.Count} image sizes for {labels.Count} labels.");
        }
        long dataOffset = DataOffsetFor(labels.Count, classNames);
        var header = new byte[dataOffset];
        Magic.CopyTo(header);
        var s = header.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(s[8..], Version);
        BinaryPrimitives.WriteInt32LittleEndian(s[12..], labels.Count);
        BinaryPrimitives.WriteInt32LittleEndian(s[16..], shorterSide);
        BinaryPrimitives.WriteInt32LittleEndian(s[24..], channels);
        BinaryPrimitives.WriteInt32LittleEndian(s[28..], classNames.Count);
        listHash.CopyTo(s[32..]);
        BinaryPrimitives.WriteInt64LittleEndian(s[64..], dataOffset);
        int at = FixedHeaderSize;
        foreach (int label in labels)
        {
            BinaryPrimitives.WriteInt32LittleEndian(s[at..], label);
            at += 4;
        }
        long offset = 0;
        foreach (var (height, width) in shapes)
        {
            if (Math.Min(height, width) != shorterSide)
            {
                throw new ArgumentException($"an image of {height}x{width} does not have shorter side {shorterSide}.");
            }
            BinaryPrimitives.WriteInt64LittleEndian(s[at..], offset);
            BinaryPrimitives.WriteInt32LittleEndian(s[(at + 8)..], height);
            BinaryPrimitives.WriteInt32LittleEndian(s[(at + 12)..], width);
            at += IndexEntrySize;
            offset += (long)height * width * channels;
        }
        foreach (string name in classNames)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(name);
            BinaryPrimitives.WriteInt32LittleEndian(s[at..], utf8.Length);
            utf8.CopyTo(s[(at + 4)..]);
            at += 4 + utf8.Length;
        }
        return header;
    }

    /// <summary>Reads and checks the header of <paramref name="path"/> (index, labels, file length).</summary>
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
            throw new PackedImageCacheVersionException(path, version);
        }
        int count = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(12));
        int shorterSide = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(16));
        int reserved = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(20));
        int channels = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(24));
        int classCount = BinaryPrimitives.ReadInt32LittleEndian(fixedPart.AsSpan(28));
        byte[] hash = fixedPart.AsSpan(32, 32).ToArray();
        long dataOffset = BinaryPrimitives.ReadInt64LittleEndian(fixedPart.AsSpan(64));
        if (count <= 0 || shorterSide <= 0 || reserved != 0 || channels is not (1 or 3) || classCount <= 0
            || dataOffset < FixedHeaderSize + (4L + IndexEntrySize) * count || dataOffset % DataAlignment != 0 || dataOffset > length)
        {
            throw Corrupt(path, $"implausible header (count {count}, shorter side {shorterSide}, {channels} channels, " +
                                $"{classCount} classes, data at {dataOffset})");
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
        var index = ReadIndex(path, rest.AsSpan(4 * count, IndexEntrySize * count), count, shorterSide, channels);
        var names = new string[classCount];
        int at = (4 + IndexEntrySize) * count;
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
        var header = new Header(count, shorterSide, channels, hash, dataOffset, labels, index, names);
        if (length != header.ExpectedFileLength)
        {
            throw Corrupt(path, $"the file has {length} bytes but its header announces {header.ExpectedFileLength} " +
                                $"({count} images, {header.DataLength} bytes of pixels); it is truncated or damaged");
        }
        return header;
    }

    /// <summary>The index entries; each must have shorter side S and follow the previous image without gap or overlap.</summary>
    private static PackedImageEntry[] ReadIndex(string path, ReadOnlySpan<byte> bytes, int count, int shorterSide, int channels)
    {
        var index = new PackedImageEntry[count];
        long expected = 0;
        for (int i = 0; i < count; i++)
        {
            var entry = bytes.Slice(i * IndexEntrySize, IndexEntrySize);
            long offset = BinaryPrimitives.ReadInt64LittleEndian(entry);
            int height = BinaryPrimitives.ReadInt32LittleEndian(entry[8..]);
            int width = BinaryPrimitives.ReadInt32LittleEndian(entry[12..]);
            if (height <= 0 || width <= 0 || Math.Min(height, width) != shorterSide || (long)height * width * channels > int.MaxValue)
            {
                throw Corrupt(path, $"index entry {i} gives a {height}x{width} image, expected shorter side {shorterSide}");
            }
            if (offset != expected)
            {
                throw Corrupt(path, $"index entry {i} places the image at data offset {offset}, expected {expected} (right after image {i - 1})");
            }
            index[i] = new PackedImageEntry(offset, height, width);
            expected += (long)height * width * channels;
        }
        return index;
    }

    private static DatasetFormatException Corrupt(string path, string what) =>
        new(path, $"corrupt packed image cache: {what}. Delete the file to have it rebuilt.");
}

/// <summary>A packed image cache written in another format version than this build reads.</summary>
public sealed class PackedImageCacheVersionException : DatasetFormatException
{
    public PackedImageCacheVersionException(string path, int version)
        : base(path, $"cache format version {version}, this build reads version {PackedImageCacheFormat.Version}" +
                     (version < PackedImageCacheFormat.Version
                         ? " (version 1 held S×S centre crops, version 2 whole images with shorter side S)"
                         : "") +
                     "; delete the file to rebuild it.")
    {
        FileVersion = version;
    }

    /// <summary>The version the file carries.</summary>
    public int FileVersion { get; }

    /// <summary>True for a file of an earlier version, which a rebuild simply replaces.</summary>
    public bool IsOlder => FileVersion < PackedImageCacheFormat.Version;
}
