using DyTox.Data.Augmentation;
using DyTox.Options;

namespace DyTox.Data;

/// <summary>
/// Maps the <c>data_set</c> option to a reader: <c>fmnist</c> (Fashion-MNIST IDX; empty <c>data_path</c> = Debian's
/// install folder), <c>mnist</c> (IDX), <c>CIFAR</c>/<c>cifar100</c> (the binary version's folder),
/// <c>synthetic</c> (seeded toy data), <c>imagenet100</c> and <c>imagenet1000</c> (also <c>imnet</c>/<c>imagenet</c>):
/// the JPEG folders (<c>train/&lt;wnid&gt;/</c>, <c>val/&lt;wnid&gt;/</c>) or, for ImageNet-100, the original's split
/// lists, decoded once into a packed uint8 cache of the images resized to shorter side S (<see cref="ImageNetDataset"/>) that is then memory-mapped.
/// ImageNet datasets are <see cref="IDisposable"/> (the mapping); the other readers hold plain arrays.
/// </summary>
public static class DatasetCatalog
{
    public static ImageDataset Load(string dataSet, string dataPath, DatasetSplit split) => Load(dataSet, dataPath, split, null);

    /// <summary>Loads a split; <paramref name="imageNet"/> sets the ImageNet cache (size, folder, progress), ignored otherwise.</summary>
    public static ImageDataset Load(string dataSet, string dataPath, DatasetSplit split, ImageNetCacheOptions? imageNet)
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
                return ImageNetDataset.Load(ImageNetClassCount(dataSet), RequirePath(dataSet, dataPath), split, imageNet);
            default:
                throw new ArgumentException(
                    $"unknown data_set \"{dataSet}\"; expected fmnist, mnist, CIFAR (cifar100), synthetic, imagenet100 or imagenet1000.",
                    nameof(dataSet));
        }
    }

    /// <summary>True for the ImageNet data sets, whose images are larger than the model input and take the crop transforms.</summary>
    public static bool IsImageNet(string dataSet) => Canonical(dataSet) == "imagenet";

    /// <summary>100 for <c>imagenet100</c>, 1000 for <c>imagenet1000</c>, <c>imnet</c> and <c>imagenet</c>.</summary>
    public static int ImageNetClassCount(string dataSet) => dataSet.ToLowerInvariant() == "imagenet100" ? 100 : 1000;

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
