using DyTox.Data;

namespace DyTox.Model.Tests.Data;

public class ImageNetSplitFileTests
{
    private static readonly string? RealVal = OptionFiles.SharedData("data/dytox-original/imagenet100_splits/val_100.txt");

    [Test]
    public void ParsesPathsLabelsAndWnids()
    {
        var split = ImageNetSplitFile.Parse("mem.txt",
        [
            "train/n01440764/n01440764_10026.JPEG 0",
            "",
            "train/n01443537/n01443537_2.JPEG 1",
            "train/n01440764/n01440764_9.JPEG   0",
        ]);
        Assert.That(split.Entries, Has.Count.EqualTo(3));
        Assert.That(split.Entries[1], Is.EqualTo(new ImageNetSplitEntry("train/n01443537/n01443537_2.JPEG", 1)));
        Assert.That(split.WnidByLabel, Is.EqualTo(new[] { "n01440764", "n01443537" }));
        Assert.That(split.CountPerClass(), Is.EqualTo(new[] { 2, 1 }));
    }

    [TestCase("val/a/x.JPEG", "line 1: expected")]
    [TestCase("val/a/x.JPEG zero", "not a non-negative integer")]
    [TestCase("val/a/x.JPEG 1", "label 0 never occurs")]
    public void BadLines_AreReported(string line, string expected)
    {
        var e = Assert.Throws<DatasetFormatException>(() => ImageNetSplitFile.Parse("bad.txt", [line]));
        Assert.That(e!.Message, Does.StartWith("bad.txt: ").And.Contain(expected));
    }

    [Test]
    public void LabelUsedForTwoFolders_IsReported()
    {
        var e = Assert.Throws<DatasetFormatException>(() =>
            ImageNetSplitFile.Parse("x.txt", ["val/n1/a.JPEG 0", "val/n2/b.JPEG 0"]));
        Assert.That(e!.Message, Does.Contain("line 2").And.Contain("n2").And.Contain("n1"));
    }

    [Test]
    public void RealVal100_Has50ImagesForEachOfTheFirst100SortedSynsets()
    {
        if (RealVal is null)
        {
            Assert.Ignore("the original split file (../shared/data/dytox-original/imagenet100_splits/val_100.txt beside the checkout) is not present");
            return;
        }
        var split = ImageNetSplitFile.Load(RealVal);
        Assert.That(split.Entries, Has.Count.EqualTo(5000));
        Assert.That(split.ClassCount, Is.EqualTo(100));
        Assert.That(split.CountPerClass(), Is.All.EqualTo(50));
        Assert.That(split.WnidByLabel[0], Is.EqualTo("n01440764"));
        Assert.That(split.WnidByLabel[99], Is.EqualTo("n01855672"));
        Assert.That(split.WnidByLabel, Is.Ordered.Ascending);
        Assert.That(split.Entries[0].RelativePath, Is.EqualTo("val/n01440764/ILSVRC2012_val_00000293.JPEG"));
    }
}
