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

    private static IEnumerable<TestCaseData> V1Cases()
    {
        foreach (var s in Shapes) yield return new TestCaseData(s, 64).SetName($"v1 {s} threads 64");
        yield return new TestCaseData(Shapes[1], 32).SetName($"v1 {Shapes[1]} threads 32");
    }

    [TestCaseSource(nameof(V2Cases))]
    public void PromotedMatchesCpuBackend(TaskShape shape, int threads) =>
        GpsaKernelTests.Expect(TaskAttentionCase.Run(AttentionDrivers.Production(), new TaskAttentionV2(), threads, shape).Result);

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
