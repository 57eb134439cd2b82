using System.Buffers.Binary;
using DyTox.Tensor.IO;

namespace DyTox.Tensor.Tests.IO;

public class SafeTensorsValidationTests
{
    private TempDirectory _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDirectory();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    /// <summary>Writes <paramref name="bytes"/> to a file, loads it and returns the error, which must name the file.</summary>
    private SafeTensorsFormatException LoadError(byte[] bytes)
    {
        string path = _dir.File("bad.safetensors");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Load(path))!;
        Assert.That(error.FilePath, Is.EqualTo(path));
        Assert.That(error.Message, Does.Contain(path));
        // The in-memory parser must agree with the file reader.
        var memoryError = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Parse(bytes, "buffer"))!;
        Assert.That(memoryError.Problem, Is.EqualTo(error.Problem));
        return error;
    }

    private static byte[] OneTensor(string tensorJson, int dataBytes) =>
        SafeTensorsTestFiles.Build("{" + tensorJson + "}", new byte[dataBytes]);

    [Test]
    public void FileShorterThanTheLengthPrefix()
    {
        Assert.That(LoadError([1, 2, 3]).Problem, Does.Contain("truncated").And.Contain("3 bytes"));
        Assert.That(LoadError([]).Problem, Does.Contain("8-byte header length"));
    }

    [Test]
    public void HeaderLengthBeyondTheFile()
    {
        var valid = SafeTensorsFile.Serialize([new SafeTensorEntry("a", "F32", [4], new byte[16])]);
        var truncated = valid[..20];
        Assert.That(LoadError(truncated).Problem, Does.Contain("past the end of the file").And.Contain("truncated"));
    }

    [Test]
    public void AbsurdHeaderLength()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        Assert.That(LoadError(bytes).Problem, Does.Contain("exceeds"));
    }

    [Test]
    public void TruncatedData()
    {
        var valid = SafeTensorsFile.Serialize([new SafeTensorEntry("a", "F32", [4], new byte[16])]);
        Assert.That(LoadError(valid[..^4]).Problem, Does.Contain("'a'").And.Contain("beyond the data buffer of 12 bytes"));
    }

    [Test]
    public void InvalidJson()
    {
        Assert.That(LoadError(SafeTensorsTestFiles.Build("{\"a\":{\"dtype\":\"F32\",", [])).Problem,
            Does.Contain("JSON"));
        Assert.That(LoadError(SafeTensorsTestFiles.Build("{\"a\":{]}", [])).Problem, Does.Contain("not valid JSON"));
        Assert.That(LoadError(SafeTensorsTestFiles.Build("[1, 2]  ", [])).Problem, Does.Contain("JSON object"));
        Assert.That(LoadError(SafeTensorsTestFiles.Build("{} {}   ", [])).Problem, Does.Contain("JSON").Or.Contain("after the header"));
        Assert.That(LoadError(SafeTensorsTestFiles.Build([0x7B, 0xFF, 0x7D, 32, 32, 32, 32, 32], [])).Problem,
            Does.Contain("UTF-8"));
    }

    [Test]
    public void TensorRecordMissingOrMistypedFields()
    {
        Assert.That(LoadError(OneTensor("\"a\":{\"dtype\":\"F32\",\"shape\":[1]}", 4)).Problem,
            Does.Contain("'a' lacks data_offsets"));
        Assert.That(LoadError(OneTensor("\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}", 4)).Problem,
            Does.Contain("non-negative integers"));
        Assert.That(LoadError(OneTensor("\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}", 4)).Problem,
            Does.Contain("[begin, end]"));
        Assert.That(LoadError(OneTensor("\"a\":5", 0)).Problem, Does.Contain("must be an object"));
    }

    [Test]
    public void UnknownDType()
    {
        var error = LoadError(OneTensor("\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}", 1));
        Assert.That(error.Problem, Does.Contain("unknown dtype 'F8_E4M3'").And.Contain("F64"));
    }

    [Test]
    public void ShapeTimesDTypeSizeDiffersFromTheByteRange()
    {
        var error = LoadError(OneTensor("\"w\":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[0,40]}", 40));
        Assert.That(error.Problem, Does.Contain("'w'").And.Contain("needs 48 bytes").And.Contain("give 40"));
    }

    [Test]
    public void OffsetsOutOfRange()
    {
        Assert.That(LoadError(OneTensor("\"a\":{\"dtype\":\"U8\",\"shape\":[8],\"data_offsets\":[0,8]}", 4)).Problem,
            Does.Contain("beyond the data buffer of 4 bytes"));
        Assert.That(LoadError(OneTensor("\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,0]}", 4)).Problem,
            Does.Contain("end before begin"));
    }

    [Test]
    public void OverlappingOffsets()
    {
        string json = "{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}";
        Assert.That(LoadError(SafeTensorsTestFiles.Build(json, new byte[6])).Problem, Does.Contain("'b'").And.Contain("overlaps"));
    }

    [Test]
    public void GapBetweenTensors()
    {
        string json = "{\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]}}";
        Assert.That(LoadError(SafeTensorsTestFiles.Build(json, new byte[6])).Problem, Does.Contain("gap").And.Contain("[2, 4)"));
    }

    [Test]
    public void OffsetsNotCoveringTheBuffer()
    {
        var error = LoadError(OneTensor("\"a\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}", 5));
        Assert.That(error.Problem, Does.Contain("cover 2 bytes").And.Contain("has 5"));
    }

    [Test]
    public void DuplicateNames()
    {
        string json = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}";
        Assert.That(LoadError(SafeTensorsTestFiles.Build(json, new byte[2])).Problem, Does.Contain("duplicate key 'a'"));
    }

    [Test]
    public void MetadataMustMapStringsToStrings()
    {
        Assert.That(LoadError(SafeTensorsTestFiles.Build("{\"__metadata__\":{\"epochs\":5}}", [])).Problem,
            Does.Contain("'__metadata__.epochs' must be a string"));
        Assert.That(LoadError(SafeTensorsTestFiles.Build("{\"__metadata__\":[]}", [])).Problem,
            Does.Contain("'__metadata__' must be an object"));
    }

    [Test]
    public void UnknownFieldsInATensorRecordAreIgnoredLikeTheReference()
    {
        var bytes = OneTensor("\"a\":{\"extra\":{\"x\":[1,2]},\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}", 2);
        Assert.That(SafeTensorsFile.Parse(bytes, "memory")["a"].Shape, Is.EqualTo(new long[] { 2 }));
    }

    [Test]
    public void MissingFileIsAnIoErrorNamingThePath()
    {
        string path = _dir.File("missing.safetensors");
        var error = Assert.Throws<FileNotFoundException>(() => SafeTensorsFile.Read(path));
        Assert.That(error!.Message, Does.Contain("missing.safetensors"));
    }
}
