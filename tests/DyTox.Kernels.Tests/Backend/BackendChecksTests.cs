using DyTox.Kernels.Checks;

namespace DyTox.Kernels.Tests.Backend;

/// <summary>
/// The shared <see cref="BackendChecks"/> (every IBackend op, CUDA vs CPU, both attention paths, determinism
/// re-runs) at the emulator's small ragged shapes — the same checks the GPU runner runs at DyTox widths.
/// </summary>
[NonParallelizable] // the attention checks switch the shared backend's attention path
public class BackendChecksTests
{
    private static IEnumerable<TestCaseData> Checks() =>
        BackendChecks.All().Select(check => new TestCaseData(check).SetArgDisplayNames(check.Name));

    [TestCaseSource(nameof(Checks))]
    public void CudaBackendMatchesTheCpuBackend(BackendCheck check)
    {
        var result = BackendChecks.Run(check, BackendPair.Gpu, BackendShapes.Emulator);
        TestContext.Out.WriteLine(result);
        Assert.That(result.Passed, Is.True, result.ToString());
    }
}
