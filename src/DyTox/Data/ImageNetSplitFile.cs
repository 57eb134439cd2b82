using System.Globalization;

namespace DyTox.Data;

/// <summary>One line of an ImageNet-100 split file: image path relative to the data root, and its label.</summary>
public readonly record struct ImageNetSplitEntry(string RelativePath, int Label)
{
    /// <summary>The synset folder of the path (<c>val/n01440764/x.JPEG</c> → <c>n01440764</c>), or "" when absent.</summary>
    public string Wnid
    {
        get
        {
            var parts = RelativePath.Split('/');
            return parts.Length >= 2 ? parts[^2] : "";
        }
    }
}

/// <summary>
/// Parser for the PODNet/DER/DyTox ImageNet-100 subset lists (<c>train_100.txt</c>, <c>val_100.txt</c>):
/// one sample per line, <c>relative/path label</c> separated by whitespace. <see cref="ImageNetSampleList"/> turns
/// them into the sample list that <see cref="PackedImageCacheBuilder"/> decodes into a packed uint8 cache.
/// </summary>
public sealed class ImageNetSplitFile
{
    private ImageNetSplitFile(string path, ImageNetSplitEntry[] entries, string[] wnids)
    {
        Path = path;
        Entries = entries;
        WnidByLabel = wnids;
    }

    public string Path { get; }

    public IReadOnlyList<ImageNetSplitEntry> Entries { get; }

    /// <summary>Synset id of every label (index = label), taken from the paths.</summary>
    public IReadOnlyList<string> WnidByLabel { get; }

    public int ClassCount => WnidByLabel.Count;

    public static ImageNetSplitFile Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new DatasetFormatException(path, "split file not found.");
        }
        return Parse(path, File.ReadAllLines(path));
    }

    /// <summary>Parses the lines; labels must be 0..K-1 with every label present and one WNID per label.</summary>
    public static ImageNetSplitFile Parse(string path, IEnumerable<string> lines)
    {
        var entries = new List<ImageNetSplitEntry>();
        var wnids = new Dictionary<int, string>();
        int lineNumber = 0;
        foreach (string rawLine in lines)
        {
            lineNumber++;
            string line = rawLine.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2)
            {
                throw new DatasetFormatException(path,
                    $"line {lineNumber}: expected \"relative/path label\", got \"{Shorten(line)}\".");
            }
            if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int label))
            {
                throw new DatasetFormatException(path,
                    $"line {lineNumber}: label \"{parts[1]}\" is not a non-negative integer.");
            }
            var entry = new ImageNetSplitEntry(parts[0], label);
            string wnid = entry.Wnid;
            if (wnids.TryGetValue(label, out string? known))
            {
                if (known != wnid)
                {
                    throw new DatasetFormatException(path,
                        $"line {lineNumber}: label {label} is used for folder \"{wnid}\" but earlier for \"{known}\".");
                }
            }
            else
            {
                wnids[label] = wnid;
            }
            entries.Add(entry);
        }
        if (entries.Count == 0)
        {
            throw new DatasetFormatException(path, "split file has no entries.");
        }
        int classes = wnids.Keys.Max() + 1;
        var byLabel = new string[classes];
        for (int label = 0; label < classes; label++)
        {
            if (!wnids.TryGetValue(label, out string? wnid))
            {
                throw new DatasetFormatException(path, $"labels must cover 0..{classes - 1}, but label {label} never occurs.");
            }
            byLabel[label] = wnid;
        }
        return new ImageNetSplitFile(path, entries.ToArray(), byLabel);
    }

    /// <summary>Number of entries per label.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (var entry in Entries)
        {
            counts[entry.Label]++;
        }
        return counts;
    }

    private static string Shorten(string s) => s.Length <= 120 ? s : s[..120] + "…";
}
