using System.Runtime.InteropServices;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Kernels.Tests.Attention;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>Seeded host data and float32/float64 CPU tensors made from it (the CpuBackend reference runs on these).</summary>
internal static class HostTensors
{
    public static CpuBackend Cpu => CpuBackend.Instance;

    public static float[] Uniform(int seed, int count, float lo = -1f, float hi = 1f)
    {
        var rng = new Random(seed);
        var x = new float[count];
        for (var i = 0; i < count; i++) x[i] = lo + (hi - lo) * rng.NextSingle();
        return x;
    }

    /// <summary>rows softmax rows of length n over uniform scores in [-2, 2] (a realistic posAttn).</summary>
    public static float[] SoftmaxRows(int seed, int rows, int n)
    {
        var x = Uniform(seed, rows * n, -2f, 2f);
        for (var r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * n, n);
            double max = double.NegativeInfinity, sum = 0;
            foreach (var v in row) max = Math.Max(max, v);
            var e = new double[n];
            for (var j = 0; j < n; j++) sum += e[j] = Math.Exp(row[j] - max);
            for (var j = 0; j < n; j++) row[j] = (float)(e[j] / sum);
        }
        return x;
    }

    /// <summary>rel[i, j] = (Δx, Δy, Δx²+Δy²) on a side×side grid when n is a square, else seeded integers in [-3, 3].</summary>
    public static float[] RelIndices(int n, int seed)
    {
        var rel = new float[n * n * 3];
        var side = (int)Math.Round(Math.Sqrt(n));
        var rng = new Random(seed);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                float dx, dy;
                if (side * side == n) { dx = j % side - i % side; dy = j / side - i / side; }
                else { dx = rng.Next(-3, 4); dy = rng.Next(-3, 4); }
                var o = (i * n + j) * 3;
                rel[o] = dx; rel[o + 1] = dy; rel[o + 2] = dx * dx + dy * dy;
            }
        return rel;
    }

    public static Tensor Make(float[] data, DType dtype, params int[] shape)
    {
        var t = Cpu.Empty(dtype, shape);
        if (dtype == DType.Float64) Cpu.CopyFromHost(MemoryMarshal.AsBytes(Array.ConvertAll(data, x => (double)x).AsSpan()), t);
        else Cpu.CopyFromHost(MemoryMarshal.AsBytes(data.AsSpan()), t);
        return t;
    }

    public static Tensor Empty(DType dtype, params int[] shape) => Cpu.Empty(dtype, shape);

    public static double[] Doubles(Tensor t) =>
        t.DType == DType.Float64 ? t.ToArray<double>() : Array.ConvertAll(t.ToArray<float>(), x => (double)x);

    public static float[] Floats(Tensor t) =>
        t.DType == DType.Float32 ? t.ToArray<float>() : Array.ConvertAll(t.ToArray<double>(), x => (float)x);
}
