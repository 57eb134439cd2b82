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
                if (dtype != DType.Float32) throw new DeviceUnavailableException("--device cuda runs float32 only; use --dtype float32.");
                throw new DeviceUnavailableException(CudaUnavailableReason());
            default:
                throw new ArgumentException($"--device \"{device}\" is unknown; expected cpu or cuda.");
        }
    }

    private static string CudaUnavailableReason() =>
        "--device cuda is not available in this build: the CUDA backend is not complete yet (see the CUDA issues); use --device cpu.";
}
