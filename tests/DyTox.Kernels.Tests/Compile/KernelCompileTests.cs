using DyTox.Kernels.Cuda;
using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Tests.Compile;

/// <summary>
/// Every production kernel source compiles with the production options for sm_80 and sm_90, with no
/// warnings, no spills, and every kernel within the register budget written beside it (engine guide §8.2.3).
/// </summary>
[Parallelizable(ParallelScope.None)]
public class KernelCompileTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var file in KernelSources.SourceFiles)
            foreach (var arch in (int[])[80, 90])
                foreach (var fast in (bool[])[false, true])
                    yield return new TestCaseData(file, arch, fast).SetName($"{file} sm_{arch}{(fast ? " fast-math" : "")}");
    }

    [Test]
    public void ProductionKernelSourcesAreEmbedded() =>
        Assert.That(KernelSources.SourceFiles, Is.SupersetOf(new[] { "elementwise.cu", "layernorm.cu", "softmax.cu" }));

    [TestCaseSource(nameof(Cases))]
    public void CompilesCleanWithinBudget(string file, int arch, bool fastMath)
    {
        var compiler = NvrtcFixture.Require();
        var module = compiler.CompileEmbedded(file, arch, fastMath);
        var budgets = KernelBudgets.Parse(KernelSources.Get(file));
        var reports = module.Resources.ToDictionary(r => r.Function);

        TestContext.Out.WriteLine(string.Join("\n", module.Resources.Select(r =>
            $"{r.Function,-44} sm_{arch} regs {r.Registers,3} smem {r.SharedMemoryBytes,5} spill {r.SpillStoreBytes}/{r.SpillLoadBytes}")));
        Assert.Multiple(() =>
        {
            Assert.That(module.IsCubin, Is.True, $"NVRTC {compiler.Version} lists sm_{arch}, so the target must be a cubin");
            Assert.That(module.Target, Is.EqualTo($"sm_{arch}"));
            Assert.That(module.Image, Is.Not.Empty);
            Assert.That(module.Warnings, Is.Empty, module.Log);
            Assert.That(budgets, Is.Not.Empty, $"{file} declares no extern \"C\" kernels");
            Assert.That(reports.Keys, Is.EquivalentTo(budgets.Keys), "every kernel must have a ptxas report");
            foreach (var (kernel, budget) in budgets)
            {
                Assert.That(budget, Is.Not.Null, $"{kernel} has no '// budget: registers <= N' line");
                if (!reports.TryGetValue(kernel, out var r)) continue;
                Assert.That(r.Registers, Is.LessThanOrEqualTo(budget ?? 0), $"{kernel} uses {r.Registers} registers on sm_{arch}");
                Assert.That(r.SpillStoreBytes, Is.Zero, $"{kernel} spill stores");
                Assert.That(r.SpillLoadBytes, Is.Zero, $"{kernel} spill loads");
                Assert.That(r.StackFrameBytes, Is.Zero, $"{kernel} stack frame (local memory)");
                Assert.That(r.SharedMemoryBytes, Is.LessThanOrEqualTo(48 * 1024), $"{kernel} static shared memory");
            }
        });
    }

    [Test]
    public void UnknownArchFallsBackToPtxOfTheNewestOlderArch()
    {
        var compiler = NvrtcFixture.Require();
        var newest = compiler.SupportedArchs.Max();
        Assert.That(compiler.TargetFor(newest), Is.EqualTo($"sm_{newest}"));
        Assert.That(compiler.TargetFor(newest + 10), Is.EqualTo($"compute_{newest}"));
        var ptx = compiler.CompileEmbedded("softmax.cu", newest + 10);
        Assert.Multiple(() =>
        {
            Assert.That(ptx.IsCubin, Is.False);
            Assert.That(ptx.Options, Does.Not.Contain("--ptxas-options=-v"));
            Assert.That(System.Text.Encoding.ASCII.GetString(ptx.Image), Does.Contain(".entry softmax_forward_warp_f32"));
            Assert.That(ptx.Image[^1], Is.Zero, "PTX handed to cuModuleLoadData must be NUL-terminated");
        });
    }

    [Test]
    public void TargetForRejectsArchsBelowEverySupportedOne() =>
        Assert.Throws<NotSupportedException>(() => NvrtcCompiler.TargetFor(30, [35, 90]));

    [Test]
    public void BudgetParserPairsCommentsWithTheNextKernel()
    {
        var budgets = KernelBudgets.Parse("""
            // budget: registers <= 32
            extern "C" __global__ void a(float* x) {}
            extern "C" __global__ void b(float* x) {}
            // budget: registers <= 64
            extern "C" __global__ void c(float* x) {}
            """);
        Assert.That(budgets, Is.EquivalentTo(new Dictionary<string, int?> { ["a"] = 32, ["b"] = null, ["c"] = 64 }));
    }
}
