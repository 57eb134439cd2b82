using BenchmarkDotNet.Attributes;
using DyTox.Kernels.Runtime;
using DyTox.Kernels.Runtime.Launchers;

namespace DyTox.Bench.Kernels;

/// <summary>Task attention kernels, v2 (kernels/task_attention.cu, one warp per (t, b, h)) and v3
/// (kernels/task_attention_v3.cu, one block per (b, h)), at the DyTox CIFAR and ImageNet shapes with 10 task tokens
/// (2 on the emulator, whose times are not performance).</summary>
[Config(typeof(KernelBenchConfig))]
public class TaskAttentionKernelBenchmarks : IKernelCounted
{
    private DeviceArena _arena = null!;
    private TaskAttentionKernels _k = null!;
    private ulong _q, _kTok, _vTok, _kPatch, _vPatch, _attn, _out, _dOut, _dq, _dkTok, _dvTok, _dkPatch, _dvPatch, _scratch;

    [ParamsSource(nameof(Shapes))]
    public KernelBenchShape Shape { get; set; } = null!;

    public static IEnumerable<KernelBenchShape> Shapes => KernelBenchShape.All;

    [Params(2, 3)]
    public int Version { get; set; }

    public string Variant => $"v{Version}";

    private static ICudaDriver Driver => KernelBenchDevice.Driver;

    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        long tbd = (long)s.Tasks * s.Batch * s.Dim, bnd = (long)s.Batch * s.Tokens * s.Dim;
        _arena = new DeviceArena(Driver);
        _k = new TaskAttentionKernels(Driver) { Version = Version };
        _q = _arena.Uniform(tbd); _kTok = _arena.Uniform(tbd); _vTok = _arena.Uniform(tbd);
        _kPatch = _arena.Uniform(bnd); _vPatch = _arena.Uniform(bnd);
        _attn = _arena.Zeros((long)s.Tasks * s.Batch * s.Heads * (s.Tokens + 1));
        _out = _arena.Zeros(tbd); _dOut = _arena.Uniform(tbd);
        _dq = _arena.Zeros(tbd); _dkTok = _arena.Zeros(tbd); _dvTok = _arena.Zeros(tbd);
        _dkPatch = _arena.Zeros(bnd); _dvPatch = _arena.Zeros(bnd);
        _scratch = _arena.Bytes(TaskAttentionKernels.BackwardScratchBytes(s.Tasks, s.Batch, s.Tokens, s.Heads));
        Forward();
        Driver.Synchronize();
    }

    private void Timed(string method, Action launch) =>
        DeviceTimes.Add(DeviceTimes.Key(nameof(TaskAttentionKernelBenchmarks), method, Shape, Variant), KernelBenchDevice.TimeMilliseconds(launch));

    [Benchmark(Baseline = true)]
    public void Forward() => Timed(nameof(Forward), () =>
        _k.Forward(_q, _kTok, _vTok, _kPatch, _vPatch, _attn, _out, Shape.Tasks, Shape.Batch, Shape.Tokens, Shape.Dim, Shape.Heads, Shape.Scale));

    [Benchmark]
    public void Backward() => Timed(nameof(Backward), () =>
        _k.Backward(_dOut, _q, _kTok, _vTok, _kPatch, _vPatch, _attn, _dq, _dkTok, _dvTok, _dkPatch, _dvPatch,
                    Shape.Tasks, Shape.Batch, Shape.Tokens, Shape.Dim, Shape.Heads, Shape.Scale, _scratch));

    public double Bytes(string method) => Shape.TaskBytes(method == nameof(Backward));
    public double Flops(string method) => Shape.TaskFlops(method == nameof(Backward));

    [GlobalCleanup]
    public void Cleanup() => _arena.Dispose();
}
