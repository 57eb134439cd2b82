using System.Runtime.InteropServices;
using DyTox.Tensor;

namespace DyTox.Kernels.Checks;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>
/// NUnit-free helpers for comparing two IBackends on the same data: seeded inputs, uploads, and the comparison
/// rule |gpu − cpu| ≤ atol + rtol·|cpu| with rtol = c·eps·√K for a result that sums K float32 terms (engine guide §8).
/// Shared by the NUnit backend tests (BackendPair) and <see cref="BackendChecks"/> in the GPU runner.
/// </summary>
public static class BackendData
{
    public const double Eps = 1.1920928955078125e-7; // float32 machine epsilon 2^-23

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

    /// <summary>rtol for a result that sums K float32 terms: c·eps·√K.</summary>
    public static double Rtol(double k, double c = 4) => c * Eps * Math.Sqrt(Math.Max(1, k));

    /// <summary>Element-wise |actual − expected| ≤ atol + rtol·|expected| (NaNs must match), shapes equal.</summary>
    public static CheckResult Close(string what, Tensor actual, Tensor expected, double rtol, double atol)
    {
        if (!actual.Shape.SequenceEqual(expected.Shape))
            return new CheckResult(what, false, $"shape [{string.Join(",", actual.Shape.ToArray())}] != expected [{string.Join(",", expected.Shape.ToArray())}]");
        var want = Array.ConvertAll(expected.ToArray<float>(), v => (double)v);
        return Compare.Close(what, actual.ToArray<float>(), want, atol, rtol);
    }

    /// <summary>Same bits in every element.</summary>
    public static CheckResult Bitwise(string what, Tensor actual, Tensor expected) =>
        actual.Shape.SequenceEqual(expected.Shape)
            ? Compare.Bitwise(what, actual.ToArray<float>(), expected.ToArray<float>())
            : new CheckResult(what, false, "shapes differ");

    /// <summary>Equal Int32 contents (indices, casts).</summary>
    public static CheckResult EqualInts(string what, Tensor actual, Tensor expected)
    {
        var a = actual.ToArray<int>();
        var e = expected.ToArray<int>();
        if (a.Length != e.Length) return new CheckResult(what, false, $"length {a.Length} != expected {e.Length}");
        for (int i = 0; i < a.Length; i++)
            if (a[i] != e[i]) return new CheckResult(what, false, $"[{i}] got {a[i]} want {e[i]}");
        return new CheckResult(what, true, $"n={a.Length} equal");
    }
}
