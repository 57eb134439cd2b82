using DyTox.Kernels.Cuda;

namespace DyTox.Kernels.Tests.Compile;

public class KernelCacheTests
{
    private string _dir = "";

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("dytox-kcache-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static KernelCompileRequest Request(string body = "x[0] = 1.0f;", int arch = 90) =>
        new("c.cu", $"#include \"common.cuh\"\nextern \"C\" __global__ void k(float* x) {{ {body} }}\n",
            new Dictionary<string, string> { ["common.cuh"] = "#pragma once\n" }, arch);

    [Test]
    public void SecondCompileIsACacheHitWithTheSameImageAndReport()
    {
        var compiler = NvrtcFixture.RequireWithCache(_dir);
        var first = compiler.Compile(Request());
        var second = compiler.Compile(Request());
        Assert.Multiple(() =>
        {
            Assert.That(first.FromCache, Is.False);
            Assert.That(second.FromCache, Is.True);
            Assert.That(second.Image, Is.EqualTo(first.Image));
            Assert.That(second.Resources, Is.EqualTo(first.Resources));
            Assert.That(Directory.GetFiles(_dir, "*.cubin"), Has.Length.EqualTo(1));
            Assert.That(Directory.GetFiles(_dir, "*.tmp"), Is.Empty);
        });
    }

    [Test]
    public void CorruptOrTornFilesAreDetectedAndRecompiled()
    {
        var compiler = NvrtcFixture.RequireWithCache(_dir);
        var first = compiler.Compile(Request());
        var file = Directory.GetFiles(_dir, "*.cubin").Single();

        var bytes = File.ReadAllBytes(file);
        bytes[^10] ^= 0xFF; // flip payload bits: checksum mismatch
        File.WriteAllBytes(file, bytes);
        var afterCorruption = compiler.Compile(Request());

        File.WriteAllBytes(file, File.ReadAllBytes(file)[..(bytes.Length / 2)]); // torn write
        var afterTear = compiler.Compile(Request());
        var healed = compiler.Compile(Request());

        Assert.Multiple(() =>
        {
            Assert.That(afterCorruption.FromCache, Is.False);
            Assert.That(afterCorruption.Image, Is.EqualTo(first.Image));
            Assert.That(afterTear.FromCache, Is.False);
            Assert.That(healed.FromCache, Is.True, "the recompile rewrote a good file");
        });
    }

    [Test]
    public void KeyDependsOnSourceHeadersOptionsVersionAndTarget()
    {
        var headers = new Dictionary<string, string> { ["h.cuh"] = "a" };
        string Key(string src = "s", string h = "a", string[]? opts = null, string ver = "11.8", string target = "sm_90") =>
            KernelDiskCache.Key("x.cu", src, new Dictionary<string, string> { ["h.cuh"] = h }, opts ?? ["-a", "-b"], [], ver, target);
        var baseKey = Key();
        Assert.Multiple(() =>
        {
            Assert.That(Key(opts: ["-b", "-a"]), Is.EqualTo(baseKey), "option order must not matter");
            Assert.That(Key(src: "t"), Is.Not.EqualTo(baseKey));
            Assert.That(Key(h: "b"), Is.Not.EqualTo(baseKey));
            Assert.That(Key(opts: ["-a"]), Is.Not.EqualTo(baseKey));
            Assert.That(Key(ver: "13.0"), Is.Not.EqualTo(baseKey));
            Assert.That(Key(target: "sm_80"), Is.Not.EqualTo(baseKey));
            Assert.That(baseKey, Has.Length.EqualTo(64));
        });
        _ = headers;
    }

    [Test]
    public void DifferentArchsGetDifferentEntries()
    {
        var compiler = NvrtcFixture.RequireWithCache(_dir);
        compiler.Compile(Request(arch: 80));
        compiler.Compile(Request(arch: 90));
        Assert.That(Directory.GetFiles(_dir, "*.cubin"), Has.Length.EqualTo(2));
    }
}
