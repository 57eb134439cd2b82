using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Tensor.Tests.Gemm;

public sealed class OpenBlasCoreTypeTests
{
    [Test]
    public void Avx512_Unset_ChoosesSkylakeX()
    {
        var d = OpenBlasCoreTypePolicy.Decide(hasAvx512F: true, hasAvx512Bf16: false, userValue: null);
        Assert.That(d.ValueToSet, Is.EqualTo("SKYLAKEX"));
        Assert.That(d.UserValue, Is.Null);
        Assert.That(d.EffectiveValue, Is.EqualTo("SKYLAKEX"));
    }

    [Test]
    public void Avx512Bf16_Unset_ChoosesCooperlake() =>
        Assert.That(OpenBlasCoreTypePolicy.Decide(true, true, null).ValueToSet, Is.EqualTo("COOPERLAKE"));

    [TestCase(true, true, "Haswell")]
    [TestCase(true, false, "Prescott")]
    [TestCase(false, false, "SKYLAKEX")]
    public void UserValue_IsKept(bool avx512, bool bf16, string user)
    {
        var d = OpenBlasCoreTypePolicy.Decide(avx512, bf16, user);
        Assert.That(d.ValueToSet, Is.Null, "must not overwrite the user's choice");
        Assert.That(d.UserValue, Is.EqualTo(user));
        Assert.That(d.EffectiveValue, Is.EqualTo(user));
    }

    [TestCase("")]
    [TestCase("  ")]
    public void BlankUserValue_CountsAsUnset(string blank) =>
        Assert.That(OpenBlasCoreTypePolicy.Decide(true, false, blank).ValueToSet, Is.EqualTo("SKYLAKEX"));

    [Test]
    public void NoAvx512_LeavesDetectionToOpenBlas() =>
        Assert.That(OpenBlasCoreTypePolicy.Decide(false, false, null), Is.EqualTo(new OpenBlasCoreTypeDecision(null, null)));

    [TestCase(true, "Prescott", true)]
    [TestCase(true, "Haswell", false)]
    [TestCase(true, "SkylakeX", false)]
    [TestCase(false, "Prescott", false)]
    public void PrescottOnAvx512_IsFlagged(bool avx512, string core, bool slow) =>
        Assert.That(OpenBlasCoreTypePolicy.IsSlowCoreOnAvx512Machine(avx512, core), Is.EqualTo(slow));

    [TestCase("SkylakeX", true)]
    [TestCase("COOPERLAKE", true)]
    [TestCase("SapphireRapids", true)]
    [TestCase("Haswell", false)]
    [TestCase("Prescott", false)]
    [TestCase(null, false)]
    public void Avx512KernelCores_AreRecognised(string? core, bool avx512) =>
        Assert.That(OpenBlasCoreTypePolicy.HasAvx512Kernels(core), Is.EqualTo(avx512));

    [Test]
    public void AutoProvider_SkipsOpenBlasWithoutAvx512KernelsOnAvx512Cpu()
    {
        var lib = OpenBlasLibrary.Instance;
        Assume.That(lib, Is.Not.Null, "OpenBLAS is not installed on this machine");
        CpuGemm.Provider = GemmProvider.Auto;
        string expected = lib!.LacksAvx512KernelsOnAvx512Cpu ? "managed" : "OpenBLAS";
        Assert.That(CpuGemm.Describe, Does.StartWith(expected), $"core {lib.CoreName}, AVX-512 {CpuFeatures.HasAvx512F}");
    }

    [Test]
    public void NativeSetenv_IsVisibleToNativeGetenv()
    {
        // The reason for P/Invoke: OpenBLAS reads the variable with libc getenv.
        Assume.That(NativeEnvironment.IsAvailable, "no libc setenv on this OS");
        string name = "DYTOX_GEMM_TEST_" + Environment.ProcessId;
        NativeEnvironment.Set(name, "COOPERLAKE");
        Assert.That(NativeEnvironment.Get(name), Is.EqualTo("COOPERLAKE"));
    }

    [Test]
    public void LoadedOpenBlas_RunsTheDecidedCore()
    {
        var lib = OpenBlasLibrary.Instance;
        Assume.That(lib, Is.Not.Null, "OpenBLAS is not installed on this machine");
        var decision = lib!.CoreTypeDecision;
        TestContext.Out.WriteLine($"{lib.Describe()} from {lib.Path}; config: {lib.Config}");
        Assert.That(lib.Config, Does.StartWith("OpenBLAS"));
        Assert.That(lib.Threads, Is.EqualTo(Environment.ProcessorCount).Or.Not.EqualTo(0));
        if (decision.EffectiveValue is { } forced)
            Assert.That(lib.CoreName, Is.EqualTo(forced).IgnoreCase, "OpenBLAS must run the core type exported before it was loaded");
        if (CpuFeatures.HasAvx512F && decision.UserValue is null)
            Assert.That(lib.CoreName, Is.AnyOf("SkylakeX", "Cooperlake", "SapphireRapids"));
        Assert.That(CpuGemm.Describe, Does.Contain(lib.CoreName).Or.Contain("managed"));
    }
}
