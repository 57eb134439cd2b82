using DyTox.Kernels.Emulator;

namespace DyTox.Kernels.Tests.Emulator;

/// <summary>Shuffles and votes follow CUDA's rules, including width segments and out-of-segment sources.</summary>
public class WarpCollectiveTests
{
    private const string File = "emu_collectives.cu";

    // Independent statement of the CUDA programming guide's rules for each shuffle.
    private static int Expected(string op, int lane, int width, int delta, int srcLane, int[] v)
    {
        int segment = lane / width * width;
        return op switch
        {
            "idx" => v[segment + (srcLane % width + width) % width],
            "up" => lane % width < delta ? v[lane] : v[lane - delta],
            "down" => lane % width + delta >= width ? v[lane] : v[lane + delta],
            // Earlier segments are reachable, later ones return the caller's own value.
            _ => (lane ^ delta) >= segment + width ? v[lane] : v[lane ^ delta],
        };
    }

    [TestCase(32, 1, 0)]
    [TestCase(32, 16, 31)]
    [TestCase(16, 3, 5)]
    [TestCase(16, 16, 17)]
    [TestCase(8, 4, 9)]
    [TestCase(4, 1, 2)]
    [TestCase(2, 1, 1)]
    [TestCase(32, 40, -1)]
    public void ShufflesFollowCudaRules(int width, int delta, int srcLane)
    {
        var d = EmulatorFixture.Driver;
        const int threads = 64;
        int[] values = Enumerable.Range(0, threads).Select(i => 1000 + i * 7).ToArray();
        using var input = new DeviceArray<int>(d, values);
        using var output = new DeviceArray<int>(d, 4 * threads);
        d.Launch(File, "emu_shuffles", new(1), new(threads), 0, input, output, width, delta, srcLane);
        int[] got = output.Download();
        string[] ops = ["idx", "up", "down", "xor"];
        for (int t = 0; t < threads; ++t)
        {
            int lane = t % 32, warpBase = t - lane;
            int[] warp = values[warpBase..(warpBase + 32)];
            for (int o = 0; o < 4; ++o)
                Assert.That(got[4 * t + o], Is.EqualTo(Expected(ops[o], lane, width, delta, srcLane, warp)), $"{ops[o]} lane {t}");
        }
    }

    [Test]
    public void ShuffleMovesAllEightBytes()
    {
        var d = EmulatorFixture.Driver;
        double[] values = Enumerable.Range(0, 32).Select(i => Math.PI * (i + 1) * 1e10).ToArray();
        using var input = new DeviceArray<double>(d, values);
        using var output = new DeviceArray<double>(d, 32);
        d.Launch(File, "emu_shuffle_double", new(1), new(32), 0, input, output);
        double[] got = output.Download();
        for (int i = 0; i < 32; ++i) Assert.That(got[i], Is.EqualTo(values[i ^ 5]));
    }

    [TestCase(0xffffffffu)]
    [TestCase(0x0000ffffu)]
    [TestCase(0xf0f0f0f0u)]
    public void VotesCoverExactlyTheMask(uint mask)
    {
        var d = EmulatorFixture.Driver;
        int[] pred = Enumerable.Range(0, 64).Select(i => i % 3 == 0 || i >= 48 ? 1 : 0).ToArray();
        using var p = new DeviceArray<int>(d, pred);
        using var output = new DeviceArray<uint>(d, Enumerable.Repeat(0xdeadbeefu, 3 * 64).ToArray());
        d.Launch(File, "emu_votes", new(1), new(64), 0, p, output, mask);
        uint[] got = output.Download();
        for (int w = 0; w < 2; ++w)
        {
            uint ballot = 0;
            for (int l = 0; l < 32; ++l) if ((mask >> l & 1) != 0 && pred[32 * w + l] != 0) ballot |= 1u << l;
            for (int l = 0; l < 32; ++l)
            {
                int t = 32 * w + l;
                if ((mask >> l & 1) == 0) { Assert.That(got[3 * t], Is.EqualTo(0xdeadbeefu)); continue; }
                Assert.That(got[3 * t], Is.EqualTo(ballot), $"ballot lane {t}");
                Assert.That(got[3 * t + 1], Is.EqualTo(ballot != 0 ? 1u : 0u), $"any lane {t}");
                Assert.That(got[3 * t + 2], Is.EqualTo(ballot == mask ? 1u : 0u), $"all lane {t}");
            }
        }
    }

    [Test]
    public void ShuffleFromALaneOutsideTheMaskYieldsTheNanPattern()
    {
        var d = EmulatorFixture.Driver;
        using var output = new DeviceArray<int>(d, 16);
        d.Launch(File, "emu_shuffle_outside_mask", new(1), new(32), 0, output);
        int[] got = output.Download();
        for (int l = 0; l < 8; ++l) Assert.That(got[l], Is.EqualTo(l + 8));
        for (int l = 8; l < 16; ++l) Assert.That(got[l], Is.EqualTo(-1), "lanes 16..23 are outside the mask: undefined, poisoned");
    }

    [Test]
    public void WarpReductionsCombineTheWholeWarp()
    {
        var d = EmulatorFixture.Driver;
        int[] v = Enumerable.Range(0, 64).Select(i => (i * 37 % 23) - 11).ToArray();
        using var input = new DeviceArray<int>(d, v);
        using var output = new DeviceArray<int>(d, 12);
        d.Launch(File, "emu_warp_reductions", new(1), new(64), 0, input, output);
        int[] got = output.Download();
        for (int w = 0; w < 2; ++w)
        {
            int[] lanes = v[(32 * w)..(32 * w + 32)];
            int[] expected = [lanes.Sum(), lanes.Min(), (int)lanes.Max(x => (uint)x), lanes.Aggregate(-1, (a, x) => a & x), lanes.Aggregate(0, (a, x) => a | x), lanes.Aggregate(0, (a, x) => a ^ x)];
            Assert.That(got[(6 * w)..(6 * w + 6)], Is.EqualTo(expected), $"warp {w}");
        }
    }

    [Test]
    public void BarrierReductionsCountPredicates()
    {
        var d = EmulatorFixture.Driver;
        int[] pred = Enumerable.Range(0, 96).Select(i => i % 5 == 0 ? 1 : 0).ToArray();
        using var p = new DeviceArray<int>(d, pred);
        using var output = new DeviceArray<int>(d, 3);
        d.Launch(File, "emu_barrier_reductions", new(1), new(96), 0, p, output);
        Assert.That(output.Download(), Is.EqualTo(new[] { pred.Sum(), 0, 1 }));
    }

    [Test]
    public void SyncWarpOrdersSharedMemoryExchangeUnderEverySchedule()
    {
        var d = EmulatorFixture.Driver;
        float[] x = Enumerable.Range(0, 256).Select(i => (float)i).ToArray();
        using var input = new DeviceArray<float>(d, x);
        using var output = new DeviceArray<float>(d, 256);
        foreach (var schedule in Enum.GetValues<EmulatorSchedule>())
        {
            d.Schedule = schedule;
            d.Launch(File, "emu_syncwarp_exchange", new(1), new(256), 0, input, output);
            Assert.That(output.Download(), Is.EqualTo(x.Select((_, i) => x[i ^ 1]).ToArray()), schedule.ToString());
        }
    }
}
