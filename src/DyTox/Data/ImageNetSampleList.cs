using System.Security.Cryptography;
using System.Text;

namespace DyTox.Data;

/// <summary>
/// The images of one ImageNet split: paths relative to the data root, labels, and the class names (WNIDs).
/// ImageNet-100 comes from the original's split lists (<c>train_100.txt</c> / <c>val_100.txt</c>) when present,
/// otherwise from the first 100 synset folders; ImageNet-1000 from the folders (torchvision ImageFolder order).
/// </summary>
public sealed class ImageNetSampleList
{
    /// <summary>torchvision's <c>IMG_EXTENSIONS</c> (lower case), the files ImageFolder picks up.</summary>
    public static readonly IReadOnlyList<string> ImageExtensions =
        [".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp"];

    public ImageNetSampleList(string root, IReadOnlyList<ImageNetSplitEntry> samples, IReadOnlyList<string> classNames, string source)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(classNames);
        if (samples.Count == 0)
        {
            throw new ArgumentException($"{source}: the sample list is empty.");
        }
        foreach (var s in samples)
        {
            if ((uint)s.Label >= (uint)classNames.Count)
            {
                throw new ArgumentException($"{source}: label {s.Label} of {s.RelativePath} is outside [0, {classNames.Count}).");
            }
        }
        Root = root;
        Samples = samples.ToArray();
        ClassNames = classNames.ToArray();
        Source = source;
    }

    /// <summary>The data root the relative paths start from.</summary>
    public string Root { get; }

    public IReadOnlyList<ImageNetSplitEntry> Samples { get; }

    /// <summary>WNID of every label (index = label).</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Where the list came from, for messages (a split file or a folder).</summary>
    public string Source { get; }

    public int Count => Samples.Count;

    public string FullPath(int index) => Path.Combine(Root, Samples[index].RelativePath);

    /// <summary>
    /// SHA-256 of the class names and the (relative path, label) pairs in order: a cache built from another list
    /// (other files, order, labels or classes) has another hash. Image contents are not hashed.
    /// </summary>
    public byte[] ComputeHash()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => hash.AppendData(Encoding.UTF8.GetBytes(s));
        Add($"dytox-imagenet-list 1\n{ClassNames.Count} {Samples.Count}\n");
        foreach (string name in ClassNames)
        {
            Add(name + "\n");
        }
        foreach (var s in Samples)
        {
            Add($"{s.RelativePath}\t{s.Label}\n");
        }
        return hash.GetHashAndReset();
    }

    /// <summary>
    /// ImageNet-100: <c>&lt;data&gt;/train_100.txt</c> or <c>val_100.txt</c> (also looked for in
    /// <c>&lt;data&gt;/imagenet100_splits/</c>) when present, else the first 100 synsets of <c>&lt;data&gt;/train</c>
    /// in sorted WNID order — the classes of the original's split — with every image of
    /// <c>&lt;data&gt;/train/&lt;wnid&gt;/</c> or <c>&lt;data&gt;/val/&lt;wnid&gt;/</c>.
    /// </summary>
    public static ImageNetSampleList ImageNet100(string dataPath, DatasetSplit split)
    {
        string fileName = split == DatasetSplit.Train ? "train_100.txt" : "val_100.txt";
        foreach (string candidate in new[] { Path.Combine(dataPath, fileName), Path.Combine(dataPath, "imagenet100_splits", fileName) })
        {
            if (File.Exists(candidate))
            {
                return FromSplitFile(dataPath, candidate);
            }
        }
        return FromFolders(dataPath, split, maxClasses: 100);
    }

    /// <summary>ImageNet-1000: every synset folder of <c>&lt;data&gt;/train</c> and its images (ImageFolder semantics).</summary>
    public static ImageNetSampleList ImageNet1000(string dataPath, DatasetSplit split) => FromFolders(dataPath, split, maxClasses: null);

    /// <summary>A list file of "relative/path label" lines (see <see cref="ImageNetSplitFile"/>); paths are relative to <paramref name="dataPath"/>.</summary>
    public static ImageNetSampleList FromSplitFile(string dataPath, string splitFile)
    {
        var file = ImageNetSplitFile.Load(splitFile);
        return new ImageNetSampleList(dataPath, file.Entries, file.WnidByLabel, $"split file {splitFile}");
    }

    /// <summary>
    /// ImageFolder over <c>&lt;data&gt;/train</c> or <c>&lt;data&gt;/val</c>: the classes are the sorted (ordinal) synset
    /// folders of <c>train</c> (the first <paramref name="maxClasses"/> if given), so both splits share labels;
    /// the images of a class are its files with an image extension, walked folder by folder in sorted order.
    /// </summary>
    public static ImageNetSampleList FromFolders(string dataPath, DatasetSplit split, int? maxClasses)
    {
        string trainFolder = Path.Combine(dataPath, "train");
        if (!Directory.Exists(trainFolder))
        {
            throw new DirectoryNotFoundException(
                $"{trainFolder}: folder not found; ImageNet needs <data_path>/train/<wnid>/*.JPEG and <data_path>/val/<wnid>/*.JPEG" +
                " (or, for imagenet100, the split lists train_100.txt / val_100.txt in data_path).");
        }
        var classes = Directory.GetDirectories(trainFolder).Select(Path.GetFileName).OfType<string>()
            .Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (maxClasses is int max)
        {
            if (classes.Count < max)
            {
                throw new DatasetFormatException(trainFolder, $"{classes.Count} synset folder(s) found, expected at least {max}.");
            }
            classes = classes.Take(max).ToList();
        }
        if (classes.Count == 0)
        {
            throw new DatasetFormatException(trainFolder, "no synset folders found; expected one folder per class (e.g. n01440764).");
        }
        string splitName = split == DatasetSplit.Train ? "train" : "val";
        string splitFolder = Path.Combine(dataPath, splitName);
        if (!Directory.Exists(splitFolder))
        {
            throw new DirectoryNotFoundException($"{splitFolder}: folder not found; expected <data_path>/{splitName}/<wnid>/ image folders.");
        }
        if (maxClasses is null && split != DatasetSplit.Train)
        {
            var extra = Directory.GetDirectories(splitFolder).Select(Path.GetFileName).OfType<string>()
                .Where(n => !n.StartsWith('.')).Except(classes, StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (extra.Count > 0)
            {
                throw new DatasetFormatException(splitFolder,
                    $"synset folder(s) {string.Join(", ", extra.Take(5))} are not in {trainFolder}; train and val must hold the same classes.");
            }
        }
        var samples = new List<ImageNetSplitEntry>();
        for (int label = 0; label < classes.Count; label++)
        {
            string classFolder = Path.Combine(splitFolder, classes[label]);
            if (!Directory.Exists(classFolder))
            {
                throw new DirectoryNotFoundException($"{classFolder}: folder not found; expected the images of class {label} ({classes[label]}).");
            }
            int before = samples.Count;
            foreach (string file in WalkImages(classFolder))
            {
                samples.Add(new ImageNetSplitEntry(Path.GetRelativePath(dataPath, file).Replace('\\', '/'), label));
            }
            if (samples.Count == before)
            {
                throw new DatasetFormatException(classFolder, $"no image files ({string.Join(" ", ImageExtensions)}) found for class {classes[label]}.");
            }
        }
        string limit = maxClasses is int m ? $"first {m} synsets" : "all synsets";
        return new ImageNetSampleList(dataPath, samples, classes, $"folder {splitFolder} ({limit} of {trainFolder})");
    }

    /// <summary>Python's <c>sorted(os.walk(folder))</c> order: folders by path, files by name within each.</summary>
    private static IEnumerable<string> WalkImages(string folder)
    {
        var folders = new List<string> { folder };
        folders.AddRange(Directory.EnumerateDirectories(folder, "*", SearchOption.AllDirectories));
        folders.Sort(StringComparer.Ordinal);
        foreach (string f in folders)
        {
            foreach (string file in Directory.EnumerateFiles(f).Order(StringComparer.Ordinal))
            {
                string ext = Path.GetExtension(file).ToLowerInvariant();
                if (ImageExtensions.Contains(ext))
                {
                    yield return file;
                }
            }
        }
    }
}
