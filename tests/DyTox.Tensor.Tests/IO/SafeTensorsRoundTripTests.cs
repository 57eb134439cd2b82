using System.Text;
using DyTox.Tensor.IO;

namespace DyTox.Tensor.Tests.IO;

public class SafeTensorsRoundTripTests
{
    private static byte[] Bytes(int count, int seed)
    {
        var data = new byte[count];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static List<SafeTensorEntry> OneOfEachDType() =>
    [
        new("w.f64", SafeTensorDTypes.F64, [2, 3], Bytes(48, 1)),
        new("w.f32", SafeTensorDTypes.F32, [3, 1, 2], Bytes(24, 2)),
        new("w.f16", SafeTensorDTypes.F16, [5], Bytes(10, 3)),
        new("w.bf16", SafeTensorDTypes.BF16, [1, 3], Bytes(6, 4)),
        new("i.i64", SafeTensorDTypes.I64, [2], Bytes(16, 5)),
        new("i.i32", SafeTensorDTypes.I32, [3], Bytes(12, 6)),
        new("i.i16", SafeTensorDTypes.I16, [1], Bytes(2, 7)),
        new("i.i8", SafeTensorDTypes.I8, [7], Bytes(7, 8)),
        new("i.u8", SafeTensorDTypes.U8, [3], Bytes(3, 9)),
        new("flag", SafeTensorDTypes.Bool, [2], [1, 0]),
        new("scalar", SafeTensorDTypes.F64, [], Bytes(8, 10)),
        new("empty", SafeTensorDTypes.F32, [0, 4], []),
    ];

    [Test]
    public void RoundTripPreservesNamesDTypesShapesBytesAndMetadata()
    {
        using var dir = new TempDirectory();
        string path = dir.File("all.safetensors");
        var entries = OneOfEachDType();
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["config"] = "{\"a\": [1, 2]}" };

        SafeTensorsFile.Write(path, entries, metadata);
        var content = SafeTensorsFile.Load(path);

        Assert.That(content.Tensors, Has.Count.EqualTo(entries.Count));
        foreach (var e in entries)
        {
            var r = content[e.Name];
            Assert.That(r.DType, Is.EqualTo(e.DType), e.Name);
            Assert.That(r.Shape, Is.EqualTo(e.Shape), e.Name);
            Assert.That(r.Data, Is.EqualTo(e.Data), e.Name);
        }
        Assert.That(content.Metadata, Is.EquivalentTo(metadata));
        long dataBytes = entries.Sum(e => e.Data.LongLength);
        long headerBytes = BitConverter.ToInt64(File.ReadAllBytes(path), 0);
        Assert.That(new FileInfo(path).Length, Is.EqualTo(8 + headerBytes + dataBytes));
    }

    [Test]
    public void ReadReturnsDataOrderAndWriterUsesReferenceOrdering()
    {
        // The reference writer sorts by dtype alignment rank (I64 > F64 > F32 > I32 > BF16 > F16 > I16 > I8 > U8 > BOOL),
        // then by name.
        var bytes = SafeTensorsFile.Serialize(OneOfEachDType());
        var names = SafeTensorsFile.Parse(bytes, "memory").Names.ToArray();
        Assert.That(names, Is.EqualTo(new[]
        {
            "i.i64", "scalar", "w.f64", "empty", "w.f32", "i.i32", "w.bf16", "w.f16", "i.i16", "i.i8", "i.u8", "flag",
        }));
    }

    [Test]
    public void HeaderIsPaddedWithSpacesToEightBytes()
    {
        var bytes = SafeTensorsFile.Serialize([new SafeTensorEntry("attn0", "F32", [1, 1, 2, 3], new byte[24])]);
        ulong n = BitConverter.ToUInt64(bytes, 0);
        Assert.That(n % 8, Is.EqualTo(0UL));
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.That(header, Is.EqualTo("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       "));
    }

    // Byte-exact vectors from the reference library's own serialization tests.
    [Test]
    public void MatchesReferenceLibraryBytesForSingleTensor()
    {
        var data = SafeTensorConvert.FromSingles("attn.0", [1, 2, 3], [0f, 1f, 2f, 3f, 4f, 5f]);
        byte[] expected =
        [
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ];
        Assert.That(SafeTensorsFile.Serialize([data]), Is.EqualTo(expected));
        Assert.That(SafeTensorConvert.ToSingles(SafeTensorsFile.Parse(expected, "ref").Tensors[0]),
            Is.EqualTo(new[] { 0f, 1f, 2f, 3f, 4f, 5f }));
    }

    [Test]
    public void MatchesReferenceLibraryBytesForEmptyFiles()
    {
        Assert.That(SafeTensorsFile.Serialize([]), Is.EqualTo(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32 }));
        byte[] withMetadata =
        [
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32,
        ];
        var metadata = new Dictionary<string, string> { ["framework"] = "pt" };
        Assert.That(SafeTensorsFile.Serialize([], metadata), Is.EqualTo(withMetadata));
        var parsed = SafeTensorsFile.Parse(withMetadata, "ref");
        Assert.That(parsed.Tensors, Is.Empty);
        Assert.That(parsed.Metadata!["framework"], Is.EqualTo("pt"));
    }

    [Test]
    public void ReaderAcceptsTensorsListedOutOfDataOrder()
    {
        string json = "{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[2,4]},\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}";
        var content = SafeTensorsFile.Parse(SafeTensorsTestFiles.Build(json, [1, 2, 3, 4]), "memory");
        Assert.That(content.Names, Is.EqualTo(new[] { "a", "b" }));
        Assert.That(content["b"].Data, Is.EqualTo(new byte[] { 3, 4 }));
        Assert.That(content.Metadata, Is.Null);
    }

    [Test]
    public void WriteReplacesAnExistingFileAndLeavesNoTemporaryFiles()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensorsFile.Write(path, [new SafeTensorEntry("a", "U8", [1], [7])]);
        SafeTensorsFile.Write(path, [new SafeTensorEntry("b", "U8", [2], [8, 9])]);

        var content = SafeTensorsFile.Load(path);
        Assert.That(content.Names, Is.EqualTo(new[] { "b" }));
        Assert.That(Directory.GetFiles(dir.Path), Has.Length.EqualTo(1));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(SafeTensorsFile.Serialize([new SafeTensorEntry("b", "U8", [2], [8, 9])])));
    }

    [Test]
    public void WriteRejectsInvalidEntriesWithoutTouchingTheTarget()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        SafeTensorsFile.Write(path, [new SafeTensorEntry("a", "U8", [1], [7])]);
        byte[] before = File.ReadAllBytes(path);

        var sizeMismatch = Assert.Throws<ArgumentException>(() =>
            SafeTensorsFile.Write(path, [new SafeTensorEntry("w", "F32", [2, 2], new byte[12])]));
        Assert.That(sizeMismatch!.Message, Does.Contain("'w'").And.Contain("16 bytes").And.Contain("12"));
        Assert.Throws<ArgumentException>(() =>
            SafeTensorsFile.Write(path, [new SafeTensorEntry("a", "U8", [1], [1]), new SafeTensorEntry("a", "U8", [1], [2])]));
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path, [new SafeTensorEntry("a", "F8", [1], [1])]));
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path, [new SafeTensorEntry("__metadata__", "U8", [1], [1])]));
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path, [new SafeTensorEntry("n", "U8", [-1], [])]));

        Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(dir.Path), Has.Length.EqualTo(1));
    }

    [Test]
    public void NamesWithPunctuationAndUnicodeRoundTrip()
    {
        var entries = new[]
        {
            new SafeTensorEntry("a+b<c>&\"d\\e", "U8", [1], [1]),
            new SafeTensorEntry("größe.ü", "U8", [1], [2]),
        };
        var bytes = SafeTensorsFile.Serialize(entries);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)BitConverter.ToUInt64(bytes, 0));
        Assert.That(header, Does.Contain("\"a+b<c>&\\\"d\\\\e\""), "only quotes and backslashes are escaped, as in serde_json");
        var content = SafeTensorsFile.Parse(bytes, "memory");
        Assert.That(content["a+b<c>&\"d\\e"].Data, Is.EqualTo(new byte[] { 1 }));
        Assert.That(content["größe.ü"].Data, Is.EqualTo(new byte[] { 2 }));
    }
}
