namespace DyTox.Data;

/// <summary>Train or test part of a dataset.</summary>
public enum DatasetSplit
{
    Train,
    Test,
}

/// <summary>
/// Fashion-MNIST and MNIST from their IDX files (<c>train-images-idx3-ubyte[.gz]</c>,
/// <c>train-labels-idx1-ubyte[.gz]</c>, <c>t10k-…</c>). Images are 28×28×1, HWC (= CHW for one channel).
/// </summary>
public static class FashionMnist
{
    /// <summary>Where Debian's <c>dataset-fashion-mnist</c> package installs the gzip files.</summary>
    public const string DebianDirectory = "/usr/share/datasets/fashion-mnist";

    public static readonly IReadOnlyList<string> FashionClassNames =
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ];

    public static readonly IReadOnlyList<string> DigitClassNames =
        ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    /// <summary>Loads Fashion-MNIST (class names T-shirt/top … Ankle boot).</summary>
    public static InMemoryImageDataset Load(DatasetSplit split, string? directory = null) =>
        LoadIdxPair(directory ?? DebianDirectory, split, FashionClassNames, "fashion-mnist");

    /// <summary>Loads MNIST digits from the same file layout.</summary>
    public static InMemoryImageDataset LoadMnist(string directory, DatasetSplit split) =>
        LoadIdxPair(directory, split, DigitClassNames, "mnist");

    /// <summary>Loads an images/labels IDX pair with the standard file names (with or without .gz).</summary>
    public static InMemoryImageDataset LoadIdxPair(
        string directory, DatasetSplit split, IReadOnlyList<string> classNames, string datasetName)
    {
        string prefix = split == DatasetSplit.Train ? "train" : "t10k";
        string imagesPath = Resolve(directory, $"{prefix}-images-idx3-ubyte");
        string labelsPath = Resolve(directory, $"{prefix}-labels-idx1-ubyte");
        return FromFiles(imagesPath, labelsPath, classNames, $"{datasetName}/{split.ToString().ToLowerInvariant()}");
    }

    /// <summary>Reads an explicit images file (magic 2051, dims [N, H, W]) and labels file (magic 2049, dims [N]).</summary>
    public static InMemoryImageDataset FromFiles(
        string imagesPath, string labelsPath, IReadOnlyList<string> classNames, string name)
    {
        var images = IdxFile.ReadUnsignedBytes(imagesPath, expectedRank: 3);
        var labels = IdxFile.ReadUnsignedBytes(labelsPath, expectedRank: 1);
        int n = images.Dimensions[0];
        if (n == 0 || images.Dimensions[1] == 0 || images.Dimensions[2] == 0)
        {
            throw new DatasetFormatException(imagesPath,
                $"image dimensions [{string.Join(", ", images.Dimensions)}] must all be positive.");
        }
        if (labels.Dimensions[0] != n)
        {
            throw new DatasetFormatException(labelsPath,
                $"holds {labels.Dimensions[0]} labels but {imagesPath} holds {n} images; the counts must match.");
        }
        var labelValues = new int[n];
        for (int i = 0; i < n; i++)
        {
            int label = labels.Data[i];
            if (label >= classNames.Count)
            {
                throw new DatasetFormatException(labelsPath,
                    $"label {label} at index {i} is outside [0, {classNames.Count}).");
            }
            labelValues[i] = label;
        }
        return new InMemoryImageDataset(
            name, images.Data, labelValues, images.Dimensions[1], images.Dimensions[2], 1, PixelLayout.Hwc, classNames);
    }

    private static string Resolve(string directory, string baseName)
    {
        string plain = Path.Combine(directory, baseName);
        if (File.Exists(plain))
        {
            return plain;
        }
        string gz = plain + ".gz";
        if (File.Exists(gz))
        {
            return gz;
        }
        throw new DatasetFormatException(plain, $"file not found (also tried {gz}).");
    }
}
