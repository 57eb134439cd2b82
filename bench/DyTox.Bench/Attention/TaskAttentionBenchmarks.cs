using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Jobs;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Bench.Attention;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>Task attention forward+backward for T = 5 task tokens on the CPU backend (float32), DyTox shapes.</summary>
[SimpleJob(RuntimeMoniker.Net10_0, launchCount: 1, warmupCount: 3, iterationCount: 5)]
[Config(typeof(AttentionBenchConfig))]
public class TaskAttentionBenchmarks : IFlopCounted
{
    private const int Tasks = 5;
    private readonly CpuBackend cpu = CpuBackend.Instance;
    private Tensor q = null!, kt = null!, vt = null!, kp = null!, vp = null!, attn = null!, output = null!;
    private Tensor dOut = null!, dq = null!, dkt = null!, dvt = null!, dkp = null!, dvp = null!;

    [ParamsSource(nameof(Shapes))]
    public AttentionShape Shape { get; set; } = AttentionShape.Cifar;

    public static IEnumerable<AttentionShape> Shapes => AttentionShape.All;

    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        q = BenchData.Uniform(cpu, 1, Tasks, s.Batch, s.Dim);
        kt = BenchData.Uniform(cpu, 2, Tasks, s.Batch, s.Dim);
        vt = BenchData.Uniform(cpu, 3, Tasks, s.Batch, s.Dim);
        kp = BenchData.Uniform(cpu, 4, s.Batch, s.Tokens, s.Dim);
        vp = BenchData.Uniform(cpu, 5, s.Batch, s.Tokens, s.Dim);
        dOut = BenchData.Uniform(cpu, 6, Tasks, s.Batch, s.Dim);
        attn = cpu.Empty(DType.Float32, [Tasks, s.Batch, s.Heads, s.Tokens + 1]);
        output = cpu.Empty(DType.Float32, [Tasks, s.Batch, s.Dim]);
        dq = cpu.Empty(DType.Float32, [Tasks, s.Batch, s.Dim]);
        dkt = cpu.Empty(DType.Float32, [Tasks, s.Batch, s.Dim]);
        dvt = cpu.Empty(DType.Float32, [Tasks, s.Batch, s.Dim]);
        dkp = cpu.Empty(DType.Float32, [s.Batch, s.Tokens, s.Dim]);
        dvp = cpu.Empty(DType.Float32, [s.Batch, s.Tokens, s.Dim]);
    }

    [Benchmark]
    public void ForwardBackward()
    {
        cpu.TaskAttentionForward(q, kt, vt, kp, vp, Shape.Heads, Shape.Scale, attn, output);
        cpu.TaskAttentionBackward(dOut, q, kt, vt, kp, vp, Shape.Heads, Shape.Scale, attn, dq, dkt, dvt, dkp, dvp);
    }

    public double Flops(string method) => Shape.TaskAttentionFlops(Tasks, backward: true);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { q, kt, vt, kp, vp, attn, output, dOut, dq, dkt, dvt, dkp, dvp }) t.Dispose();
    }
}
