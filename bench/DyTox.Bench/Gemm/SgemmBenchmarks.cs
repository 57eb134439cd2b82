using BenchmarkDotNet.Attributes;
using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Bench.Gemm;

/// <summary>DyTox-CIFAR linear-layer SGEMMs, OpenBLAS (best core type) vs the managed GEMM.</summary>
[Config(typeof(GemmBestCoreConfig))]
public unsafe class SgemmBenchmarks
{
    private GemmBuffers? _buffers;

    public static IEnumerable<GemmShape> Shapes => GemmShape.DyToxLinear();

    [ParamsSource(nameof(Shapes))] public GemmShape Shape { get; set; } = null!;
    [Params(GemmProvider.OpenBlas, GemmProvider.Managed)] public GemmProvider Provider { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        CpuGemm.Provider = Provider;
        Console.WriteLine($"// GEMM: {CpuGemm.Describe}");
        // Guide §7: fail a benchmark rather than silently timing OpenBLAS's SSE3 fallback on an AVX-512 machine.
        if (Provider == GemmProvider.OpenBlas && OpenBlasCoreTypePolicy.IsSlowCoreOnAvx512Machine(CpuFeatures.HasAvx512F, CpuGemm.OpenBlasCoreName))
            throw new InvalidOperationException($"OpenBLAS runs a non-AVX-512 core on an AVX-512 CPU: {CpuGemm.Describe}");
        _buffers = new GemmBuffers(Shape);
    }

    [GlobalCleanup] public void Cleanup() => _buffers?.Dispose();

    [Benchmark]
    public void Sgemm()
    {
        var s = Shape;
        CpuGemm.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1f, _buffers!.A, s.Lda, _buffers.B, s.Ldb, 0f, _buffers.C, s.N);
    }
}
