namespace DyTox.Data;

/// <summary>
/// CIFAR-100 binary version (<c>cifar-100-binary/train.bin</c>, <c>test.bin</c>): headerless records of
/// 1 coarse-label byte, 1 fine-label byte and 3,072 pixel bytes (1,024 red, 1,024 green, 1,024 blue,
/// each 32×32 row-major), i.e. already CHW. Labels are the fine labels (0–99).
/// </summary>
public static class Cifar100Binary
{
    public const int RecordSize = 3074;
    public const int Side = 32;
    public const int ImageBytes = 3 * Side * Side;

    /// <summary>Loads train.bin or test.bin from <paramref name="directory"/> (class names from fine_label_names.txt when present).</summary>
    public static InMemoryImageDataset Load(string directory, DatasetSplit split)
    {
        string file = Path.Combine(directory, split == DatasetSplit.Train ? "train.bin" : "test.bin");
        string namesFile = Path.Combine(directory, "fine_label_names.txt");
        IReadOnlyList<string> names = File.Exists(namesFile) ? ReadClassNames(namesFile) : DefaultNames();
        return FromFile(file, names, $"cifar100/{split.ToString().ToLowerInvariant()}");
    }

    /// <summary>Reads one binary file; the name of the result is <paramref name="name"/>.</summary>
    public static InMemoryImageDataset FromFile(string path, IReadOnlyList<string>? classNames = null, string? name = null)
    {
        if (!File.Exists(path))
        {
            throw new DatasetFormatException(path, "file not found.");
        }
        byte[] bytes = File.ReadAllBytes(path);
        return Parse(path, bytes, classNames ?? DefaultNames(), name ?? Path.GetFileName(path));
    }

    /// <summary>Decodes the records in <paramref name="bytes"/>; <paramref name="path"/> names the data in errors.</summary>
    public static InMemoryImageDataset Parse(string path, byte[] bytes, IReadOnlyList<string> classNames, string name)
    {
        if (bytes.Length == 0 || bytes.Length % RecordSize != 0)
        {
            throw new DatasetFormatException(path,
                $"truncated or corrupt CIFAR-100 binary file: {bytes.Length} bytes is not a positive multiple of the " +
                $"{RecordSize}-byte record (1 coarse + 1 fine label + {ImageBytes} pixels); " +
                $"{bytes.Length / RecordSize} whole records and {bytes.Length % RecordSize} stray bytes.");
        }
        if (classNames.Count != 100)
        {
            throw new ArgumentException($"CIFAR-100 needs 100 class names, got {classNames.Count}.", nameof(classNames));
        }
        int n = bytes.Length / RecordSize;
        var pixels = new byte[(long)n * ImageBytes];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            int offset = i * RecordSize;
            int coarse = bytes[offset];
            int fine = bytes[offset + 1];
            if (coarse >= 20)
            {
                throw new DatasetFormatException(path, $"record {i}: coarse label {coarse} is outside [0, 20).");
            }
            if (fine >= 100)
            {
                throw new DatasetFormatException(path, $"record {i}: fine label {fine} is outside [0, 100).");
            }
            labels[i] = fine;
            Buffer.BlockCopy(bytes, offset + 2, pixels, i * ImageBytes, ImageBytes);
        }
        return new InMemoryImageDataset(name, pixels, labels, Side, Side, 3, PixelLayout.Chw, classNames);
    }

    /// <summary>One class name per line (label i = line i).</summary>
    public static IReadOnlyList<string> ReadClassNames(string path)
    {
        var names = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        if (names.Length != 100)
        {
            throw new DatasetFormatException(path, $"expected 100 fine label names, found {names.Length}.");
        }
        return names;
    }

    private static string[] DefaultNames() => Enumerable.Range(0, 100).Select(i => $"class_{i}").ToArray();
}
