using DyTox.Kernels.Backend;
using DyTox.Kernels.Checks;
using DyTox.Kernels.Tests.Numerics;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>
/// The CUDA backend (on the GPU when present, else the CPU emulator) next to the CPU backend, with
/// helpers to put the same data on both and compare results with tolerances derived from float32 eps
/// and the reduction length (engine guide §8): |gpu − cpu| ≤ atol + rtol·|cpu|, rtol = c·eps·√K. The data and
/// comparison helpers live in the NUnit-free <see cref="BackendData"/> (shared with the GPU runner); these assert.
/// </summary>
public static class BackendPair
{
    public const double Eps = BackendData.Eps;

    private static CudaBackend? _shared;
    private static readonly Lock Gate = new();

    /// <summary>One backend over the shared test driver (Assert.Ignore when neither a GPU nor the emulator exists).</summary>
    public static CudaBackend Gpu
    {
        get
        {
            var driver = TestDrivers.Require();
            lock (Gate) return _shared ??= new CudaBackend(driver);
        }
    }

    public static CpuBackend Cpu => CpuBackend.Instance;

    /// <summary>Uniform values in [lo, hi) from a fixed seed.</summary>
    public static float[] Random(int count, int seed, double lo = -1, double hi = 1) => BackendData.Random(count, seed, lo, hi);

    public static Tensor Upload(IBackend backend, float[] data, params int[] shape) => BackendData.Upload(backend, data, shape);

    public static Tensor UploadInt(IBackend backend, int[] data, params int[] shape) => BackendData.UploadInt(backend, data, shape);

    /// <summary>The same float32 data on both backends.</summary>
    public static (Tensor Cpu, Tensor Gpu) Both(float[] data, params int[] shape) => (Upload(Cpu, data, shape), Upload(Gpu, data, shape));

    public static (Tensor Cpu, Tensor Gpu) BothRandom(int seed, params int[] shape) =>
        Both(Random(checked((int)DyTox.Tensor.Shape.Numel(shape)), seed), shape);

    public static (Tensor Cpu, Tensor Gpu) BothInt(int[] data, params int[] shape) => (UploadInt(Cpu, data, shape), UploadInt(Gpu, data, shape));

    public static (Tensor Cpu, Tensor Gpu) BothEmpty(params int[] shape) => (Cpu.Empty(DType.Float32, shape), Gpu.Empty(DType.Float32, shape));

    /// <summary>rtol for a result that sums K float32 terms: c·eps·√K.</summary>
    public static double Rtol(double k, double c = 4) => BackendData.Rtol(k, c);

    /// <summary>Asserts element-wise |gpu − cpu| ≤ atol + rtol·|cpu| (NaNs must match).</summary>
    public static void AssertClose(Tensor gpu, Tensor cpu, double rtol, double atol, string what)
    {
        var result = BackendData.Close(what, gpu, cpu, rtol, atol);
        Assert.That(result.Passed, Is.True, result.ToString());
    }

    public static void AssertBitwise(Tensor first, Tensor second, string what)
    {
        var result = BackendData.Bitwise(what, first, second);
        Assert.That(result.Passed, Is.True, result.ToString());
    }
}
