using DyTox.Kernels.Checks;
using DyTox.Kernels.Emulator;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

/// <summary>
/// Same inputs, same bits: every reduction-bearing op run twice, and (on the emulator) under the Forward
/// and Reverse fiber/block schedules, which would expose a missing barrier or an order-dependent sum.
/// </summary>
public class DeterminismTests
{
    /// <summary>The shared determinism workload (reductions, row ops, Linear grads, losses, GPSA and task attention on
    /// the default fused path) at the emulator shapes, as one host array.</summary>
    private static float[] RunReductions() =>
        [.. BackendChecks.ReductionOutputs(Gpu, BackendShapes.Emulator), .. BackendChecks.AttentionOutputs(Gpu, BackendShapes.Emulator)];

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    [Test]
    public void RepeatedRunsGiveTheSameBits()
    {
        var first = Bits(RunReductions());
        var second = Bits(RunReductions());
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void EmulatorScheduleDoesNotChangeTheBits()
    {
        if (Gpu.Driver is not EmulatorDriver emulator)
        {
            Assert.Ignore("schedule variation needs the CPU emulator (a real GPU schedules blocks itself)");
            return;
        }
        var saved = emulator.Schedule;
        try
        {
            emulator.Schedule = EmulatorSchedule.Forward;
            var forward = RunReductions();
            emulator.Schedule = EmulatorSchedule.Reverse;
            var reverse = RunReductions();
            emulator.Schedule = EmulatorSchedule.Random;
            var random = RunReductions();
            Assert.That(Bits(reverse), Is.EqualTo(Bits(forward)), "Reverse vs Forward schedule");
            Assert.That(Bits(random), Is.EqualTo(Bits(forward)), "Random vs Forward schedule");
        }
        finally
        {
            emulator.Schedule = saved;
        }
    }
}
