using DyTox.Data;

namespace DyTox.Model.Tests.Data;

public class IdxReaderTests
{
    private static byte[] Pixels(int n, int h, int w) =>
        Enumerable.Range(0, n * h * w).Select(i => (byte)(i * 7 % 256)).ToArray();

    [TestCase(false)]
    [TestCase(true)]
    public void ReadsImagesAndLabels_PlainAndGzip(bool gzip)
    {
        using var files = new TestFiles();
        string ext = gzip ? ".gz" : "";
        files.Write("train-images-idx3-ubyte" + ext, TestFiles.Idx([3, 2, 2], Pixels(3, 2, 2)), gzip);
        files.Write("train-labels-idx1-ubyte" + ext, TestFiles.Idx([3], [9, 0, 4]), gzip);

        var ds = FashionMnist.LoadIdxPair(files.Directory, DatasetSplit.Train, FashionMnist.FashionClassNames, "fm");

        Assert.That(ds.Count, Is.EqualTo(3));
        Assert.That((ds.Height, ds.Width, ds.Channels), Is.EqualTo((2, 2, 1)));
        Assert.That(ds.Labels, Is.EqualTo(new[] { 9, 0, 4 }));
        Assert.That(ds.GetImage(1).ToArray(), Is.EqualTo(Pixels(3, 2, 2).Skip(4).Take(4).ToArray()));
        Assert.That(ds.ClassNames[9], Is.EqualTo("Ankle boot"));
    }

    [Test]
    public void WrongMagic_NamesFileAndExpectation()
    {
        using var files = new TestFiles();
        // A label file (rank 1) where an image file (rank 3, magic 0x803) is expected.
        string path = files.Write("images", TestFiles.Idx([3], [1, 2, 3]));
        var e = Assert.Throws<DatasetFormatException>(() => IdxFile.ReadUnsignedBytes(path, 3));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("0x00000803").And.Contain("wrong IDX magic"));
    }

    [Test]
    public void NonZeroLeadingBytes_AreRejected()
    {
        using var files = new TestFiles();
        var bytes = TestFiles.Idx([1], [5]);
        bytes[0] = 0x12;
        string path = files.Write("labels", bytes);
        var e = Assert.Throws<DatasetFormatException>(() => IdxFile.ReadUnsignedBytes(path, 1));
        Assert.That(e!.Message, Does.Contain(path).And.Contain("not an IDX file"));
    }

    [Test]
    public void UnsupportedElementType_IsReported()
    {
        using var files = new TestFiles();
        string path = files.Write("floats", TestFiles.Idx([1], [0, 0, 0, 0], type: 0x0D));
        var e = Assert.Throws<DatasetFormatException>(() => IdxFile.ReadUnsignedBytes(path, 1));
        Assert.That(e!.Message, Does.Contain("0x0D").And.Contain("unsigned byte"));
    }

    [Test]
    public void TruncatedPayload_GivesExpectedAndActualLength()
    {
        using var files = new TestFiles();
        var full = TestFiles.Idx([3, 2, 2], Pixels(3, 2, 2));
        string path = files.Write("images", full[..^5]);
        var e = Assert.Throws<DatasetFormatException>(() => IdxFile.ReadUnsignedBytes(path, 3));
        Assert.That(e!.Message, Does.Contain("truncated").And.Contain($"need {full.Length} bytes").And.Contain($"has {full.Length - 5}"));
    }

    [Test]
    public void TruncatedHeader_IsReported()
    {
        using var files = new TestFiles();
        string path = files.Write("images", TestFiles.Idx([3, 2, 2], [])[..9]);
        var e = Assert.Throws<DatasetFormatException>(() => IdxFile.ReadUnsignedBytes(path, 3));
        Assert.That(e!.Message, Does.Contain("truncated IDX header"));
    }

    [Test]
    public void TrailingBytes_AreCorrupt()
    {
        using var files = new TestFiles();
        string path = files.Write("labels", [.. TestFiles.Idx([2], [1, 2]), 7]);
        var e = Assert.Throws<DatasetFormatException>(() => IdxFile.ReadUnsignedBytes(path, 1));
        Assert.That(e!.Message, Does.Contain("corrupt"));
    }

    [Test]
    public void TruncatedGzip_IsReported()
    {
        using var files = new TestFiles();
        string good = files.Write("l.gz", TestFiles.Idx([200], new byte[200]), gzip: true);
        var bytes = File.ReadAllBytes(good);
        string path = files.Write("bad.gz", bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<DatasetFormatException>(() => IdxFile.ReadUnsignedBytes(path, 1));
        Assert.That(e!.Message, Does.Contain(path));
    }

    [Test]
    public void LabelImageCountMismatch_NamesBothFiles()
    {
        using var files = new TestFiles();
        string images = files.Write("i", TestFiles.Idx([3, 2, 2], Pixels(3, 2, 2)));
        string labels = files.Write("l", TestFiles.Idx([2], [1, 2]));
        var e = Assert.Throws<DatasetFormatException>(() => FashionMnist.FromFiles(images, labels, FashionMnist.FashionClassNames, "x"));
        Assert.That(e!.Message, Does.Contain(images).And.Contain(labels).And.Contain("2 labels").And.Contain("3 images"));
    }

    [Test]
    public void LabelOutOfRange_IsReported()
    {
        using var files = new TestFiles();
        string images = files.Write("i", TestFiles.Idx([1, 2, 2], Pixels(1, 2, 2)));
        string labels = files.Write("l", TestFiles.Idx([1], [10]));
        var e = Assert.Throws<DatasetFormatException>(() => FashionMnist.FromFiles(images, labels, FashionMnist.FashionClassNames, "x"));
        Assert.That(e!.Message, Does.Contain("label 10"));
    }

    [Test]
    public void MissingFiles_NameBothCandidates()
    {
        using var files = new TestFiles();
        var e = Assert.Throws<DatasetFormatException>(() => FashionMnist.Load(DatasetSplit.Test, files.Directory));
        Assert.That(e!.Message, Does.Contain("t10k-images-idx3-ubyte").And.Contain(".gz"));
    }

    [Test]
    public void RealFashionMnistTestSplit_LoadsWhenInstalled()
    {
        if (!File.Exists(Path.Combine(FashionMnist.DebianDirectory, "t10k-labels-idx1-ubyte.gz")))
        {
            Assert.Ignore("dataset-fashion-mnist is not installed");
        }
        var test = FashionMnist.Load(DatasetSplit.Test);
        Assert.That(test.Count, Is.EqualTo(10_000));
        Assert.That((test.Height, test.Width, test.Channels), Is.EqualTo((28, 28, 1)));
        Assert.That(test.CountPerClass(), Is.All.EqualTo(1000));
    }
}
