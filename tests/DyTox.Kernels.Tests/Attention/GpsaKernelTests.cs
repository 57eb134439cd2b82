using DyTox.Kernels.Checks;
using DyTox.Kernels.Emulator;

namespace DyTox.Kernels.Tests.Attention;

/// <summary>
/// Every GPSA kernel version against CpuBackend (float64 reference, float32 CPU as the error yardstick), on ragged
/// shapes, at every block size the version is tried with, plus determinism (re-run and reverse fiber schedule).
/// </summary>
public class GpsaKernelTests
{
    private static readonly GpsaShape[] Shapes =
    [
        new(2, 9, 36, 3),    // head dim 12
        new(2, 25, 64, 2),   // head dim 32
        new(2, 49, 128, 4),  // head dim 32, 4 heads
        new(2, 65, 36, 3),   // N = 65 (CIFAR tokens + 1), head dim 12
        new(2, 65, 30, 3),   // head dim 10: not a multiple of 4, scalar staging path
        new(2, 16, 128, 2),  // head dim 64: lanes loop over two channels each
    ];

    private static IEnumerable<TestCaseData> V3Cases()
    {
        foreach (var s in Shapes) yield return new TestCaseData(s, 256, 0).SetName($"v3 {s} threads 256");
        foreach (var threads in (int[])[32, 64, 128, 512]) yield return new TestCaseData(Shapes[3], threads, 0).SetName($"v3 {Shapes[3]} threads {threads}");
        yield return new TestCaseData(Shapes[1], 256, 1).SetName($"v3 {Shapes[1]} threads 256 misaligned");
        yield return new TestCaseData(Shapes[4], 64, 1).SetName($"v3 {Shapes[4]} threads 64 misaligned");
        // ImageNet token count: 135 KB of dynamic shared memory, above the 48 KB default (the launch opts in);
        // 196 keys = 4 chunks of 64 in the score tile, 49 row groups of 4.
        var imageNet = new GpsaShape(1, 196, 128, 2);
        yield return new TestCaseData(imageNet, 256, 0).SetName($"v3 {imageNet} threads 256 (shared memory opt-in)");
    }

    // v4 (and the dev v5) hold a row's scores in registers, 8 key tiles of 8: N <= 64 (CIFAR's 64 tokens; longer runs v3/v2).
    private static readonly GpsaShape[] ShortShapes =
    [
        new(2, 9, 36, 3),    // head dim 12: 2 key tiles, 7 padded keys, one 16-row tile
        new(2, 25, 64, 2),   // head dim 32
        new(2, 49, 128, 4),  // head dim 32, 4 heads
        new(2, 63, 36, 3),   // odd N one short of the limit: scalar plane accesses, 1 padded key, 1 padded row
        new(2, 57, 30, 3),   // head dim 10: not a multiple of 4 (scalar staging) nor of 8 (padded k step)
        new(2, 16, 128, 2),  // head dim 64: 8 channel tiles
        new(2, 64, 64, 2),   // CIFAR's token count: every key tile full, 8-byte plane accesses
    ];

    private static IEnumerable<TestCaseData> V4Cases()
    {
        foreach (var s in ShortShapes) yield return new TestCaseData(s, 128, 0).SetName($"v4 {s} threads 128");
        foreach (var threads in (int[])[32, 64, 256]) yield return new TestCaseData(ShortShapes[3], threads, 0).SetName($"v4 {ShortShapes[3]} threads {threads}");
        yield return new TestCaseData(ShortShapes[1], 128, 1).SetName($"v4 {ShortShapes[1]} threads 128 misaligned");
        yield return new TestCaseData(ShortShapes[4], 64, 1).SetName($"v4 {ShortShapes[4]} threads 64 misaligned");
        // the compile-time CIFAR instance (N = 64, d = 32) at other block sizes and misaligned
        foreach (var threads in (int[])[64, 256]) yield return new TestCaseData(ShortShapes[6], threads, 0).SetName($"v4 {ShortShapes[6]} threads {threads}");
        yield return new TestCaseData(ShortShapes[6], 128, 1).SetName($"v4 {ShortShapes[6]} threads 128 misaligned");
    }

    // v6 walks the keys in chunks of 64 (8 key tiles): 64 < N <= 256, heads at most 64 wide.
    private static readonly GpsaShape[] LongShapes =
    [
        new(2, 65, 36, 3),   // one key over v4's limit: 9 key tiles = a full chunk and a chunk of one tile, head dim 12
        new(1, 100, 64, 2),  // head dim 32 (the compile-time instance), even N: 8-byte plane accesses, 4 padded rows
        new(1, 131, 30, 3),  // head dim 10: scalar staging, odd N: scalar plane accesses, partial last key tile
        new(1, 129, 128, 2), // head dim 64: 8 channel tiles (the generic instance's widest)
        new(1, 196, 128, 4), // ImageNet's 196 tokens, head dim 32 (the N = 196 compile-time instance): 4 chunks, the last of 1 tile + 4 keys
        new(1, 256, 64, 2),  // the longest: 4 full chunks, no padding
    ];

    private static IEnumerable<TestCaseData> V6Cases()
    {
        foreach (var s in LongShapes) yield return new TestCaseData(s, 128, 0).SetName($"v6 {s} threads 128");
        foreach (var threads in (int[])[32, 256]) yield return new TestCaseData(LongShapes[2], threads, 0).SetName($"v6 {LongShapes[2]} threads {threads}");
        yield return new TestCaseData(LongShapes[1], 64, 1).SetName($"v6 {LongShapes[1]} threads 64 misaligned");
        yield return new TestCaseData(LongShapes[2], 128, 1).SetName($"v6 {LongShapes[2]} threads 128 misaligned");
    }

    private static IEnumerable<TestCaseData> V5Cases()
    {
        foreach (var s in ShortShapes.Where(s => s.Dim / s.Heads <= 32)) yield return new TestCaseData(s, 128).SetName($"v5 {s} threads 128");
        foreach (var threads in (int[])[32, 256]) yield return new TestCaseData(ShortShapes[3], threads).SetName($"v5 {ShortShapes[3]} threads {threads}");
    }

    private static IEnumerable<TestCaseData> V2Cases()
    {
        foreach (var s in Shapes) yield return new TestCaseData(s, 256).SetName($"v2 {s} threads 256");
        foreach (var threads in (int[])[32, 128]) yield return new TestCaseData(Shapes[3], threads).SetName($"v2 {Shapes[3]} threads {threads}");
    }

    private static IEnumerable<TestCaseData> V1Cases()
    {
        foreach (var s in Shapes) yield return new TestCaseData(s, 64).SetName($"v1 {s} threads 64");
        foreach (var threads in (int[])[32, 256]) yield return new TestCaseData(Shapes[3], threads).SetName($"v1 {Shapes[3]} threads {threads}");
    }

    [TestCaseSource(nameof(V3Cases))]
    public void PromotedMatchesCpuBackend(GpsaShape shape, int threads, int misalign) =>
        Expect(GpsaCase.Run(AttentionDrivers.Production(), new GpsaV3(), threads, shape, misalign).Result);

    [TestCaseSource(nameof(V4Cases))]
    public void TensorCoreMatchesCpuBackend(GpsaShape shape, int threads, int misalign) =>
        Expect(GpsaCase.Run(AttentionDrivers.Production(), new GpsaV4(), threads, shape, misalign).Result);

    [TestCaseSource(nameof(V6Cases))]
    public void LongSequenceTensorCoreMatchesCpuBackend(GpsaShape shape, int threads, int misalign) =>
        Expect(GpsaCase.Run(AttentionDrivers.Production(), new GpsaV6(), threads, shape, misalign).Result);

    [Test]
    public void LongSequenceTensorCoreIsBitwiseReproducibleAcrossRunsAndSchedules()
    {
        var driver = AttentionDrivers.Production();
        foreach (var shape in (GpsaShape[])[LongShapes[0], LongShapes[1], LongShapes[4]]) // the generic, d = 32 and N = 196 instances
        {
            var first = GpsaCase.Run(driver, new GpsaV6(), 64, shape);
            var second = GpsaCase.Run(driver, new GpsaV6(), 64, shape);
            var reverse = AttentionDrivers.WithSchedule(driver, EmulatorSchedule.Reverse, () => GpsaCase.Run(driver, new GpsaV6(), 64, shape));
            ExpectSameBits(first, second, $"{shape} rerun");
            ExpectSameBits(first, reverse, $"{shape} reverse schedule");
        }
    }

    [TestCaseSource(nameof(V5Cases))]
    public void PreSplitTensorCoreMatchesCpuBackend(GpsaShape shape, int threads) =>
        Expect(GpsaCase.Run(AttentionDrivers.Dev(), new GpsaV5(), threads, shape).Result);

    [Test]
    public void TensorCoreIsBitwiseReproducibleAcrossRunsAndSchedules()
    {
        var driver = AttentionDrivers.Production();
        foreach (var shape in (GpsaShape[])[ShortShapes[3], ShortShapes[6]]) // generic and compile-time instances
        {
            var first = GpsaCase.Run(driver, new GpsaV4(), 64, shape);
            var second = GpsaCase.Run(driver, new GpsaV4(), 64, shape);
            var reverse = AttentionDrivers.WithSchedule(driver, EmulatorSchedule.Reverse, () => GpsaCase.Run(driver, new GpsaV4(), 64, shape));
            ExpectSameBits(first, second, $"{shape} rerun");
            ExpectSameBits(first, reverse, $"{shape} reverse schedule");
        }
    }

    [TestCaseSource(nameof(V2Cases))]
    public void WarpPerRowMatchesCpuBackend(GpsaShape shape, int threads) =>
        Expect(GpsaCase.Run(AttentionDrivers.Dev(), new GpsaV2(), threads, shape).Result);

    [TestCaseSource(nameof(V1Cases))]
    public void NaiveMatchesCpuBackend(GpsaShape shape, int threads) =>
        Expect(GpsaCase.Run(AttentionDrivers.Dev(), new GpsaV1(), threads, shape).Result);

    [Test]
    public void PromotedIsBitwiseReproducibleAcrossRunsAndSchedules()
    {
        var driver = AttentionDrivers.Production();
        var shape = Shapes[3];
        var first = GpsaCase.Run(driver, new GpsaV3(), 128, shape);
        var second = GpsaCase.Run(driver, new GpsaV3(), 128, shape);
        var reverse = AttentionDrivers.WithSchedule(driver, EmulatorSchedule.Reverse, () => GpsaCase.Run(driver, new GpsaV3(), 128, shape));
        ExpectSameBits(first, second, "rerun");
        ExpectSameBits(first, reverse, "reverse schedule");
    }

    [Test]
    public void NaiveIsBitwiseReproducibleAcrossSchedules()
    {
        var driver = AttentionDrivers.Dev();
        var first = GpsaCase.Run(driver, new GpsaV1(), 64, Shapes[0]);
        var reverse = AttentionDrivers.WithSchedule(driver, EmulatorSchedule.Reverse, () => GpsaCase.Run(driver, new GpsaV1(), 64, Shapes[0]));
        ExpectSameBits(first, reverse, "reverse schedule");
    }

    internal static void Expect(CheckResult result)
    {
        TestContext.Out.WriteLine(result);
        Assert.That(result.Passed, Is.True, result.Detail);
    }

    internal static void ExpectSameBits(GpsaCase.Outcome a, GpsaCase.Outcome b, string what)
    {
        Assert.That(b.Outputs, Has.Count.EqualTo(a.Outputs.Count));
        for (var i = 0; i < a.Outputs.Count; i++)
        {
            var r = Compare.Bitwise($"{what} output {i}", b.Outputs[i], a.Outputs[i]);
            Assert.That(r.Passed, Is.True, r.ToString());
        }
    }
}
