using DyTox.Kernels.Emulator;

namespace DyTox.Kernels.Tests.Emulator;

/// <summary>Dynamic and static shared memory, its limits and poisoning, and atomics across blocks.</summary>
public class SharedMemoryAndAtomicsTests
{
    private const string File = "emu_memory.cu";

    [Test]
    public void DynamicSharedMemoryStartsAsNanAndWorks()
    {
        var d = EmulatorFixture.Driver;
        const int n = 96;
        float[] x = Enumerable.Range(0, n).Select(i => i * 0.5f).ToArray();
        using var input = new DeviceArray<float>(d, x);
        using var output = new DeviceArray<float>(d, 2 * n);
        d.Launch(File, "emu_dynamic_reverse", new(1), new(n), n * sizeof(float), input, output, n);
        float[] got = output.Download();
        Assert.That(got[..n], Is.EqualTo(x.Reverse().ToArray()));
        Assert.That(got[n..].All(float.IsNaN), Is.True, "unwritten shared memory holds the NaN pattern");
    }

    [Test]
    public void SharedMemoryAbove48KbIsOptedInUpTo227Kb()
    {
        var d = EmulatorFixture.Driver;
        const int count = 20000;   // 80 KB
        using var output = new DeviceArray<float>(d, count);
        d.Launch(File, "emu_dynamic_fill", new(2), new(256), count * sizeof(float), output, count);
        Assert.That(output.Download(), Is.EqualTo(Enumerable.Range(0, count).Select(i => (float)(count - 1 - i)).ToArray()));
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_dynamic_fill", new(1), new(256), 228 * 1024, output, count))!;
        Assert.That(e.Message, Does.Contain("dynamic shared memory"));
    }

    [Test]
    public void DynamicSharedOverrunIsReported()
    {
        var d = EmulatorFixture.Driver;
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_dynamic_overrun", new(1), new(32), 64 * sizeof(float), 64))!;
        Assert.That(e.Message, Does.Contain("emu_dynamic_overrun").And.Contain("dynamic shared memory").And.Contain("thread (0,0,0)"));
    }

    [Test]
    public void StaticSharedMemoryIsRefilledWithNanForEveryBlock()
    {
        var d = EmulatorFixture.Driver;
        Assert.That(d.PoisonsStaticSharedMemory, Is.True, "the module's thread-local segment was located");
        using var output = new DeviceArray<float>(d, 4 * 128);
        d.Launch(File, "emu_static_shared", new(4), new(128), 0, output, 1);
        Assert.That(output.Download(), Is.EqualTo(Enumerable.Range(0, 4 * 128).Select(i => (float)(i % 128)).ToArray()));
        d.Launch(File, "emu_static_shared", new(4), new(128), 0, output, 0);
        Assert.That(output.Download().All(float.IsNaN), Is.True, "no block sees another block's shared memory");
    }

    [Test]
    public void AtomicsFromManyBlocksAreExact()
    {
        var d = EmulatorFixture.Driver;
        const int blocks = 48, threads = 128, total = blocks * threads;
        using var ints = new DeviceArray<int>(d, new[] { 0, 0, int.MaxValue, int.MinValue, 0, 0 });
        using var fsum = new DeviceArray<float>(d, new[] { 0f });
        using var umax = new DeviceArray<uint>(d, new[] { 0u });
        using var usum = new DeviceArray<ulong>(d, new[] { 0ul });
        using var dsum = new DeviceArray<double>(d, new[] { 0.0 });
        foreach (var schedule in new[] { EmulatorSchedule.Forward, EmulatorSchedule.Random })
        {
            d.Schedule = schedule;
            ints.Upload([0, 0, int.MaxValue, int.MinValue, 0, 0]);
            fsum.Upload([0f]); umax.Upload([0u]); usum.Upload([0ul]); dsum.Upload([0.0]);
            d.Launch(File, "emu_atomics", new(blocks), new(threads), 0, ints, fsum, umax, usum, dsum);
            Assert.That(ints.Download(), Is.EqualTo(new[] { total, -2 * total, -(total - 1), total - 1, 3 * total, 0xffff }));
            Assert.That(fsum.Download()[0], Is.EqualTo((float)total));
            Assert.That(umax.Download()[0], Is.EqualTo((uint)(total - 1) * 7u));
            Assert.That(usum.Download()[0], Is.EqualTo((ulong)total * (total - 1) / 2));
            Assert.That(dsum.Download()[0], Is.EqualTo(total * 0.25));
        }
    }
}
