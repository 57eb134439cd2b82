using System.Diagnostics;
using DyTox.Kernels.Emulator;

namespace DyTox.Kernels.Tests.Emulator;

/// <summary>Deadlocks and divergent collectives are reported with their wait points instead of hanging.</summary>
public class SynchronisationErrorTests
{
    private const string File = "emu_defects.cu";

    [Test]
    public void BarrierInDivergentCodeIsReportedNotHung()
    {
        var d = EmulatorFixture.Driver;
        using var output = new DeviceArray<float>(d, 64);
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_divergent_barrier", new(1), new(64), 0, output))!;
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(10));
        Assert.That(e.Message, Does.Contain("emu_divergent_barrier").And.Contain("block (0,0,0)").And.Contain("different __syncthreads"));
        Assert.That(e.Message, Does.Contain("__syncthreads at emu_defects.cu:28 (32 threads: 0-31)").And.Contain("__syncthreads at emu_defects.cu:31 (32 threads: 32-63)"));
    }

    [Test]
    public void ShuffleWaitingForLanesAtABarrierIsADeadlock()
    {
        var d = EmulatorFixture.Driver;
        using var output = new DeviceArray<float>(d, 32);
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_shuffle_deadlock", new(1), new(32), 0, output))!;
        Assert.That(e.Message, Does.Contain("deadlock").And.Contain("emu_shuffle_deadlock")
            .And.Contain("__syncthreads at emu_defects.cu:40 (16 threads: 0, 2, 4,").And.Contain("__shfl_xor_sync(mask 0xffffffff) at emu_defects.cu:38 (16 threads: 1, 3, 5,"));
    }

    [Test]
    public void MaskWithoutTheCallerIsAnError()
    {
        var d = EmulatorFixture.Driver;
        using var output = new DeviceArray<float>(d, 32);
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_mask_without_self", new(1), new(32), 0, output))!;
        Assert.That(e.Message, Does.Contain("does not name the calling lane"));
    }

    [Test]
    public void ExitBeforeABarrierOthersWaitAtIsAWarning()
    {
        var d = EmulatorFixture.Driver;
        using var output = new DeviceArray<float>(d, 64);
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_early_exit_barrier", new(1), new(64), 0, output, 40))!;
        Assert.That(e.Message, Does.Contain("24 thread(s) of a block exited"));

        d.FailOnWarnings = false;
        d.Launch(File, "emu_early_exit_barrier", new(1), new(64), 0, output, 40);
        Assert.That(d.LastLaunchWarnings, Has.Count.EqualTo(1));
        Assert.That(output.Download()[0], Is.EqualTo(39f), "threads that exited count as arrived, as on current GPUs");

        d.Launch(File, "emu_early_exit_barrier", new(1), new(64), 0, output, 64);
        Assert.That(d.LastLaunchWarnings, Is.Empty);
    }
}
