using System.Runtime.InteropServices;
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
        // Two machines without a device: no driver library at all (CI), or the library without a GPU (a machine
        // with NVIDIA's user-space packages, e.g. the CUDA toolkit's libcuda1 dependency).
        var driverLibrary = NativeLibrary.TryLoad("libcuda.so.1", out var handle);
        if (driverLibrary) NativeLibrary.Free(handle);
        Assert.Multiple(() =>
        {
            Assert.That(driver, Is.Null);
            if (driverLibrary)
                Assert.That(reason, Does.StartWith("--device cuda found the NVIDIA driver at").And.Contain("cuInit failed with CUDA_ERROR_NO_DEVICE"));
            else
                Assert.That(reason, Does.StartWith("--device cuda needs the NVIDIA driver (libcuda.so.1), which was not found"));
            Assert.That(reason, Does.EndWith("."));
            Assert.That(reason, Does.Not.Contain("\n"));
            Assert.That(reason.TrimEnd('.'), Does.Not.Contain(". "), "one sentence");
        });
    }
}
