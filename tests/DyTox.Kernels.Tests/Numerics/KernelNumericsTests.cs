using DyTox.Kernels.Checks;

namespace DyTox.Kernels.Tests.Numerics;

/// <summary>
/// Every kernel against its float64 C# reference, on whichever driver is available (GPU or emulator);
/// the same checks the GPU console runner executes. Skips visibly when neither is present.
/// </summary>
public class KernelNumericsTests
{
    private static IEnumerable<TestCaseData> Cases() =>
        KernelChecks.All.Select(c => new TestCaseData(c).SetName(c.Name));

    [TestCaseSource(nameof(Cases))]
    public void MatchesReference(KernelCheck check)
    {
        var driver = TestDrivers.Require();
        var result = KernelChecks.Run(check, driver);
        TestContext.Out.WriteLine($"[{driver.Kind}] {result}");
        Assert.That(result.Passed, Is.True, result.Detail);
    }

    [Test]
    public void ChecksAreUniqueAndCoverEveryKernelFamily()
    {
        var names = KernelChecks.All.Select(c => c.Name).ToArray();
        Assert.That(names, Is.Unique);
        foreach (var family in (string[])["fill_f32", "strided_copy_f32", "add_broadcast_f32", "gelu_backward_f32",
                                          "sigmoid_backward_f32", "softmax_forward", "softmax_backward", "layernorm_forward",
                                          "layernorm_backward", "sgemm"])
            Assert.That(names.Any(n => n.StartsWith(family, StringComparison.Ordinal)), family);
    }

    [Test]
    public void ReferenceErfMatchesKnownValues()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Reference.Erf(0), Is.EqualTo(0));
            Assert.That(Reference.Erf(0.5), Is.EqualTo(0.5204998778130465).Within(1e-15));
            Assert.That(Reference.Erf(1), Is.EqualTo(0.8427007929497149).Within(1e-15));
            Assert.That(Reference.Erf(-2.4), Is.EqualTo(-0.9993114861033550).Within(1e-15));
            Assert.That(Reference.Erf(3), Is.EqualTo(0.9999779095030014).Within(1e-15));
            Assert.That(Reference.Erf(6), Is.EqualTo(1.0).Within(1e-15));
        });
    }
}
