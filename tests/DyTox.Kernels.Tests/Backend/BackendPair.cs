using System.Runtime.InteropServices;
using DyTox.Kernels.Backend;
using DyTox.Kernels.Tests.Numerics;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>
/// The CUDA backend (on the GPU when present, else the CPU emulator) next to the CPU backend, with
/// helpers to put the same data on both and compare results with tolerances derived from float32 eps
/// and the reduction length (engine guide §8): |gpu − cpu| ≤ atol + rtol·|cpu|, rtol = c·eps·√K.
/// </summary>
public static class BackendPair
{
    public const double Eps = 1.1920928955078125e-7;

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
    public static float[] Random(int count, int seed, double lo = -1, double hi = 1)
    {
        var rng = new System.Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++) data[i] = (float)(lo + (hi - lo) * rng.NextDouble());
        return data;
    }

    public static Tensor Upload(IBackend backend, float[] data, params int[] shape)
    {
        var t = backend.Empty(DType.Float32, shape);
        backend.CopyFromHost(MemoryMarshal.AsBytes(data.AsSpan()), t);
        return t;
    }

    public static Tensor UploadInt(IBackend backend, int[] data, params int[] shape)
    {
        var t = backend.Empty(DType.Int32, shape);
        backend.CopyFromHost(MemoryMarshal.AsBytes(data.AsSpan()), t);
        return t;
    }

    /// <summary>The same float32 data on both backends.</summary>
    public static (Tensor Cpu, Tensor Gpu) Both(float[] data, params int[] shape) => (Upload(Cpu, data, shape), Upload(Gpu, data, shape));

    public static (Tensor Cpu, Tensor Gpu) BothRandom(int seed, params int[] shape) =>
        Both(Random(checked((int)DyTox.Tensor.Shape.Numel(shape)), seed), shape);

    public static (Tensor Cpu, Tensor Gpu) BothInt(int[] data, params int[] shape) => (UploadInt(Cpu, data, shape), UploadInt(Gpu, data, shape));

    public static (Tensor Cpu, Tensor Gpu) BothEmpty(params int[] shape) => (Cpu.Empty(DType.Float32, shape), Gpu.Empty(DType.Float32, shape));

    /// <summary>rtol for a result that sums K float32 terms: c·eps·√K.</summary>
    public static double Rtol(double k, double c = 4) => c * Eps * Math.Sqrt(Math.Max(1, k));

    /// <summary>Asserts element-wise |gpu − cpu| ≤ atol + rtol·|cpu| (NaNs must match).</summary>
    public static void AssertClose(Tensor gpu, Tensor cpu, double rtol, double atol, string what)
    {
        Assert.That(gpu.Shape.ToArray(), Is.EqualTo(cpu.Shape.ToArray()), $"{what}: shapes");
        var g = gpu.ToArray<float>();
        var c = cpu.ToArray<float>();
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < c.Length; i++)
        {
            if (float.IsNaN(c[i]) || float.IsNaN(g[i]))
            {
                Assert.That(float.IsNaN(g[i]) && float.IsNaN(c[i]), Is.True, $"{what}[{i}]: gpu {g[i]} vs cpu {c[i]}");
                continue;
            }
            double excess = Math.Abs(g[i] - c[i]) - (atol + rtol * Math.Abs(c[i]));
            if (excess > worst) { worst = excess; worstAt = i; }
        }
        Assert.That(worstAt, Is.EqualTo(-1),
            worstAt < 0 ? what : $"{what}[{worstAt}]: gpu {g[worstAt]} vs cpu {c[worstAt]} (rtol {rtol:g3}, atol {atol:g3})");
    }

    public static void AssertBitwise(Tensor first, Tensor second, string what)
    {
        var a = first.ToArray<float>();
        var b = second.ToArray<float>();
        Assert.That(a.Select(BitConverter.SingleToInt32Bits).ToArray(), Is.EqualTo(b.Select(BitConverter.SingleToInt32Bits).ToArray()), what);
    }
}
