using DyTox.Kernels.Checks;
using DyTox.Kernels.Runtime;
using DyTox.Kernels.Tests.Attention;

namespace DyTox.GpuTests;

/// <summary>
/// The fused attention kernels (GPSA v3, the tensor-core v4 and v6, task attention v2 and v3) on the real GPU against the CPU backend (ragged shapes and a CIFAR-width
/// slice of the batch), each run twice and required to give the same bits (no atomics in any reduction).
/// </summary>
internal static class AttentionChecks
{
    private static readonly GpsaShape[] GpsaShapes =
    [
        new(2, 65, 36, 3), new(2, 49, 128, 4), new(4, 64, 384, 12), new(2, 196, 384, 12),
    ];

    // v4 (tensor cores) applies up to N = 64: ragged, odd head dim, and a CIFAR-width slice (its compile-time instance).
    private static readonly GpsaShape[] TensorCoreShapes =
    [
        new(2, 63, 36, 3), new(2, 57, 30, 3), new(2, 49, 128, 4), new(4, 64, 384, 12),
    ];

    // v6 (tensor cores, 64 < N <= 256): ragged, odd head dim, head dim 64, and an ImageNet-width slice (its d = 32 instance).
    private static readonly GpsaShape[] LongTensorCoreShapes =
    [
        new(2, 65, 36, 3), new(1, 131, 30, 3), new(1, 129, 128, 2), new(2, 196, 384, 12),
    ];

    private static readonly TaskShape[] TaskShapes =
    [
        new(3, 2, 65, 36, 3), new(5, 4, 64, 384, 12), new(2, 2, 196, 384, 12),
    ];

    public static IEnumerable<CheckResult> Run(ICudaDriver driver)
    {
        var gpsa = new GpsaV3();
        foreach (var shape in GpsaShapes)
            foreach (var result in Twice(() => GpsaCase.Run(driver, gpsa, 256, shape), $"gpsa v3 {shape}"))
                yield return result;
        var gpsa4 = new GpsaV4();
        foreach (var shape in TensorCoreShapes)
            foreach (var result in Twice(() => GpsaCase.Run(driver, gpsa4, 128, shape), $"gpsa v4 tensor cores {shape}"))
                yield return result;
        var gpsa6 = new GpsaV6();
        foreach (var shape in LongTensorCoreShapes)
            foreach (var result in Twice(() => GpsaCase.Run(driver, gpsa6, 128, shape), $"gpsa v6 tensor cores {shape}"))
                yield return result;
        var task = new TaskAttentionV2();
        foreach (var shape in TaskShapes)
            foreach (var result in Twice(() => TaskAttentionCase.Run(driver, task, 128, shape), $"task attention v2 {shape}"))
                yield return result;
        // v3 at the same shapes (and more tasks than its 4 warps), and against v2 bit for bit.
        var task3 = new TaskAttentionV3();
        foreach (var shape in (TaskShape[])[.. TaskShapes, new(10, 2, 64, 384, 12)])
        {
            foreach (var result in Twice(() => TaskAttentionCase.Run(driver, task3, 128, shape), $"task attention v3 {shape}"))
                yield return result;
            yield return SameBits(() => (TaskAttentionCase.Run(driver, task, 128, shape), TaskAttentionCase.Run(driver, task3, 128, shape)),
                                  $"task attention v3 has the bits of v2 {shape}");
        }
    }

    private static CheckResult SameBits(Func<(GpsaCase.Outcome A, GpsaCase.Outcome B)> run, string name)
    {
        try
        {
            var (a, b) = run();
            bool same = a.Outputs.Count == b.Outputs.Count;
            for (int i = 0; same && i < a.Outputs.Count; i++)
                same = a.Outputs[i].AsSpan().SequenceEqual(b.Outputs[i]);
            return new CheckResult(name, same, same ? "bitwise equal" : "outputs differ");
        }
        catch (Exception e)
        {
            return new CheckResult(name, false, e.Message);
        }
    }

    private static IEnumerable<CheckResult> Twice(Func<GpsaCase.Outcome> run, string name)
    {
        GpsaCase.Outcome first, second;
        try
        {
            first = run();
            second = run();
        }
        catch (Exception e)
        {
            return [new CheckResult(name, false, e.Message)];
        }
        var results = new List<CheckResult> { first.Result };
        bool same = first.Outputs.Count == second.Outputs.Count;
        for (int i = 0; same && i < first.Outputs.Count; i++)
            same = first.Outputs[i].AsSpan().SequenceEqual(second.Outputs[i]);
        results.Add(new CheckResult($"{name} deterministic", same, same ? "bitwise equal across two runs" : "outputs differ between runs"));
        return results;
    }
}
