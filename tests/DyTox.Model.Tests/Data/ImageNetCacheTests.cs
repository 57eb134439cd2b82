using DyTox.Data;

namespace DyTox.Model.Tests.Data;

/// <summary>ImageNet sample lists, the packed S×S cache (build, read, staleness, damage) on small synthetic trees.</summary>
public class ImageNetCacheTests
{
    private const int S = 64;

    /// <summary>(relative path, label, width, height, grey, png) of the split-file tree: odd sizes and aspect ratios.</summary>
    private static readonly (string Path, int Label, int W, int H, bool Grey, bool Png)[] SplitTrain =
    [
        ($"train/{ImageNetTree.Wnid(0)}/{ImageNetTree.Wnid(0)}_3.JPEG", 0, 120, 90, false, false),
        ($"train/{ImageNetTree.Wnid(0)}/{ImageNetTree.Wnid(0)}_1.JPEG", 0, 70, 100, true, false),
        ($"train/{ImageNetTree.Wnid(1)}/{ImageNetTree.Wnid(1)}_2.JPEG", 1, 64, 64, false, true), // a PNG named .JPEG
        ($"train/{ImageNetTree.Wnid(1)}/{ImageNetTree.Wnid(1)}_9.JPEG", 1, 200, 66, false, false),
        ($"train/{ImageNetTree.Wnid(2)}/{ImageNetTree.Wnid(2)}_5.JPEG", 2, 50, 80, false, false), // smaller than S: upscaled
        ($"train/{ImageNetTree.Wnid(2)}/{ImageNetTree.Wnid(2)}_4.JPEG", 2, 97, 97, true, false),
    ];

    private static readonly (string Path, int Label, int W, int H, bool Grey, bool Png)[] SplitVal =
    [
        ($"val/{ImageNetTree.Wnid(0)}/ILSVRC2012_val_00000293.JPEG", 0, 100, 75, false, false),
        ($"val/{ImageNetTree.Wnid(1)}/ILSVRC2012_val_00000011.JPEG", 1, 75, 100, false, false),
        ($"val/{ImageNetTree.Wnid(2)}/ILSVRC2012_val_00000007.JPEG", 2, 80, 80, true, false),
    ];

    private static (byte R, byte G, byte B) Expected(int label, bool grey)
    {
        var c = ImageNetTree.ClassColour(label);
        return grey ? (c.R, c.R, c.R) : c;
    }

    /// <summary>Writes the images and the original-format split lists (<c>path label</c> lines).</summary>
    private static void WriteSplitTree(ImageNetTree tree)
    {
        foreach (var list in new[] { SplitTrain, SplitVal })
        {
            foreach (var (path, label, w, h, grey, png) in list)
            {
                tree.WriteFile(path, ImageNetTree.Solid(w, h, ImageNetTree.ClassColour(label), grey, png));
            }
        }
        tree.WriteText("train_100.txt", SplitTrain.Select(e => $"{e.Path} {e.Label}"));
        tree.WriteText("val_100.txt", SplitVal.Select(e => $"{e.Path} {e.Label}"));
    }

    private static ImageNetCacheOptions Options(ImageNetTree tree, List<string>? log = null, int threads = 2) => new()
    {
        ImageSize = S,
        CacheDirectory = Path.Combine(tree.Root, "cache"),
        MaxDegreeOfParallelism = threads,
        Log = log is null ? null : log.Add,
    };

    private static void AssertSolid(ImageDataset data, int index, (byte R, byte G, byte B) colour, int tolerance)
    {
        var pixels = data.GetImage(index);
        int worst = 0;
        for (int p = 0; p < pixels.Length; p += 3)
        {
            worst = Math.Max(worst, Math.Abs(pixels[p] - colour.R));
            worst = Math.Max(worst, Math.Abs(pixels[p + 1] - colour.G));
            worst = Math.Max(worst, Math.Abs(pixels[p + 2] - colour.B));
        }
        Assert.That(worst, Is.LessThanOrEqualTo(tolerance), $"image {index} of {data.Name}: largest difference to {colour}");
    }

    [Test]
    public void SplitFilesGiveTheirOrderLabelsClassesAndPixels()
    {
        using var tree = new ImageNetTree();
        WriteSplitTree(tree);
        var log = new List<string>();
        using var train = ImageNetDataset.Load(100, tree.Root, DatasetSplit.Train, Options(tree, log));
        using var val = ImageNetDataset.Load(100, tree.Root, DatasetSplit.Test, Options(tree, log));

        Assert.That(train.Path, Is.EqualTo(Path.Combine(tree.Root, "cache", "imagenet100-train-64.u8")));
        Assert.That((train.Count, train.Height, train.Width, train.Channels, train.Layout), Is.EqualTo((6, S, S, 3, PixelLayout.Hwc)));
        Assert.That(train.Labels, Is.EqualTo(SplitTrain.Select(e => e.Label)));
        Assert.That(train.ClassNames, Is.EqualTo(new[] { ImageNetTree.Wnid(0), ImageNetTree.Wnid(1), ImageNetTree.Wnid(2) }));
        Assert.That(val.Labels, Is.EqualTo(new[] { 0, 1, 2 }));
        for (int i = 0; i < SplitTrain.Length; i++)
        {
            AssertSolid(train, i, Expected(SplitTrain[i].Label, SplitTrain[i].Grey), tolerance: 3);
        }
        for (int i = 0; i < SplitVal.Length; i++)
        {
            AssertSolid(val, i, Expected(SplitVal[i].Label, SplitVal[i].Grey), tolerance: 3);
        }
        Assert.That(log, Has.Some.Contains("building cache").And.Some.Contains("split file"));

        // A second load maps the existing file instead of rebuilding it.
        log.Clear();
        using var again = ImageNetDataset.Load(100, tree.Root, DatasetSplit.Train, Options(tree, log));
        Assert.That(log, Has.One.Contains("using cache"));
        Assert.That(again.GetImage(3).ToArray(), Is.EqualTo(train.GetImage(3).ToArray()));
    }

    [Test]
    public void ResizeShorterSideThenCentreCrop()
    {
        using var tree = new ImageNetTree();
        var red = ((byte)230, (byte)20, (byte)20);
        var blue = ((byte)20, (byte)20, (byte)230);
        // 150×100 → Resize(64) = 96×64 → centre crop from column 16; the edge at x = 75 lands on column 48 − 16 = 32.
        tree.WriteFile("train/n1/a.JPEG", ImageNetTree.Halves(150, 100, red, blue));
        // 100×150 (portrait) → 64×96 → crop from row 16; the vertical edge at x = 50 lands on column 32.
        tree.WriteFile("train/n1/b.JPEG", ImageNetTree.Halves(100, 150, red, blue));
        var list = ImageNetSampleList.FromFolders(tree.Root, DatasetSplit.Train, maxClasses: null);
        string path = Path.Combine(tree.Root, "halves.u8");
        PackedImageCacheBuilder.Build(list, path, S);
        using var cache = PackedImageCache.Open(path);
        for (int i = 0; i < 2; i++)
        {
            var image = cache.GetImage(i);
            for (int y = 0; y < S; y += 7)
            {
                for (int x = 0; x < S; x++)
                {
                    if (x is >= 29 and <= 34)
                    {
                        continue; // the cubic kernel (and JPEG) smear the edge over a few columns
                    }
                    var expected = x < 32 ? red : blue;
                    int o = (y * S + x) * 3;
                    Assert.That(image[o], Is.EqualTo(expected.Item1).Within(12), $"image {i} ({y}, {x}) R");
                    Assert.That(image[o + 2], Is.EqualTo(expected.Item3).Within(12), $"image {i} ({y}, {x}) B");
                }
            }
        }
    }

    [Test]
    public void TheBuildIsByteIdenticalWhateverTheThreadCount()
    {
        using var tree = new ImageNetTree();
        WriteSplitTree(tree);
        var list = ImageNetSampleList.ImageNet100(tree.Root, DatasetSplit.Train);
        var progress = new List<CacheBuildProgress>();
        string one = Path.Combine(tree.Root, "one.u8"), two = Path.Combine(tree.Root, "two.u8");
        PackedImageCacheBuilder.Build(list, one, S, maxDegreeOfParallelism: 1, progress.Add);
        PackedImageCacheBuilder.Build(list, two, S, maxDegreeOfParallelism: 2);
        Assert.That(File.ReadAllBytes(two), Is.EqualTo(File.ReadAllBytes(one)));
        Assert.That(progress[^1].Done, Is.EqualTo(list.Count));
        Assert.That(progress[^1].Total, Is.EqualTo(list.Count));
        Assert.That(Directory.GetFiles(tree.Root, "*.tmp"), Is.Empty, "no temporary file is left behind");
    }

    [Test]
    public void AChangedListOrSizeRebuildsTheCache()
    {
        using var tree = new ImageNetTree();
        WriteSplitTree(tree);
        var log = new List<string>();
        using (var first = ImageNetDataset.Load(100, tree.Root, DatasetSplit.Train, Options(tree, log)))
        {
            Assert.That(first.Count, Is.EqualTo(6));
        }
        string extra = $"train/{ImageNetTree.Wnid(1)}/{ImageNetTree.Wnid(1)}_7.JPEG";
        tree.WriteFile(extra, ImageNetTree.Solid(90, 70, ImageNetTree.ClassColour(1)));
        tree.WriteText("train_100.txt", SplitTrain.Select(e => $"{e.Path} {e.Label}").Append($"{extra} 1"));
        log.Clear();
        using (var second = ImageNetDataset.Load(100, tree.Root, DatasetSplit.Train, Options(tree, log)))
        {
            Assert.That(log, Has.One.Contains("built from another sample list"));
            Assert.That(second.Count, Is.EqualTo(7));
            AssertSolid(second, 6, ImageNetTree.ClassColour(1), tolerance: 3);
        }
        // Relabelling alone also changes the list's hash.
        var relabelled = new ImageNetSampleList(tree.Root,
            [new ImageNetSplitEntry(SplitTrain[0].Path, 1), new ImageNetSplitEntry(SplitTrain[1].Path, 0)], ["a", "b"], "test");
        var original = new ImageNetSampleList(tree.Root,
            [new ImageNetSplitEntry(SplitTrain[0].Path, 0), new ImageNetSplitEntry(SplitTrain[1].Path, 1)], ["a", "b"], "test");
        Assert.That(relabelled.ComputeHash(), Is.Not.EqualTo(original.ComputeHash()));
    }

    [Test]
    public void ACorruptImageFailsTheBuildNamingTheFileAndLeavesNoCache()
    {
        using var tree = new ImageNetTree();
        WriteSplitTree(tree);
        string bad = tree.WriteFile(SplitTrain[3].Path, "JFIF? no."u8.ToArray());
        var options = Options(tree);
        Assert.That(() => ImageNetDataset.Load(100, tree.Root, DatasetSplit.Train, options),
            Throws.TypeOf<DatasetFormatException>().With.Message.StartsWith(bad + ":").And.Message.Contains("expected a JPEG or PNG"));
        Assert.That(Directory.GetFiles(options.CacheDirectory!), Is.Empty);
    }

    [Test]
    public void DamagedCachesAreClearErrorsNamingTheFile()
    {
        using var tree = new ImageNetTree();
        WriteSplitTree(tree);
        var options = Options(tree);
        string path;
        using (var cache = ImageNetDataset.Load(100, tree.Root, DatasetSplit.Test, options))
        {
            path = cache.Path;
        }
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);
        Assert.That(() => ImageNetDataset.Load(100, tree.Root, DatasetSplit.Test, options),
            Throws.TypeOf<DatasetFormatException>().With.Message.StartsWith(path + ":").And.Message.Contains("truncated"));
        File.WriteAllBytes(path, bytes[..40]);
        Assert.That(() => PackedImageCache.Open(path), Throws.TypeOf<DatasetFormatException>().With.Message.Contains("fewer than the 72-byte header"));
        var wrongMagic = (byte[])bytes.Clone();
        wrongMagic[0] = (byte)'X';
        File.WriteAllBytes(path, wrongMagic);
        Assert.That(() => PackedImageCache.Open(path), Throws.TypeOf<DatasetFormatException>().With.Message.Contains("wrong magic"));
        var badLabel = (byte[])bytes.Clone();
        badLabel[PackedImageCacheFormat.FixedHeaderSize] = 9; // label of image 0 → 9, with 3 classes
        File.WriteAllBytes(path, badLabel);
        Assert.That(() => PackedImageCache.Open(path), Throws.TypeOf<DatasetFormatException>().With.Message.Contains("label 9 is outside [0, 3)"));
    }

    [Test]
    public void AnUnwritableCacheFolderIsAClearError()
    {
        using var tree = new ImageNetTree();
        WriteSplitTree(tree);
        tree.WriteFile("a-file", []);
        var options = Options(tree) with { CacheDirectory = Path.Combine(tree.Root, "a-file", "cache") };
        Assert.That(() => ImageNetDataset.Load(100, tree.Root, DatasetSplit.Test, options),
            Throws.InstanceOf<IOException>().With.Message.Contains("cannot write the image cache here").And.Message.Contains("--imagenet-cache-dir"));
    }

    [Test]
    public void ImageNet100WithoutSplitFilesTakesTheFirst100SortedSynsets()
    {
        using var tree = new ImageNetTree();
        // 101 synsets, created in reverse order; the last one in sorted order is not part of ImageNet-100.
        for (int k = 100; k >= 0; k--)
        {
            byte[] jpeg = ImageNetTree.Solid(24, 18, ImageNetTree.ClassColour(k));
            tree.WriteFile($"train/{ImageNetTree.Wnid(k)}/b_{k}.JPEG", jpeg);
            tree.WriteFile($"val/{ImageNetTree.Wnid(k)}/v_{k}.JPEG", jpeg);
        }
        tree.WriteFile($"train/{ImageNetTree.Wnid(5)}/a_5.jpeg", ImageNetTree.Solid(20, 30, ImageNetTree.ClassColour(5), png: true));
        tree.WriteFile($"train/{ImageNetTree.Wnid(5)}/notes.txt", "not an image"u8.ToArray());
        var list = ImageNetSampleList.ImageNet100(tree.Root, DatasetSplit.Train);
        Assert.That(list.ClassNames, Is.EqualTo(Enumerable.Range(0, 100).Select(ImageNetTree.Wnid)));
        Assert.That(list.Count, Is.EqualTo(101));
        Assert.That(list.Samples[5].RelativePath, Is.EqualTo($"train/{ImageNetTree.Wnid(5)}/a_5.jpeg")); // sorted by name
        Assert.That(list.Samples[6].RelativePath, Is.EqualTo($"train/{ImageNetTree.Wnid(5)}/b_5.JPEG"));
        Assert.That(list.Samples.Select(s => s.Label), Is.Ordered);
        var val = ImageNetSampleList.ImageNet100(tree.Root, DatasetSplit.Test);
        Assert.That(val.Samples.Select(s => s.Label), Is.EqualTo(Enumerable.Range(0, 100)));
        Assert.That(val.Source, Does.Contain("first 100 synsets"));
    }

    [Test]
    public void ImageNet1000FoldersAndTheirErrors()
    {
        using var tree = new ImageNetTree();
        Assert.That(() => ImageNetSampleList.ImageNet1000(tree.Root, DatasetSplit.Train),
            Throws.TypeOf<DirectoryNotFoundException>().With.Message.StartsWith(Path.Combine(tree.Root, "train") + ":"));
        foreach (string wnid in new[] { "n02", "n01", "n03" })
        {
            tree.WriteFile($"train/{wnid}/x.JPEG", ImageNetTree.Solid(8, 8, (1, 2, 3)));
        }
        Assert.That(() => ImageNetSampleList.ImageNet1000(tree.Root, DatasetSplit.Test),
            Throws.TypeOf<DirectoryNotFoundException>().With.Message.StartsWith(Path.Combine(tree.Root, "val") + ":"));
        tree.WriteFile("val/n01/y.JPEG", ImageNetTree.Solid(8, 8, (1, 2, 3)));
        tree.WriteFile("val/n03/y.JPEG", ImageNetTree.Solid(8, 8, (1, 2, 3)));
        Assert.That(() => ImageNetSampleList.ImageNet1000(tree.Root, DatasetSplit.Test),
            Throws.TypeOf<DirectoryNotFoundException>().With.Message.Contains("images of class 1 (n02)"));
        tree.WriteFile("val/n02/y.JPEG", ImageNetTree.Solid(8, 8, (1, 2, 3)));
        tree.WriteFile("val/n04/y.JPEG", ImageNetTree.Solid(8, 8, (1, 2, 3)));
        Assert.That(() => ImageNetSampleList.ImageNet1000(tree.Root, DatasetSplit.Test),
            Throws.TypeOf<DatasetFormatException>().With.Message.Contains("n04 are not in"));
        File.Delete(Path.Combine(tree.Root, "val/n04/y.JPEG"));
        Directory.Delete(Path.Combine(tree.Root, "val/n04"));
        var val = ImageNetSampleList.ImageNet1000(tree.Root, DatasetSplit.Test);
        Assert.That(val.ClassNames, Is.EqualTo(new[] { "n01", "n02", "n03" }));
        Assert.That(val.Samples.Select(s => s.RelativePath), Is.EqualTo(new[] { "val/n01/y.JPEG", "val/n02/y.JPEG", "val/n03/y.JPEG" }));
        Assert.That(() => ImageNetSampleList.ImageNet100(tree.Root, DatasetSplit.Train),
            Throws.TypeOf<DatasetFormatException>().With.Message.Contains("3 synset folder(s) found, expected at least 100"));
    }

    [Test]
    public void TheOriginalsValListHasTheFirst100SynsetsInSortedOrder()
    {
        // The folder fallback rests on this: label i of val_100.txt is the i-th WNID in sorted order.
        string? val = OptionFiles.SharedData("data/dytox-original/imagenet100_splits/val_100.txt");
        if (val is null)
        {
            Assert.Ignore("shared/data/dytox-original is not beside this checkout");
        }
        var list = ImageNetSampleList.FromSplitFile("/imagenet", val);
        Assert.That(list.Count, Is.EqualTo(5000));
        Assert.That(list.ClassNames, Has.Count.EqualTo(100));
        Assert.That(list.ClassNames, Is.Ordered.Using((IComparer<string>)StringComparer.Ordinal));
        Assert.That(list.ClassNames[0], Is.EqualTo("n01440764"));
        Assert.That(list.ClassNames[99], Is.EqualTo("n01855672"));
    }

    [Test]
    [NonParallelizable] // sets XDG_CACHE_HOME
    public void CacheLocationBesideTheDataOrInTheUserCache()
    {
        using var tree = new ImageNetTree();
        Assert.That(ImageNetDataset.CachePath(tree.Root, "imagenet100-train-256", null),
            Is.EqualTo(Path.Combine(tree.Root, ".dytox-cache", "imagenet100-train-256.u8")));
        Assert.That(ImageNetDataset.CachePath(tree.Root, "x", "/elsewhere"), Is.EqualTo("/elsewhere/x.u8"));
        // A data folder where .dytox-cache cannot be made (here: a file of that name) falls back to the user cache.
        string blocked = Path.Combine(tree.Root, "blocked");
        tree.WriteFile("blocked/.dytox-cache", []);
        string? saved = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        try
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(tree.Root, "xdg"));
            string fallback = ImageNetDataset.CachePath(blocked, "imagenet100-val-64", null);
            Assert.That(fallback, Does.StartWith(Path.Combine(tree.Root, "xdg", "dytox", "imagenet", "imagenet100-val-64-")));
            Assert.That(fallback, Does.EndWith(".u8"));
            tree.WriteFile("other/.dytox-cache", []);
            string otherFallback = ImageNetDataset.CachePath(Path.Combine(tree.Root, "other"), "imagenet100-val-64", null);
            Assert.That(Path.GetDirectoryName(otherFallback), Is.EqualTo(Path.GetDirectoryName(fallback)));
            Assert.That(otherFallback, Is.Not.EqualTo(fallback), "another data folder gets another file name");
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", saved);
        }
    }
}
