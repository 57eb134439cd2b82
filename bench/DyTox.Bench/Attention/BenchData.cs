using System.Runtime.InteropServices;
using BenchmarkDotNet.Configs;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Bench.Attention;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>Seeded float32 inputs for the attention benchmarks.</summary>
internal static class BenchData
{
    public static Tensor Uniform(CpuBackend cpu, int seed, params int[] shape)
    {
        var t = cpu.Empty(DType.Float32, shape);
        var rng = new Random(seed);
        var data = new float[t.Numel];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(2 * rng.NextDouble() - 1);
        cpu.CopyFromHost(MemoryMarshal.AsBytes(data.AsSpan()), t);
        return t;
    }

    /// <summary>Row softmax of the last axis (a realistic positional attention input).</summary>
    public static void SoftmaxRows(Tensor scores, Tensor destination)
    {
        var x = scores.Span<float>();
        var y = destination.Span<float>();
        int n = scores.Size(-1);
        for (int r = 0; r < x.Length / n; r++)
        {
            var xr = x.Slice(r * n, n);
            var yr = y.Slice(r * n, n);
            float max = float.NegativeInfinity, sum = 0;
            foreach (var a in xr) max = Math.Max(max, a);
            for (int j = 0; j < n; j++) sum += yr[j] = MathF.Exp(xr[j] - max);
            for (int j = 0; j < n; j++) yr[j] /= sum;
        }
    }
}

/// <summary>Adds the GFLOP/s column to the attention benchmarks' summaries.</summary>
public sealed class AttentionBenchConfig : ManualConfig
{
    public AttentionBenchConfig() => AddColumn(new GflopsColumn());
}
