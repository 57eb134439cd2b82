using DyTox.Kernels.Cuda;
using DyTox.Kernels.Runtime;
using DyTox.Kernels.Tests.Compile;

namespace DyTox.Kernels.Tests.Attention;

/// <summary>The numbered dev versions (kernels/dev/*.cu, not embedded) compile for sm_80/sm_90 like production
/// kernels: no warnings, no spills, no local memory, each kernel within its register budget.</summary>
[Parallelizable(ParallelScope.None)]
public class DevKernelCompileTests
{
    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (var file in AttentionDrivers.DevSources().Keys)
            foreach (var arch in (int[])[80, 90])
                yield return new TestCaseData(file, arch).SetName($"dev/{file} sm_{arch}");
    }

    [TestCaseSource(nameof(Cases))]
    public void CompilesCleanWithinBudget(string file, int arch)
    {
        var compiler = NvrtcFixture.Require();
        var source = AttentionDrivers.DevSources()[file];
        var headers = KernelSources.HeaderFiles.ToDictionary(h => h, KernelSources.Get, StringComparer.Ordinal);
        var module = compiler.Compile(new KernelCompileRequest(file, source, headers, arch));
        var budgets = KernelBudgets.Parse(source);
        var reports = module.Resources.ToDictionary(r => r.Function);
        TestContext.Out.WriteLine(string.Join("\n", module.Resources.Select(r => $"{r.Function,-44} sm_{arch} regs {r.Registers,3} smem {r.SharedMemoryBytes,5}")));
        Assert.Multiple(() =>
        {
            Assert.That(module.Warnings, Is.Empty, module.Log);
            Assert.That(reports.Keys, Is.EquivalentTo(budgets.Keys));
            foreach (var (kernel, budget) in budgets)
            {
                Assert.That(budget, Is.Not.Null, $"{kernel} has no budget line");
                if (!reports.TryGetValue(kernel, out var r)) continue;
                Assert.That(r.Registers, Is.LessThanOrEqualTo(budget ?? 0), $"{kernel} uses {r.Registers} registers");
                Assert.That(r.SpillStoreBytes + r.SpillLoadBytes + r.StackFrameBytes, Is.Zero, $"{kernel} spills or uses local memory");
            }
        });
    }
}
