using DyTox.Kernels.Backend;
using DyTox.Kernels.Runtime;
using DyTox.Kernels.Cuda;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Cli;

/// <summary>A device that was asked for but cannot be used; the message is one sentence saying what is missing.</summary>
internal sealed class DeviceUnavailableException(string message) : Exception(message);

/// <summary>An opened device: the backend and whatever must be released with it (the CUDA driver).</summary>
internal sealed class OpenDevice(IBackend backend, IDisposable? driver) : IDisposable
{
    public IBackend Backend { get; } = backend;

    public void Dispose()
    {
        Backend.Dispose();
        driver?.Dispose();
    }
}

/// <summary>Releases a set of opened devices, last opened first.</summary>
internal sealed class DisposeAll(IReadOnlyList<OpenDevice> devices) : IDisposable
{
    public void Dispose()
    {
        for (int i = devices.Count - 1; i >= 0; i--) devices[i].Dispose();
    }
}

/// <summary>Opens the backend named by <c>--device</c>.</summary>
internal static class Devices
{
    /// <param name="gemm">GEMMs on TF32 or bfloat16 tensor cores (cuBLAS FAST_TF32 / FAST_16BF; --tf32, --bf16-gemm); CUDA only.</param>
    /// <param name="gpsaTensorCores">GPSA attention on the tensor-core kernels (v4/v6) or not; null keeps the backend's
    /// default (DYTOX_GPSA_TENSOR_CORES); CUDA only.</param>
    /// <param name="ordinal">Which GPU (CUDA); the CPU has one kind of device and ignores it.</param>
    public static OpenDevice Open(string device, DType dtype, GemmMath gemm = GemmMath.Float32, bool? gpsaTensorCores = null, int ordinal = 0)
    {
        switch (device.ToLowerInvariant())
        {
            case "cpu":
                if (gemm != GemmMath.Float32)
                    throw new ArgumentException($"{Flag(gemm)} applies to --device cuda ({gemm} is a tensor-core format; the CPU computes in --dtype).");
                if (gpsaTensorCores is not null)
                    throw new ArgumentException("--gpsa-tensor-cores applies to --device cuda (the CPU backend has one GPSA implementation).");
                return new OpenDevice(new CpuBackend(), null);
            case "cuda":
                if (dtype != DType.Float32) throw new DeviceUnavailableException("--device cuda runs float32 only; use --dtype float32 (or --device cpu for float64).");
                if (!CudaDriver.TryCreate(out var driver, out var reason, ordinal)) throw new DeviceUnavailableException(reason);
                if (gemm != GemmMath.Float32)
                {
                    try { driver.Blas.Math = gemm; }
                    catch (InvalidOperationException e) { driver.Dispose(); throw new DeviceUnavailableException($"{Flag(gemm)}: {e.Message}"); }
                }
                var backend = new CudaBackend(driver);
                if (gpsaTensorCores is bool cores) backend.GpsaTensorCores = cores;
                return new OpenDevice(backend, driver);
            default:
                throw new ArgumentException($"--device \"{device}\" is unknown; expected cpu or cuda.");
        }
    }

    /// <summary>
    /// Opens <paramref name="count"/> devices of one kind for data parallelism, one replica each: GPUs 0..count−1, or
    /// separate CPU backends (which share the machine's cores: a check that results do not depend on the device count,
    /// not a speed-up). What was opened is released if a later device fails.
    /// </summary>
    public static IReadOnlyList<OpenDevice> OpenMany(string device, int count, DType dtype, GemmMath gemm = GemmMath.Float32, bool? gpsaTensorCores = null)
    {
        if (count < 1) throw new ArgumentException($"--devices {count} must be at least 1.");
        var opened = new List<OpenDevice>();
        try
        {
            for (int ordinal = 0; ordinal < count; ordinal++) opened.Add(Open(device, dtype, gemm, gpsaTensorCores, ordinal));
            return opened;
        }
        catch
        {
            foreach (var d in opened) d.Dispose();
            throw;
        }
    }

    /// <summary>The train flag that selects <paramref name="gemm"/>.</summary>
    public static string Flag(GemmMath gemm) => gemm == GemmMath.Tf32 ? "--tf32" : "--bf16-gemm";
}
