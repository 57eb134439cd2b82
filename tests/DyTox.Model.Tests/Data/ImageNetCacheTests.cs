using System.Buffers.Binary;
using System.Text;
using DyTox.Data;
using DyTox.Data.Augmentation;

namespace DyTox.Model.Tests.Data;

/// <summary>ImageNet sample lists, the packed shorter-side-S cache (build, read, staleness, damage) on small synthetic trees.</summary>
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
        Assert.That((train.Count, train.ShorterSide, train.Channels, train.Layout), Is.EqualTo((6, S, 3, PixelLayout.Hwc)));
        Assert.That(train.UniformSize, Is.False);
        for (int i = 0; i < SplitTrain.Length; i++)
        {
            // Resize(S): shorter side S, the long side int(S · long / short).
            Assert.That(train.ImageShape(i), Is.EqualTo(ResizedCrop.ShorterSideTo(SplitTrain[i].H, SplitTrain[i].W, S)), $"image {i}");
            Assert.That(train.GetImage(i).Length, Is.EqualTo(train.ImageBytes(i)));
        }
        // The smallest height and width: what any crop must fit.
        Assert.That((train.Height, train.Width), Is.EqualTo((S, S)));
        Assert.That(() => train.ImageSize, Throws.InvalidOperationException.With.Message.Contains("differ in size"));
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

    /// <summary>The decoded file resized with the PIL-style resampler directly (no cache), as RGB HWC.</summary>
    private static ByteImage DecodeAndResize(string path, int height, int width)
    {
        var rgba = ImageFileDecoder.Decode(path);
        var rgb = new ByteImage(rgba.Height, rgba.Width, 3);
        for (int p = 0; p < rgba.Height * rgba.Width; p++)
        {
            rgb.Data[3 * p] = rgba.Data[4 * p];
            rgb.Data[3 * p + 1] = rgba.Data[4 * p + 1];
            rgb.Data[3 * p + 2] = rgba.Data[4 * p + 2];
        }
        return BicubicResampler.ResizedCrop(rgb, 0, 0, rgb.Height, rgb.Width, height, width);
    }

    [Test]
    public void NonSquareImagesKeepTheirAspectRatioAndWholeFieldOfView()
    {
        using var tree = new ImageNetTree();
        var red = ((byte)230, (byte)20, (byte)20);
        var blue = ((byte)20, (byte)20, (byte)230);
        // 150×100 (landscape) → Resize(64) = 64 high × 96 wide, the edge at x = 75 lands on column 48.
        string a = tree.WriteFile("train/n1/a.JPEG", ImageNetTree.Halves(150, 100, red, blue));
        // 100×150 (portrait) → 96 high × 64 wide, the edge at x = 50 on column 32.
        string b = tree.WriteFile("train/n1/b.JPEG", ImageNetTree.Halves(100, 150, red, blue));
        // 301×97 (a panorama) → 64 × int(64 · 301 / 97) = 198 wide; a gradient, so that every column differs.
        string c = tree.WriteFile("train/n1/c.JPEG",
            ImageNetTree.Encode(301, 97, gray: false, png: true, (x, y) => ((byte)(x * 255 / 300), (byte)(y * 2), (byte)((x + y) % 256))));
        var list = ImageNetSampleList.FromFolders(tree.Root, DatasetSplit.Train, maxClasses: null);
        string path = Path.Combine(tree.Root, "halves.u8");
        PackedImageCacheBuilder.Build(list, path, S);
        using var cache = PackedImageCache.Open(path);
        Assert.That(cache.ImageShape(0), Is.EqualTo((64, 96)));
        Assert.That(cache.ImageShape(1), Is.EqualTo((96, 64)));
        Assert.That(cache.ImageShape(2), Is.EqualTo((64, 198)));
        Assert.That((cache.Height, cache.Width), Is.EqualTo((64, 64)));
        Assert.That(new FileInfo(path).Length, Is.EqualTo(4096 + 3L * (64 * 96 + 96 * 64 + 64 * 198)), "the images are packed without gaps");

        // The pixels are exactly Resize(S) of the decoded file.
        string[] files = [a, b, c];
        for (int i = 0; i < 3; i++)
        {
            var (h, w) = cache.ImageShape(i);
            Assert.That(cache.GetImage(i).ToArray(), Is.EqualTo(DecodeAndResize(files[i], h, w).Data), $"image {i}");
        }
        // Both halves are kept whole: the red/blue edge sits in the middle of the long side, not at a cropped border.
        int[] edge = [48, 32];
        for (int i = 0; i < 2; i++)
        {
            var (h, w) = cache.ImageShape(i);
            var image = cache.GetImage(i);
            for (int y = 0; y < h; y += 7)
            {
                for (int x = 0; x < w; x++)
                {
                    if (Math.Abs(x - edge[i]) <= 3)
                    {
                        continue; // the cubic kernel (and JPEG) smear the edge over a few columns
                    }
                    var expected = x < edge[i] ? red : blue;
                    int o = (y * w + x) * 3;
                    Assert.That(image[o], Is.EqualTo(expected.Item1).Within(12), $"image {i} ({y}, {x}) R");
                    Assert.That(image[o + 2], Is.EqualTo(expected.Item3).Within(12), $"image {i} ({y}, {x}) B");
                }
            }
        }
    }

    [Test]
    public void TheTestTransformIsResize256ThenCentreCrop224()
    {
        using var tree = new ImageNetTree();
        // 500×375 (ImageNet's most common size) and a portrait 280×410, as gradients.
        string a = tree.WriteFile("train/n1/a.JPEG",
            ImageNetTree.Encode(500, 375, gray: false, png: false, (x, y) => ((byte)(x / 2), (byte)(y * 2 / 3), (byte)((x ^ y) & 255))));
        string b = tree.WriteFile("train/n1/b.JPEG",
            ImageNetTree.Encode(280, 410, gray: false, png: true, (x, y) => ((byte)(y / 2), (byte)(x % 200), (byte)((3 * x + y) & 255))));
        var list = ImageNetSampleList.FromFolders(tree.Root, DatasetSplit.Train, maxClasses: null);
        string path = Path.Combine(tree.Root, "val.u8");
        PackedImageCacheBuilder.Build(list, path, 256);
        using var cache = PackedImageCache.Open(path);
        Assert.That(cache.ImageShape(0), Is.EqualTo((256, 341)));
        Assert.That(cache.ImageShape(1), Is.EqualTo((374, 256)));
        var normalizer = new ImageNormalizer(ImageNormalizer.ImageNetMean, ImageNormalizer.ImageNetStd);
        var test = AugmentationPipeline.WithResizedCrop(AugmentationPreset.None, normalizer, 224);
        Assert.That(test.OutputShape(cache), Is.EqualTo((224, 224)));
        string[] files = [a, b];
        for (int i = 0; i < 2; i++)
        {
            // The original: Resize(256) of the decoded file, then CenterCrop(224) (offsets rounded half to even).
            var (h, w) = ResizedCrop.ShorterSideTo(ImageFileDecoder.Decode(files[i]).Height, ImageFileDecoder.Decode(files[i]).Width, 256);
            var resized = DecodeAndResize(files[i], h, w);
            var original = ResizedCrop.CenterCrop(resized, 224);
            var ours = test.Augment(ByteImage.FromDataset(cache, i), new SplitMix64Random(3));
            Assert.That(ours.Data, Is.EqualTo(original.Data), $"image {i}");
        }
        // The crop comes from the middle of the long side: image 0's columns 58..281 of the 341.
        var box = ResizedCrop.CenterBox(256, 341, 224, 224);
        Assert.That((box.Top, box.Left), Is.EqualTo((16, 58)));
    }

    [Test]
    public void TrainingCropsAreDrawnFromTheWholeStoredImage()
    {
        using var tree = new ImageNetTree();
        // 3:1 panorama: a centre square would hide two thirds of it.
        tree.WriteFile("train/n1/p.JPEG", ImageNetTree.Encode(192, 64, gray: false, png: true, (x, y) => ((byte)x, (byte)y, (byte)(x + y))));
        var list = ImageNetSampleList.FromFolders(tree.Root, DatasetSplit.Train, maxClasses: null);
        string path = Path.Combine(tree.Root, "p.u8");
        PackedImageCacheBuilder.Build(list, path, 32);
        using var cache = PackedImageCache.Open(path);
        Assert.That(cache.ImageShape(0), Is.EqualTo((32, 96)));
        var stored = ByteImage.FromDataset(cache, 0);
        var options = new RandomResizedCropOptions();
        bool left = false, right = false;
        for (int seed = 0; seed < 200; seed++)
        {
            // The crop of the pipeline is torchvision's box on the stored 32×96 image, resampled to the output size.
            var box = ResizedCrop.SampleBox(32, 96, options, new SplitMix64Random(seed));
            var expected = BicubicResampler.ResizedCrop(stored, box.Top, box.Left, box.Height, box.Width, 24, 24);
            Assert.That(ResizedCrop.RandomResizedCrop(stored, 24, options, new SplitMix64Random(seed)).Data, Is.EqualTo(expected.Data));
            left |= box.Left + box.Width <= 32;  // entirely in the left third
            right |= box.Left >= 64;             // entirely in the right third
        }
        Assert.That(left && right, "crops reach both ends of the long side");

        // Transform crops straight out of the mapping; the result is that of Augment on a copy of the image.
        var normalizer = new ImageNormalizer(ImageNormalizer.ImageNetMean, ImageNormalizer.ImageNetStd);
        foreach (var preset in new[] { AugmentationPreset.DyTox, AugmentationPreset.None })
        {
            var pipeline = AugmentationPipeline.WithResizedCrop(preset, normalizer, 24);
            for (int seed = 0; seed < 20; seed++)
            {
                var direct = new float[3 * 24 * 24];
                var copied = new float[direct.Length];
                pipeline.Transform(cache, 0, new SplitMix64Random(seed), direct);
                normalizer.Normalize(pipeline.Augment(ByteImage.FromDataset(cache, 0), new SplitMix64Random(seed)), copied);
                Assert.That(direct, Is.EqualTo(copied), $"{preset}, seed {seed}");
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
    public void ADamagedIndexIsAClearError()
    {
        using var tree = new ImageNetTree();
        WriteSplitTree(tree);
        string path;
        using (var cache = ImageNetDataset.Load(100, tree.Root, DatasetSplit.Train, Options(tree)))
        {
            path = cache.Path;
        }
        byte[] bytes = File.ReadAllBytes(path);
        int index = PackedImageCacheFormat.FixedHeaderSize + 4 * SplitTrain.Length;
        int entry1 = index + PackedImageCacheFormat.IndexEntrySize;
        var wrongSize = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt32LittleEndian(wrongSize.AsSpan(entry1 + 12), 65); // image 1 is 91×64: width 64 → 65
        File.WriteAllBytes(path, wrongSize);
        Assert.That(() => PackedImageCache.Open(path), Throws.TypeOf<DatasetFormatException>()
            .With.Message.StartsWith(path + ":").And.Message.Contains("index entry 1 gives a 91x65 image, expected shorter side 64"));
        var wrongOffset = (byte[])bytes.Clone();
        BinaryPrimitives.WriteInt64LittleEndian(wrongOffset.AsSpan(entry1), 12);
        File.WriteAllBytes(path, wrongOffset);
        Assert.That(() => ImageNetDataset.Load(100, tree.Root, DatasetSplit.Train, Options(tree)), Throws.TypeOf<DatasetFormatException>()
            .With.Message.Contains("index entry 1 places the image at data offset 12").And.Message.Contains("Delete the file"));
        // A wrong but plausible size shifts every later image: the file length no longer matches.
        var shifted = (byte[])bytes.Clone();
        int entry5 = index + 5 * PackedImageCacheFormat.IndexEntrySize;
        BinaryPrimitives.WriteInt32LittleEndian(shifted.AsSpan(entry5 + 8), 65); // the last image, 64×64 → 65×64
        File.WriteAllBytes(path, shifted);
        Assert.That(() => PackedImageCache.Open(path), Throws.TypeOf<DatasetFormatException>().With.Message.Contains("truncated or damaged"));
    }

    /// <summary>A cache in format version 1 (S×S centre crops, no index), as earlier builds wrote it.</summary>
    private static void WriteVersion1Cache(string path, ImageNetSampleList list, int size)
    {
        using var body = new MemoryStream();
        var header = new byte[4096];
        "DYTOXU8\n"u8.CopyTo(header);
        var h = header.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 1);
        BinaryPrimitives.WriteInt32LittleEndian(h[12..], list.Count);
        BinaryPrimitives.WriteInt32LittleEndian(h[16..], size);
        BinaryPrimitives.WriteInt32LittleEndian(h[20..], size);
        BinaryPrimitives.WriteInt32LittleEndian(h[24..], 3);
        BinaryPrimitives.WriteInt32LittleEndian(h[28..], list.ClassNames.Count);
        list.ComputeHash().CopyTo(h[32..]);
        BinaryPrimitives.WriteInt64LittleEndian(h[64..], 4096);
        int at = 72;
        foreach (var sample in list.Samples)
        {
            BinaryPrimitives.WriteInt32LittleEndian(h[at..], sample.Label);
            at += 4;
        }
        foreach (string name in list.ClassNames)
        {
            BinaryPrimitives.WriteInt32LittleEndian(h[at..], name.Length);
            Encoding.UTF8.GetBytes(name).CopyTo(h[(at + 4)..]);
            at += 4 + name.Length;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = File.Create(path);
        file.Write(header);
        file.Write(new byte[list.Count * size * size * 3]);
    }

    [Test]
    public void AVersion1CacheIsRebuiltAndANewerOneRefused()
    {
        using var tree = new ImageNetTree();
        WriteSplitTree(tree);
        var options = Options(tree);
        var list = ImageNetSampleList.ImageNet100(tree.Root, DatasetSplit.Train);
        string path = ImageNetDataset.CachePath(tree.Root, $"imagenet100-train-{S}", options.CacheDirectory);
        WriteVersion1Cache(path, list, S);
        Assert.That(() => PackedImageCache.Open(path), Throws.TypeOf<PackedImageCacheVersionException>()
            .With.Message.StartsWith(path + ":").And.Message.Contains("cache format version 1, this build reads version 2")
            .And.Property(nameof(PackedImageCacheVersionException.IsOlder)).True);

        var log = new List<string>();
        using (var rebuilt = ImageNetDataset.Load(100, tree.Root, DatasetSplit.Train, Options(tree, log)))
        {
            Assert.That(log, Has.One.Contains("has format version 1").And.Contains("rebuilding it"));
            Assert.That(rebuilt.ImageShape(0), Is.EqualTo(ResizedCrop.ShorterSideTo(SplitTrain[0].H, SplitTrain[0].W, S)));
            AssertSolid(rebuilt, 0, Expected(SplitTrain[0].Label, SplitTrain[0].Grey), tolerance: 3);
        }

        // A version from the future is not overwritten: the user decides.
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), 3);
        File.WriteAllBytes(path, bytes);
        Assert.That(() => ImageNetDataset.Load(100, tree.Root, DatasetSplit.Train, options), Throws.TypeOf<PackedImageCacheVersionException>()
            .With.Message.Contains("cache format version 3, this build reads version 2").And.Message.Contains("delete the file"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(bytes));
    }

    [Test]
    public void ImagesOfVaryingSizeNeedTheResizedCropTransforms()
    {
        using var tree = new ImageNetTree();
        WriteSplitTree(tree);
        using var train = ImageNetDataset.Load(100, tree.Root, DatasetSplit.Train, Options(tree));
        var normalizer = new ImageNormalizer(ImageNormalizer.ImageNetMean, ImageNormalizer.ImageNetStd);
        Assert.That(() => new AugmentationPipeline(AugmentationPreset.Basic, normalizer).OutputShape(train),
            Throws.ArgumentException.With.Message.Contains("differ in size"));
        Assert.That(() => AugmentationPipeline.WithResizedCrop(AugmentationPreset.None, normalizer, S + 1).OutputShape(train),
            Throws.ArgumentException.With.Message.Contains("does not fit the smallest images"));
        Assert.That(AugmentationPipeline.WithResizedCrop(AugmentationPreset.DyTox, normalizer, 2 * S).OutputShape(train), Is.EqualTo((2 * S, 2 * S)));

        // Statistics over images of different sizes weigh every pixel once.
        double sum = 0;
        long pixels = 0;
        for (int i = 0; i < train.Count; i++)
        {
            var image = train.GetImage(i);
            for (int p = 0; p < image.Length; p += 3)
            {
                sum += image[p] / 255.0;
            }
            pixels += image.Length / 3;
        }
        Assert.That(ImageNormalizer.FromDatasetStatistics(train).Mean[0], Is.EqualTo(sum / pixels).Within(1e-6));
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
