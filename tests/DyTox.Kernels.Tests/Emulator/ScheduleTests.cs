using DyTox.Kernels.Emulator;

namespace DyTox.Kernels.Tests.Emulator;

/// <summary>Correct kernels give the same bits under every schedule; a missing barrier does not.</summary>
public class ScheduleTests
{
    private const string File = "emu_collectives.cu";

    [Test]
    public void BlockReductionIsBitwiseIdenticalAcrossSchedules()
    {
        var d = EmulatorFixture.Driver;
        const int rows = 12, cols = 1000;   // ragged: not a multiple of the block
        var rng = new Random(7);
        float[] x = Enumerable.Range(0, rows * cols).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        using var input = new DeviceArray<float>(d, x);
        using var sums = new DeviceArray<float>(d, rows);
        using var maxima = new DeviceArray<float>(d, rows);
        var results = new List<(float[] Sums, float[] Maxima)>();
        foreach (var (schedule, seed) in new[] { (EmulatorSchedule.Forward, 0ul), (EmulatorSchedule.Reverse, 0ul), (EmulatorSchedule.Random, 1ul), (EmulatorSchedule.Random, 99ul) })
        {
            d.Schedule = schedule;
            d.Seed = seed;
            d.Launch(File, "emu_row_reduce", new(rows), new(256), 0, input, sums, maxima, cols);
            results.Add((sums.Download(), maxima.Download()));
        }
        for (int s = 1; s < results.Count; ++s)
        {
            Assert.That(results[s].Sums.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(results[0].Sums.Select(BitConverter.SingleToInt32Bits)), $"sums, schedule {s}");
            Assert.That(results[s].Maxima, Is.EqualTo(results[0].Maxima), $"maxima, schedule {s}");
        }
        for (int r = 0; r < rows; ++r)
        {
            double reference = 0;
            for (int c = 0; c < cols; ++c) reference += x[r * cols + c];
            Assert.That(results[0].Sums[r], Is.EqualTo(reference).Within(1e-4));
            Assert.That(results[0].Maxima[r], Is.EqualTo(x.Skip(r * cols).Take(cols).Max()));
        }
    }

    [Test]
    public void MissingBarrierChangesResultsAcrossSchedules()
    {
        var d = EmulatorFixture.Driver;
        const int blocks = 4, threads = 128;
        float[] x = Enumerable.Range(0, blocks * threads).Select(i => (float)i).ToArray();
        float[] expected = Enumerable.Range(0, blocks * threads).Select(g => 2f * x[g / threads * threads + (g % threads + 1) % threads]).ToArray();
        using var input = new DeviceArray<float>(d, x);
        using var output = new DeviceArray<float>(d, blocks * threads);

        float[] Run(EmulatorSchedule schedule, int withBarrier)
        {
            d.Schedule = schedule;
            d.Launch(File, "emu_neighbour", new(blocks), new(threads), 0, input, output, withBarrier);
            return output.Download();
        }

        // With the barrier: correct under every schedule.
        foreach (var schedule in Enum.GetValues<EmulatorSchedule>())
            Assert.That(Run(schedule, 1), Is.EqualTo(expected), schedule.ToString());

        // Without it: forward order reads neighbours that have not written yet (NaN pattern), reverse
        // order happens to see them, so the schedules disagree and the defect is exposed.
        float[] forward = Run(EmulatorSchedule.Forward, 0), reverse = Run(EmulatorSchedule.Reverse, 0);
        Assert.That(forward, Is.Not.EqualTo(reverse));
        Assert.That(forward.Any(float.IsNaN), Is.True, "forward order reads unwritten shared memory");

        // A random schedule is reproducible from its seed, so a failure can be replayed.
        d.Seed = 12345;
        float[] random1 = Run(EmulatorSchedule.Random, 0), random2 = Run(EmulatorSchedule.Random, 0);
        Assert.That(random1.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(random2.Select(BitConverter.SingleToInt32Bits)));
        Assert.That(random1, Is.Not.EqualTo(expected));
    }

    [Test]
    public void WarpsThatExitTogetherBeforeCollectivesAreFine()
    {
        var d = EmulatorFixture.Driver;
        const int rows = 13, cols = 70, warpsPerBlock = 4;
        float[] x = Enumerable.Range(0, rows * cols).Select(i => (float)(i % 11) - 5f).ToArray();
        using var input = new DeviceArray<float>(d, x);
        using var output = new DeviceArray<float>(d, rows);
        d.Launch(File, "emu_warp_row_sum", new((rows + warpsPerBlock - 1) / warpsPerBlock), new(32 * warpsPerBlock), 0, input, output, rows, cols);
        Assert.That(d.LastLaunchWarnings, Is.Empty);
        Assert.That(output.Download(), Is.EqualTo(Enumerable.Range(0, rows).Select(r => x.Skip(r * cols).Take(cols).Sum()).ToArray()));
    }
}
