using DyTox.Kernels.Cuda;

namespace DyTox.Kernels.Tests.Compile;

public class PtxasReportTests
{
    [Test]
    public void ParsesEveryEntryFunctionIncludingSpillsAndSharedMemory()
    {
        const string log = """
            t.cu(3): warning #177-D: variable "unused" was declared but never referenced

            ptxas info    : 0 bytes gmem
            ptxas info    : Compiling entry function 'k2' for 'sm_90'
            ptxas info    : Function properties for k2
            ptxas         .     16 bytes stack frame, 8 bytes spill stores, 4 bytes spill loads
            ptxas info    : Used 255 registers, 384 bytes cmem[0]
            ptxas info    : Compiling entry function 'k' for 'sm_80'
            ptxas info    : Function properties for k
            ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
            ptxas info    : Used 10 registers, 256 bytes smem, 376 bytes cmem[0]
            """;
        var reports = PtxasReport.Parse(log);
        Assert.That(reports, Is.EqualTo(new[]
        {
            new PtxasFunctionReport("k2", "sm_90", 255, 0, 16, 8, 4),
            new PtxasFunctionReport("k", "sm_80", 10, 256, 0, 0, 0),
        }));
        Assert.That(reports[0].Spills, Is.True);
        Assert.That(PtxasReport.Warnings(log), Has.Count.EqualTo(1));
    }

    [Test]
    public void PtxasWarningsAreWarnings() =>
        Assert.That(PtxasReport.Warnings("ptxas warning : Registers are spilled to local memory in function 'k'"), Has.Count.EqualTo(1));
}
