using System.Security.Cryptography;
using System.Text;

namespace DyTox.Data;

/// <summary>How ImageNet's packed caches are made and where they live.</summary>
public sealed record ImageNetCacheOptions
{
    /// <summary>Shorter side S of the cached images: Resize(S), aspect ratio kept. 256 = the original's test resize.</summary>
    public int ImageSize { get; init; } = 256;

    /// <summary>Folder for the cache files; null = <c>&lt;data_path&gt;/.dytox-cache</c>, or the user cache if that is read-only.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Decoding threads of a build; ≤ 0 = all processors.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    /// <summary>Called after each block of images a build writes.</summary>
    public Action<CacheBuildProgress>? Progress { get; init; }

    /// <summary>Called with one-line notes (which cache is used, built, or rebuilt because its list changed).</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>
/// ImageNet-100 / ImageNet-1000 as <see cref="ImageDataset"/>s: the split's sample list
/// (<see cref="ImageNetSampleList"/>) is packed once into a uint8 cache of the images resized to shorter side S
/// (aspect ratio kept), which is then memory-mapped (<see cref="PackedImageCache"/>). A cache whose list hash or S
/// differs from the current ones, or that was written in an older format version, is rebuilt.
/// </summary>
public static class ImageNetDataset
{
    /// <summary>Loads (building the cache first if needed) ImageNet with <paramref name="classes"/> = 100 or 1000.</summary>
    public static PackedImageCache Load(int classes, string dataPath, DatasetSplit split, ImageNetCacheOptions? options = null)
    {
        options ??= new ImageNetCacheOptions();
        if (options.ImageSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ImageSize, "the ImageNet cache image size must be positive.");
        }
        if (!Directory.Exists(dataPath))
        {
            throw new DirectoryNotFoundException($"{dataPath}: ImageNet data folder not found; expected train/ and val/ synset folders (and for imagenet100 optionally train_100.txt / val_100.txt).");
        }
        var list = classes switch
        {
            100 => ImageNetSampleList.ImageNet100(dataPath, split),
            1000 => ImageNetSampleList.ImageNet1000(dataPath, split),
            _ => throw new ArgumentOutOfRangeException(nameof(classes), classes, "ImageNet comes as 100 or 1000 classes."),
        };
        string name = $"imagenet{classes}-{SplitName(split)}-{options.ImageSize}";
        return LoadOrBuild(list, name, CachePath(dataPath, name, options.CacheDirectory), options);
    }

    /// <summary>
    /// Opens the cache at <paramref name="cachePath"/> if it was built from <paramref name="list"/> at the requested
    /// shorter side in the current format, else (re)builds it. A damaged cache or one of a newer format is an error.
    /// </summary>
    public static PackedImageCache LoadOrBuild(ImageNetSampleList list, string name, string cachePath, ImageNetCacheOptions options)
    {
        byte[] hash = list.ComputeHash();
        bool exists = File.Exists(cachePath);
        if (exists && OpenIfCurrent(cachePath, name, options) is { } cache)
        {
            if (cache.ListHash.SequenceEqual(hash) && cache.ShorterSide == options.ImageSize)
            {
                options.Log?.Invoke($"{name}: using cache {cachePath} ({cache.Count} images, shorter side {cache.ShorterSide})");
                return cache;
            }
            cache.Dispose();
            options.Log?.Invoke($"{name}: cache {cachePath} was built from another sample list or size; rebuilding it from {list.Source}");
        }
        else if (!exists)
        {
            // ImageNet's photos are mostly 4:3, so an image costs about S · 4S/3 · 3 bytes.
            options.Log?.Invoke($"{name}: building cache {cachePath} from {list.Source} ({list.Count} images, " +
                                $"about {(double)list.Count * options.ImageSize * (options.ImageSize * 4 / 3) * 3 / (1 << 30):F1} GiB)");
        }
        PackedImageCacheBuilder.Build(list, cachePath, options.ImageSize, options.MaxDegreeOfParallelism, options.Progress);
        var built = PackedImageCache.Open(cachePath, name);
        if (!built.ListHash.SequenceEqual(hash))
        {
            built.Dispose();
            throw new DatasetFormatException(cachePath, "the freshly built cache does not carry the list's hash (was it replaced concurrently?).");
        }
        return built;
    }

    /// <summary>The cache at <paramref name="path"/>, or null (after a log line) if it is of an older format version and must be rebuilt.</summary>
    private static PackedImageCache? OpenIfCurrent(string path, string name, ImageNetCacheOptions options)
    {
        try
        {
            return PackedImageCache.Open(path, name);
        }
        catch (PackedImageCacheVersionException e) when (e.IsOlder)
        {
            options.Log?.Invoke($"{name}: cache {path} has format version {e.FileVersion} (S×S centre crops), this build " +
                                $"writes version {PackedImageCacheFormat.Version} (whole images); rebuilding it");
            return null;
        }
    }

    /// <summary>
    /// <c>&lt;cacheDirectory&gt;/&lt;name&gt;.u8</c> when a folder is given; else <c>&lt;data_path&gt;/.dytox-cache/&lt;name&gt;.u8</c>
    /// if that exists or can be created and written; else the user cache (<c>$XDG_CACHE_HOME</c> or
    /// <c>~/.cache</c>)<c>/dytox/imagenet/&lt;name&gt;-&lt;hash of data_path&gt;.u8</c>.
    /// </summary>
    public static string CachePath(string dataPath, string name, string? cacheDirectory)
    {
        if (!string.IsNullOrEmpty(cacheDirectory))
        {
            return Path.Combine(cacheDirectory, name + ".u8");
        }
        string beside = Path.Combine(dataPath, ".dytox-cache");
        string besidePath = Path.Combine(beside, name + ".u8");
        if (File.Exists(besidePath) || IsWritableFolder(beside))
        {
            return besidePath;
        }
        string xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") ?? "";
        string userCache = Path.IsPathRooted(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        string root = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(dataPath))))[..12];
        return Path.Combine(userCache, "dytox", "imagenet", $"{name}-{root}.u8");
    }

    private static bool IsWritableFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string SplitName(DatasetSplit split) => split == DatasetSplit.Train ? "train" : "val";
}
