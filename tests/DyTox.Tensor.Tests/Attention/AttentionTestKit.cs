using System.Runtime.InteropServices;
using DyTox.Tensor.Cpu;

namespace DyTox.Tensor.Tests.Attention;

/// <summary>Seeded data, host↔tensor conversion and the finite-difference gradient check used by the attention tests.</summary>
internal static class AttentionTestKit
{
    public static CpuBackend Backend => CpuBackend.Instance;

    public static double[] Uniform(int seed, int count, double lo = -1, double hi = 1)
    {
        var rng = new Random(seed);
        var x = new double[count];
        for (int i = 0; i < count; i++) x[i] = lo + (hi - lo) * rng.NextDouble();
        return x;
    }

    /// <summary>Rows of length n that are softmaxes of uniform scores in [-2, 2] (a realistic posAttn).</summary>
    public static double[] SoftmaxRows(int seed, int rows, int n)
    {
        var x = Uniform(seed, rows * n, -2, 2);
        for (int r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * n, n);
            double max = double.NegativeInfinity, sum = 0;
            foreach (var v in row) max = Math.Max(max, v);
            for (int j = 0; j < n; j++) sum += row[j] = Math.Exp(row[j] - max);
            for (int j = 0; j < n; j++) row[j] /= sum;
        }
        return x;
    }

    /// <summary>rel[i, j] = (Δcol, Δrow, Δcol² + Δrow²) of key j minus query i on a side×side grid (dytox-spec §1.4).</summary>
    public static double[] GridRelIndices(int side)
    {
        int n = side * side;
        var rel = new double[n * n * 3];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double dx = j % side - i % side, dy = j / side - i / side;
                int o = (i * n + j) * 3;
                rel[o] = dx; rel[o + 1] = dy; rel[o + 2] = dx * dx + dy * dy;
            }
        return rel;
    }

    public static Tensor ToTensor(double[] data, DType dtype, params int[] shape)
    {
        var t = Backend.Empty(dtype, shape);
        if (dtype == DType.Float64) Backend.CopyFromHost(MemoryMarshal.AsBytes(data.AsSpan()), t);
        else Backend.CopyFromHost(MemoryMarshal.AsBytes(Array.ConvertAll(data, x => (float)x).AsSpan()), t);
        return t;
    }

    public static Tensor Empty(DType dtype, params int[] shape) => Backend.Empty(dtype, shape);

    public static double[] ToDoubles(Tensor t) =>
        t.DType == DType.Float64 ? t.ToArray<double>() : Array.ConvertAll(t.ToArray<float>(), x => (double)x);

    /// <summary>The bits of a tensor, for determinism checks.</summary>
    public static byte[] Bits(Tensor t)
    {
        var bytes = new byte[t.Numel * t.DType.Size()];
        Backend.CopyToHost(t, bytes);
        return bytes;
    }

    /// <summary>max |a − e| / max |e| (∞-norm relative error; absolute when e is all zero).</summary>
    public static double RelativeError(ReadOnlySpan<double> actual, ReadOnlySpan<double> expected)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length));
        double err = 0, scale = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            err = Math.Max(err, Math.Abs(actual[i] - expected[i]));
            scale = Math.Max(scale, Math.Abs(expected[i]));
        }
        return scale == 0 ? err : err / scale;
    }

    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>
    /// Central differences (step h) of <paramref name="loss"/> with respect to the elements of <paramref name="input"/>
    /// (mutated in place and restored) at the given indices (all when null), compared with <paramref name="analytic"/>
    /// by the ∞-norm relative error over the checked elements.
    /// </summary>
    public static double FiniteDifferenceError(double[] input, double[] analytic, Func<double> loss, int[]? indices = null, double h = 1e-5)
    {
        indices ??= Enumerable.Range(0, input.Length).ToArray();
        var fd = new double[indices.Length];
        var an = new double[indices.Length];
        for (int k = 0; k < indices.Length; k++)
        {
            int i = indices[k];
            double x = input[i];
            input[i] = x + h;
            double plus = loss();
            input[i] = x - h;
            double minus = loss();
            input[i] = x;
            fd[k] = (plus - minus) / (2 * h);
            an[k] = analytic[i];
        }
        return RelativeError(an, fd);
    }

    /// <summary>A seeded sample of distinct indices in [0, count) (all of them when count ≤ size).</summary>
    public static int[] Sample(int seed, int count, int size)
    {
        if (count <= size) return Enumerable.Range(0, count).ToArray();
        var rng = new Random(seed);
        var all = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(all);
        return all[..size];
    }
}
