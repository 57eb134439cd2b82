using DyTox.Data.Augmentation;
using DyTox.Options;

namespace DyTox.Data;

/// <summary>
/// Maps the <c>data_set</c> option to a reader: <c>fmnist</c> (Fashion-MNIST IDX; empty <c>data_path</c> = Debian's
/// install folder), <c>mnist</c> (IDX), <c>CIFAR</c>/<c>cifar100</c> (the binary version's folder),
/// <c>synthetic</c> (seeded toy data). ImageNet needs JPEG decoding, which this data layer does not do.
/// </summary>
public static class DatasetCatalog
{
    public static ImageDataset Load(string dataSet, string dataPath, DatasetSplit split)
    {
        switch (Canonical(dataSet))
        {
            case "fmnist":
                return FashionMnist.Load(split, string.IsNullOrEmpty(dataPath) ? null : dataPath);
            case "mnist":
                return FashionMnist.LoadMnist(RequirePath(dataSet, dataPath), split);
            case "cifar100":
                return Cifar100Binary.Load(RequirePath(dataSet, dataPath), split);
            case "synthetic":
                // 10 classes of 32×32 RGB patterns, different noise for train and test.
                return SyntheticImageDataset.Create(10, split == DatasetSplit.Train ? 100 : 20, 32, 32, 3,
                    seed: split == DatasetSplit.Train ? 1 : 2, name: $"synthetic/{split.ToString().ToLowerInvariant()}");
            case "imagenet":
                throw new NotSupportedException(
                    $"data_set \"{dataSet}\": ImageNet images are JPEG files and decoding them is out of scope of the data layer; " +
                    "the split lists can be read with ImageNetSplitFile, but a converter to packed uint8 images is needed.");
            default:
                throw new ArgumentException(
                    $"unknown data_set \"{dataSet}\"; expected fmnist, mnist, CIFAR (cifar100), synthetic, imagenet100 or imagenet1000.",
                    nameof(dataSet));
        }
    }

    /// <summary>
    /// The Normalize statistics DyTox uses: CIFAR-100's published mean/std, ImageNet's for ImageNet, and
    /// for (Fashion-)MNIST and synthetic data the statistics of the training images.
    /// </summary>
    public static ImageNormalizer DefaultNormalizer(string dataSet, ImageDataset train) => Canonical(dataSet) switch
    {
        "cifar100" => new ImageNormalizer(ImageNormalizer.CifarMean, ImageNormalizer.CifarStd),
        "imagenet" => new ImageNormalizer(ImageNormalizer.ImageNetMean, ImageNormalizer.ImageNetStd),
        _ => ImageNormalizer.FromDatasetStatistics(train),
    };

    /// <summary>Builds the scenario of the options (order <paramref name="orderIndex"/> of <c>class_order</c>, if any).</summary>
    public static ClassIncrementalScenario Scenario(DyToxOptions options, ImageDataset train, ImageDataset test, int orderIndex = 0)
    {
        IReadOnlyList<int>? order = null;
        if (options.ClassOrder is { } orders)
        {
            if ((uint)orderIndex >= (uint)orders.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(orderIndex), orderIndex, $"class_order holds {orders.Count} order(s).");
            }
            order = orders[orderIndex];
        }
        return new ClassIncrementalScenario(train, test, options.InitialIncrement, options.Increment, order);
    }

    private static string Canonical(string dataSet) => dataSet.ToLowerInvariant() switch
    {
        "fmnist" or "fashion-mnist" or "fashionmnist" or "fashion_mnist" => "fmnist",
        "mnist" => "mnist",
        "cifar" or "cifar100" or "cifar-100" => "cifar100",
        "synthetic" => "synthetic",
        "imagenet100" or "imagenet1000" or "imnet" or "imagenet" => "imagenet",
        var other => other,
    };

    private static string RequirePath(string dataSet, string dataPath) =>
        string.IsNullOrEmpty(dataPath)
            ? throw new ArgumentException($"data_set \"{dataSet}\" needs data_path (the folder holding its files).")
            : dataPath;
}
