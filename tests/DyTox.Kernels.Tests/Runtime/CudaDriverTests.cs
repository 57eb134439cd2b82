using DyTox.Kernels.Cuda;

namespace DyTox.Kernels.Tests.Runtime;

public class CudaDriverTests
{
    [Test]
    public void TryCreateWithoutADriverGivesOneClearSentence()
    {
        var ok = CudaDriver.TryCreate(out var driver, out var reason);
        if (ok)
        {
            var name = driver!.Device.Name;
            driver.Dispose();
            Assert.Ignore($"a CUDA device is present ({name}); this test covers machines without one");
        }
        Assert.Multiple(() =>
        {
            Assert.That(driver, Is.Null);
            Assert.That(reason, Does.StartWith("--device cuda needs the NVIDIA driver (libcuda.so.1), which was not found"));
            Assert.That(reason, Does.EndWith("."));
            Assert.That(reason, Does.Not.Contain("\n"));
            Assert.That(reason.TrimEnd('.'), Does.Not.Contain(". "), "one sentence");
        });
    }
}
