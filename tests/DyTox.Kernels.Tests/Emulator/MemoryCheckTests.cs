using DyTox.Kernels.Emulator;

namespace DyTox.Kernels.Tests.Emulator;

/// <summary>Out-of-bounds accesses, canary damage and use after free are reported, not crashes.</summary>
public class MemoryCheckTests
{
    private const string File = "emu_defects.cu";

    [Test]
    public void OutOfBoundsWriteIsReportedWithKernelBlockAndThread()
    {
        var d = EmulatorFixture.Driver;
        using var output = new DeviceArray<float>(d, 64);   // 256 bytes: the next float is on the guard page
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_oob_write", new(2), new(64), 0, output, 64))!;
        Assert.That(e.Message, Does.Contain("emu_oob_write").And.Contain("block (1,0,0)").And.Contain("thread (0,0,0)").And.Contain("past the end"));
        // The emulator is still usable afterwards.
        d.Launch(File, "emu_oob_write", new(1), new(32), 0, output, 31);
        Assert.That(output.Download()[31], Is.EqualTo(1f));
    }

    [Test]
    public void UnderrunDamagesTheFrontCanary()
    {
        var d = EmulatorFixture.Driver;
        using var output = new DeviceArray<float>(d, 32);
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_underrun", new(1), new(32), 0, output))!;
        Assert.That(e.Message, Does.Contain("emu_underrun").And.Contain("canary").And.Contain("4 bytes before the start"));
        // The red zone was repainted: the next correct launch is clean.
        d.Launch(File, "emu_write_at", new(1), new(32), 0, output, 5L);
    }

    [Test]
    public void SmallOverrunDamagesTheTailCanary()
    {
        var d = EmulatorFixture.Driver;
        using var output = new DeviceArray<float>(d, 10);   // 40 bytes: the slack up to the guard page is a red zone
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_write_at", new(1), new(32), 0, output, 12L))!;
        Assert.That(e.Message, Does.Contain("emu_write_at").And.Contain("canary").And.Contain("past the end"));
    }

    [Test]
    public void FreedPointerArgumentIsRejected()
    {
        var d = EmulatorFixture.Driver;
        var output = new DeviceArray<float>(d, 64);
        output.Free();
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_write_at", new(1), new(32), 0, output, 0L))!;
        Assert.That(e.Message, Does.Contain("freed").And.Contain("use after free"));
    }

    [Test]
    public void AccessToFreedMemoryFaultsAsUseAfterFree()
    {
        var d = EmulatorFixture.Driver;
        using var live = new DeviceArray<float>(d, 64);
        var freed = new DeviceArray<float>(d, 64);
        freed.Free();
        long offset = ((long)freed.Ptr - (long)live.Ptr) / sizeof(float);
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_read_at", new(1), new(32), 0, live, offset, live))!;
        Assert.That(e.Message, Does.Contain("emu_read_at").And.Contain("use after free").And.Contain("thread (0,0,0)"));
    }

    [Test]
    public void CopiesAndFreesAreChecked()
    {
        var d = EmulatorFixture.Driver;
        var buffer = new DeviceArray<float>(d, 16);
        float[] tooMany = new float[17];
        Assert.Throws<EmulatorException>(() => buffer.Upload(tooMany));
        Assert.Throws<EmulatorException>(() => d.MemsetD8(buffer.Ptr + 4, 0, 64));
        buffer.Free();
        var e = Assert.Throws<EmulatorException>(() => d.Free(buffer.Ptr))!;
        Assert.That(e.Message, Does.Contain("double free"));
        Assert.Throws<EmulatorException>(() => d.CopyDeviceToDevice(buffer.Ptr, buffer.Ptr, 4));
    }

    [Test]
    public void FreshAllocationsHoldTheNanPattern()
    {
        var d = EmulatorFixture.Driver;
        using var buffer = new DeviceArray<float>(d, 100);
        Assert.That(buffer.Download().All(float.IsNaN), Is.True);
        Assert.That(buffer.Ptr % 256, Is.EqualTo(0ul), "256-byte aligned like cuMemAlloc");
    }

    [Test]
    public void FiberStackOverflowIsReported()
    {
        var d = EmulatorFixture.Driver;
        using var output = new DeviceArray<float>(d, 32);
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_stack_hog", new(1), new(32), 0, output))!;
        Assert.That(e.Message, Does.Contain("emu_stack_hog").And.Contain("stack overflow"));
    }

    [Test]
    public void IntegerDivisionByZeroIsReported()
    {
        var d = EmulatorFixture.Driver;
        using var divisors = new DeviceArray<int>(d, Enumerable.Range(0, 32).Select(i => i == 9 ? 0 : i + 1).ToArray());
        using var output = new DeviceArray<int>(d, 32);
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_divide", new(1), new(32), 0, divisors, output))!;
        Assert.That(e.Message, Does.Contain("emu_divide").And.Contain("thread (9,0,0)").And.Contain("division by zero"));
    }

    [Test]
    public void DeviceAssertBecomesAnError()
    {
        var d = EmulatorFixture.Driver;
        using var values = new DeviceArray<int>(d, Enumerable.Range(0, 32).Select(i => i == 17 ? -1 : i).ToArray());
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_assert", new(1), new(32), 0, values))!;
        Assert.That(e.Message, Does.Contain("assertion failed").And.Contain("thread (17,0,0)").And.Contain("emu_defects.cu"));
    }
}
