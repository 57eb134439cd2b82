using DyTox.Kernels.Cuda;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Cli;

/// <summary>A device that was asked for but cannot be used; the message is one sentence saying what is missing.</summary>
internal sealed class DeviceUnavailableException(string message) : Exception(message);

/// <summary>Opens the backend named by <c>--device</c>.</summary>
internal static class Devices
{
    public static IBackend Open(string device, DType dtype)
    {
        switch (device.ToLowerInvariant())
        {
            case "cpu":
                return new CpuBackend();
            case "cuda":
                if (dtype != DType.Float32) throw new DeviceUnavailableException("--device cuda runs float32 only; use --dtype float32 (or --device cpu for float64).");
                if (!CudaDriver.TryCreate(out var driver, out var reason)) throw new DeviceUnavailableException(reason);
                return OpenCuda(driver);
            default:
                throw new ArgumentException($"--device \"{device}\" is unknown; expected cpu or cuda.");
        }
    }

    private static IBackend OpenCuda(CudaDriver driver)
    {
        driver.Dispose();
        throw new DeviceUnavailableException("--device cuda found a GPU, but this build's CUDA backend does not implement every op yet; use --device cpu.");
    }
}
