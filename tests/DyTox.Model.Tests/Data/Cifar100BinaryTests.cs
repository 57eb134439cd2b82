using DyTox.Data;
using DyTox.Data.Augmentation;

namespace DyTox.Model.Tests.Data;

public class Cifar100BinaryTests
{
    /// <summary>Record with pixel (c, y, x) = (c*37 + y*5 + x + seed) mod 256.</summary>
    private static byte[] Record(int coarse, int fine, int seed)
    {
        var r = new byte[Cifar100Binary.RecordSize];
        r[0] = (byte)coarse;
        r[1] = (byte)fine;
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 32; y++)
            {
                for (int x = 0; x < 32; x++)
                {
                    r[2 + c * 1024 + y * 32 + x] = (byte)((c * 37 + y * 5 + x + seed) % 256);
                }
            }
        }
        return r;
    }

    private static byte[] File3() => [.. Record(3, 87, 0), .. Record(19, 0, 1), .. Record(3, 87, 2)];

    [Test]
    public void DecodesLabelsAndChwPixels()
    {
        using var files = new TestFiles();
        string path = files.Write("train.bin", File3());
        var ds = Cifar100Binary.FromFile(path);
        Assert.That(ds.Count, Is.EqualTo(3));
        Assert.That(ds.Labels, Is.EqualTo(new[] { 87, 0, 87 }));
        Assert.That(ds.Layout, Is.EqualTo(PixelLayout.Chw));
        var img = ds.GetImage(1);
        Assert.That(img[2 * 1024 + 3 * 32 + 4], Is.EqualTo((byte)((2 * 37 + 3 * 5 + 4 + 1) % 256)));
        var counts = ds.CountPerClass();
        Assert.That((counts[87], counts[0], counts.Sum()), Is.EqualTo((2, 1, 3)));
    }

    [Test]
    public void HwcCopyTransposesPlanes()
    {
        using var files = new TestFiles();
        var ds = Cifar100Binary.FromFile(files.Write("test.bin", File3()));
        var hwc = new byte[ds.ImageSize];
        ds.CopyImageHwc(2, hwc);
        // pixel (y=5, x=6), channel 1
        Assert.That(hwc[(5 * 32 + 6) * 3 + 1], Is.EqualTo((byte)((37 + 25 + 6 + 2) % 256)));
    }

    [Test]
    public void NormalisationWithCifarStatistics()
    {
        using var files = new TestFiles();
        var ds = Cifar100Binary.FromFile(files.Write("test.bin", File3()));
        var norm = new ImageNormalizer(ImageNormalizer.CifarMean, ImageNormalizer.CifarStd);
        var chw = new float[ds.ImageSize];
        norm.Normalize(ByteImage.FromDataset(ds, 0), chw);
        // channel 2, y=1, x=2: value (74 + 5 + 2) = 81
        float expected = (81 / 255f - 0.4408f) / 0.2761f;
        Assert.That(chw[2 * 1024 + 32 + 2], Is.EqualTo(expected).Within(1e-5));
    }

    [Test]
    public void TruncatedFile_IsReportedWithRecordArithmetic()
    {
        using var files = new TestFiles();
        string path = files.Write("train.bin", File3()[..^10]);
        var e = Assert.Throws<DatasetFormatException>(() => Cifar100Binary.FromFile(path));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("3074").And.Contain("2 whole records").And.Contain("3064 stray bytes"));
    }

    [Test]
    public void FineLabelOutOfRange_IsCorrupt()
    {
        using var files = new TestFiles();
        string path = files.Write("train.bin", Record(1, 100, 0));
        var e = Assert.Throws<DatasetFormatException>(() => Cifar100Binary.FromFile(path));
        Assert.That(e!.Message, Does.Contain("record 0").And.Contain("fine label 100"));
    }

    [Test]
    public void LoadUsesClassNamesFile()
    {
        using var files = new TestFiles();
        files.Write("test.bin", File3());
        File.WriteAllLines(files.PathOf("fine_label_names.txt"), Enumerable.Range(0, 100).Select(i => i == 87 ? "television" : $"c{i}"));
        var ds = Cifar100Binary.Load(files.Directory, DatasetSplit.Test);
        Assert.That(ds.ClassNames[87], Is.EqualTo("television"));
        Assert.That(ds.Name, Is.EqualTo("cifar100/test"));
    }
}
