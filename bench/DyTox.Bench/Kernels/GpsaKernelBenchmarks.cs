using BenchmarkDotNet.Attributes;
using DyTox.Kernels.Runtime;
using DyTox.Kernels.Runtime.Launchers;

namespace DyTox.Bench.Kernels;

/// <summary>
/// Every GPSA kernel (kernels/gpsa_attention.cu, and the tensor-core versions: v4 of kernels/gpsa_attention_v4.cu at
/// CIFAR's N = 64, v6 of kernels/gpsa_attention_v6.cu at ImageNet's N = 196) at the DyTox CIFAR and ImageNet shapes, plus the unfused
/// "cuBLAS path" forward for comparison: strided-batched Q·Kᵀ (scale in alpha) → softmax.cu → strided-batched
/// attn·V into a head-major [B, H, N, d] buffer. It omits the gate mix (one more elementwise pass) and the
/// un-permute to [B, N, D] (one more copy; strided-batched GEMM cannot write interleaved heads), so it is a lower
/// bound on the unfused forward's time. On the emulator the shapes are reduced and the times are not performance.
/// </summary>
[Config(typeof(KernelBenchConfig))]
public class GpsaKernelBenchmarks : IKernelCounted
{
    private DeviceArena _arena = null!;
    private GpsaKernels _gpsa = null!;
    private GpsaKernels _gpsaTensorCores = null!;
    private SoftmaxKernels _softmax = null!;
    private ulong _rel, _w, _b, _pos, _gates, _qk, _v, _content, _attn, _out, _headMajor, _dOut, _dqk, _dv, _dPos, _dGates, _dW, _dB, _scratch;

    [ParamsSource(nameof(Shapes))]
    public KernelBenchShape Shape { get; set; } = null!;

    public static IEnumerable<KernelBenchShape> Shapes => KernelBenchShape.All;

    private static ICudaDriver Driver => KernelBenchDevice.Driver;

    [GlobalSetup]
    public void Setup()
    {
        var s = Shape;
        int b = s.Batch, n = s.Tokens, dim = s.Dim, h = s.Heads;
        _arena = new DeviceArena(Driver);
        _gpsa = new GpsaKernels(Driver) { TensorCores = false };
        _gpsaTensorCores = new GpsaKernels(Driver) { TensorCores = true };
        _softmax = new SoftmaxKernels(Driver);
        _rel = _arena.Uniform((long)n * n * 3, -3f, 3f);
        _w = _arena.Uniform(h * 3L);
        _b = _arena.Uniform(h);
        _pos = _arena.Zeros((long)h * n * n);
        _gpsa.Positional(_rel, _w, _b, _pos, h, n);
        _gates = _arena.Uniform(h);
        _qk = _arena.Uniform((long)b * n * 2 * dim);
        _v = _arena.Uniform((long)b * n * dim);
        _content = _arena.Zeros((long)b * h * n * n);
        _attn = _arena.Zeros((long)b * h * n * n);
        _out = _arena.Zeros((long)b * n * dim);
        _headMajor = _arena.Zeros((long)b * n * dim);
        _dOut = _arena.Uniform((long)b * n * dim);
        _dqk = _arena.Zeros((long)b * n * 2 * dim);
        _dv = _arena.Zeros((long)b * n * dim);
        _dPos = _arena.Uniform((long)h * n * n);
        _dGates = _arena.Zeros(h);
        _dW = _arena.Zeros(h * 3L);
        _dB = _arena.Zeros(h);
        _scratch = _arena.Bytes(GpsaKernels.BackwardScratchBytes(b, n, h));
        _gpsa.Forward(_qk, _v, _pos, _gates, _content, _attn, _out, b, n, dim, h, s.Scale);
        Driver.Synchronize();
    }

    private void Timed(string method, Action launch) =>
        DeviceTimes.Add(DeviceTimes.Key(nameof(GpsaKernelBenchmarks), method, Shape), KernelBenchDevice.TimeMilliseconds(launch));

    [Benchmark]
    public void Positional() => Timed(nameof(Positional), () => _gpsa.Positional(_rel, _w, _b, _pos, Shape.Heads, Shape.Tokens));

    [Benchmark]
    public void PositionalBackward() =>
        Timed(nameof(PositionalBackward), () => _gpsa.PositionalBackward(_dPos, _pos, _rel, _dW, _dB, Shape.Heads, Shape.Tokens));

    [Benchmark(Baseline = true)]
    public void FusedForward() => Timed(nameof(FusedForward), () =>
        _gpsa.Forward(_qk, _v, _pos, _gates, _content, _attn, _out, Shape.Batch, Shape.Tokens, Shape.Dim, Shape.Heads, Shape.Scale));

    [Benchmark]
    public void FusedBackward() => Timed(nameof(FusedBackward), () =>
        _gpsa.Backward(_dOut, _qk, _v, _pos, _gates, _content, _attn, _dqk, _dv, _dPos, _dGates,
                       Shape.Batch, Shape.Tokens, Shape.Dim, Shape.Heads, Shape.Scale, _scratch));

    [Benchmark]
    public void TensorCoreForward()
    {
        if (!_gpsaTensorCores.UsesTensorCores(Shape.Tokens, Shape.HeadDim)) return; // no time recorded: the row shows NaN
        Timed(nameof(TensorCoreForward), () =>
            _gpsaTensorCores.Forward(_qk, _v, _pos, _gates, _content, _attn, _out, Shape.Batch, Shape.Tokens, Shape.Dim, Shape.Heads, Shape.Scale));
    }

    [Benchmark]
    public void TensorCoreBackward()
    {
        if (!_gpsaTensorCores.UsesTensorCores(Shape.Tokens, Shape.HeadDim)) return;
        Timed(nameof(TensorCoreBackward), () =>
            _gpsaTensorCores.Backward(_dOut, _qk, _v, _pos, _gates, _content, _attn, _dqk, _dv, _dPos, _dGates,
                            Shape.Batch, Shape.Tokens, Shape.Dim, Shape.Heads, Shape.Scale, _scratch));
    }

    [Benchmark]
    public void CublasPathForward() => Timed(nameof(CublasPathForward), () =>
    {
        int n = Shape.Tokens, dim = Shape.Dim, h = Shape.Heads, d = Shape.HeadDim;
        var blas = Driver.Blas;
        for (var b = 0; b < Shape.Batch; b++)
        {
            ulong qB = _qk + (ulong)((long)b * n * 2 * dim * 4), kB = qB + (ulong)(dim * 4);
            ulong plane = _content + (ulong)((long)b * h * n * n * 4);
            blas.Sgemm(false, true, n, n, d, Shape.Scale, qB, 2 * dim, d, kB, 2 * dim, d, 0f, plane, n, (long)n * n, h);
        }
        _softmax.Forward(_attn, _content, Shape.Batch * h * n, n);
        for (var b = 0; b < Shape.Batch; b++)
        {
            ulong plane = _attn + (ulong)((long)b * h * n * n * 4);
            ulong vB = _v + (ulong)((long)b * n * dim * 4), oB = _headMajor + (ulong)((long)b * n * dim * 4);
            blas.Sgemm(false, false, n, d, n, 1f, plane, n, (long)n * n, vB, dim, d, 0f, oB, d, (long)n * d, h);
        }
    });

    public double Bytes(string method) => method switch
    {
        nameof(Positional) => Shape.PositionalBytes(false),
        nameof(PositionalBackward) => Shape.PositionalBytes(true),
        nameof(FusedBackward) or nameof(TensorCoreBackward) => Shape.GpsaBytes(true),
        // The unfused path also writes the scores and reads them back for the softmax.
        nameof(CublasPathForward) => Shape.GpsaBytes(false) + 2.0 * 4 * Shape.Batch * Shape.Heads * Shape.Tokens * Shape.Tokens,
        _ => Shape.GpsaBytes(false),
    };

    public double Flops(string method) => method switch
    {
        nameof(Positional) or nameof(PositionalBackward) => 8.0 * Shape.Heads * Shape.Tokens * Shape.Tokens,
        nameof(FusedBackward) or nameof(TensorCoreBackward) => Shape.GpsaFlops(true),
        _ => Shape.GpsaFlops(false),
    };

    [GlobalCleanup]
    public void Cleanup() => _arena.Dispose();
}
