using DyTox.Kernels.Emulator;

namespace DyTox.Kernels.Tests.Attention;

/// <summary>Every task-attention kernel version against CpuBackend on ragged shapes with 1 and 3 task tokens, at
/// several block sizes, plus determinism (re-run and reverse fiber schedule).</summary>
public class TaskAttentionKernelTests
{
    private static readonly TaskShape[] Shapes =
    [
        new(1, 2, 9, 36, 3),
        new(3, 2, 25, 64, 2),
        new(3, 2, 49, 128, 4),
        new(1, 2, 65, 36, 3),
        new(3, 2, 64, 30, 3),   // head dim 10
        new(3, 1, 196, 64, 2),  // ImageNet token count
        new(3, 2, 16, 128, 2),  // head dim 64
    ];

    private static IEnumerable<TestCaseData> V2Cases()
    {
        foreach (var s in Shapes) yield return new TestCaseData(s, 128).SetName($"v2 {s} threads 128");
        foreach (var threads in (int[])[32, 256, 1024]) yield return new TestCaseData(Shapes[1], threads).SetName($"v2 {Shapes[1]} threads {threads}");
    }

    private static IEnumerable<TestCaseData> V3Cases()
    {
        foreach (var s in Shapes) yield return new TestCaseData(s, 128, 0).SetName($"v3 {s} threads 128");
        foreach (var threads in (int[])[32, 256, 1024]) yield return new TestCaseData(Shapes[2], threads, 0).SetName($"v3 {Shapes[2]} threads {threads}");
        // more tasks than warps (each warp takes 3 or 4 in turn), and the scalar staging path
        yield return new TestCaseData(new TaskShape(11, 2, 49, 128, 4), 96, 0).SetName("v3 T11-B2-N49-D128-H4 threads 96");
        yield return new TestCaseData(Shapes[2], 128, 1).SetName($"v3 {Shapes[2]} threads 128 misaligned");
    }

    private static IEnumerable<TestCaseData> V1Cases()
    {
        foreach (var s in Shapes) yield return new TestCaseData(s, 64).SetName($"v1 {s} threads 64");
        yield return new TestCaseData(Shapes[1], 32).SetName($"v1 {Shapes[1]} threads 32");
    }

    [TestCaseSource(nameof(V2Cases))]
    public void PromotedMatchesCpuBackend(TaskShape shape, int threads) =>
        GpsaKernelTests.Expect(TaskAttentionCase.Run(AttentionDrivers.Production(), new TaskAttentionV2(), threads, shape).Result);

    [TestCaseSource(nameof(V3Cases))]
    public void BlockPerHeadMatchesCpuBackend(TaskShape shape, int threads, int misalign) =>
        GpsaKernelTests.Expect(TaskAttentionCase.Run(AttentionDrivers.Production(), new TaskAttentionV3(), threads, shape, misalign).Result);

    /// <summary>v3 computes each task's row with v2's expressions in v2's order, only reading K and V from shared
    /// memory: every output has v2's bits, whatever the block sizes.</summary>
    [TestCase(0, 128, 128)]
    [TestCase(2, 64, 256)]
    [TestCase(5, 128, 32)]
    public void BlockPerHeadHasTheBitsOfV2(int shapeIndex, int v2Threads, int v3Threads)
    {
        var driver = AttentionDrivers.Production();
        var shape = shapeIndex == 2 ? new TaskShape(7, 2, 49, 128, 4) : Shapes[shapeIndex];
        var v2 = TaskAttentionCase.Run(driver, new TaskAttentionV2(), v2Threads, shape);
        var v3 = TaskAttentionCase.Run(driver, new TaskAttentionV3(), v3Threads, shape);
        GpsaKernelTests.ExpectSameBits(v2, v3, "v3 against v2");
    }

    [Test]
    public void BlockPerHeadIsBitwiseReproducibleAcrossRunsAndSchedules()
    {
        var driver = AttentionDrivers.Production();
        var shape = new TaskShape(5, 2, 25, 64, 2);
        var first = TaskAttentionCase.Run(driver, new TaskAttentionV3(), 64, shape);
        var second = TaskAttentionCase.Run(driver, new TaskAttentionV3(), 64, shape);
        var reverse = AttentionDrivers.WithSchedule(driver, EmulatorSchedule.Reverse, () => TaskAttentionCase.Run(driver, new TaskAttentionV3(), 64, shape));
        GpsaKernelTests.ExpectSameBits(first, second, "rerun");
        GpsaKernelTests.ExpectSameBits(first, reverse, "reverse schedule");
    }

    [TestCaseSource(nameof(V1Cases))]
    public void NaiveMatchesCpuBackend(TaskShape shape, int threads) =>
        GpsaKernelTests.Expect(TaskAttentionCase.Run(AttentionDrivers.Dev(), new TaskAttentionV1(), threads, shape).Result);

    [Test]
    public void PromotedIsBitwiseReproducibleAcrossRunsAndSchedules()
    {
        var driver = AttentionDrivers.Production();
        var shape = Shapes[1];
        var first = TaskAttentionCase.Run(driver, new TaskAttentionV2(), 64, shape);
        var second = TaskAttentionCase.Run(driver, new TaskAttentionV2(), 64, shape);
        var reverse = AttentionDrivers.WithSchedule(driver, EmulatorSchedule.Reverse, () => TaskAttentionCase.Run(driver, new TaskAttentionV2(), 64, shape));
        GpsaKernelTests.ExpectSameBits(first, second, "rerun");
        GpsaKernelTests.ExpectSameBits(first, reverse, "reverse schedule");
    }
}
