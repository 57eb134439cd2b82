using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Bench.Attention;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>GPSA forward and forward+backward on the CPU backend (float32), DyTox shapes.</summary>
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 3, iterationCount: 5)]
[Config(typeof(AttentionBenchConfig))]
public class GpsaBenchmarks : IFlopCounted
{
    private readonly CpuBackend cpu = CpuBackend.Instance;
    private Tensor qk = null!, v = null!, pos = null!, gates = null!, content = null!, attn = null!, output = null!;
    private Tensor dOut = null!, dqk = null!, dv = null!, dPos = null!, dGates = null!;

    [ParamsSource(nameof(Shapes))]
    public AttentionShape Shape { get; set; } = AttentionShape.Cifar;

    public static IEnumerable<AttentionShape> Shapes => AttentionShape.All;

    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        qk = BenchData.Uniform(cpu, 1, s.Batch, s.Tokens, 2 * s.Dim);
        v = BenchData.Uniform(cpu, 2, s.Batch, s.Tokens, s.Dim);
        var scores = BenchData.Uniform(cpu, 3, s.Heads, s.Tokens, s.Tokens);
        pos = cpu.Empty(DType.Float32, [s.Heads, s.Tokens, s.Tokens]);
        BenchData.SoftmaxRows(scores, pos);
        scores.Dispose();
        gates = BenchData.Uniform(cpu, 4, s.Heads);
        dOut = BenchData.Uniform(cpu, 5, s.Batch, s.Tokens, s.Dim);
        content = cpu.Empty(DType.Float32, [s.Batch, s.Heads, s.Tokens, s.Tokens]);
        attn = cpu.Empty(DType.Float32, [s.Batch, s.Heads, s.Tokens, s.Tokens]);
        output = cpu.Empty(DType.Float32, [s.Batch, s.Tokens, s.Dim]);
        dqk = cpu.Empty(DType.Float32, [s.Batch, s.Tokens, 2 * s.Dim]);
        dv = cpu.Empty(DType.Float32, [s.Batch, s.Tokens, s.Dim]);
        dPos = cpu.Empty(DType.Float32, [s.Heads, s.Tokens, s.Tokens]);
        dGates = cpu.Empty(DType.Float32, [s.Heads]);
    }

    [Benchmark]
    public void Forward() => cpu.GpsaForward(qk, v, pos, gates, Shape.Heads, Shape.Scale, content, attn, output);

    [Benchmark]
    public void ForwardBackward()
    {
        cpu.GpsaForward(qk, v, pos, gates, Shape.Heads, Shape.Scale, content, attn, output);
        cpu.GpsaBackward(dOut, qk, v, pos, gates, Shape.Heads, Shape.Scale, content, attn, dqk, dv, dPos, dGates);
    }

    public double Flops(string method) => Shape.GpsaFlops(backward: method == nameof(ForwardBackward));

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { qk, v, pos, gates, content, attn, output, dOut, dqk, dv, dPos, dGates }) t.Dispose();
    }
}
