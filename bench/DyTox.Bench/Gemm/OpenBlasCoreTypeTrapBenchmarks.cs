using BenchmarkDotNet.Attributes;
using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Bench.Gemm;

/// <summary>
/// The headline SGEMM (8192×384)·(384×1536) through OpenBLAS under each forced OPENBLAS_CORETYPE (one child process
/// per core type): shows what a wrong core type costs (guide §7).
/// </summary>
[Config(typeof(GemmCoreTypeTrapConfig))]
public unsafe class OpenBlasCoreTypeTrapBenchmarks
{
    private GemmBuffers? _buffers;

    public static IEnumerable<GemmShape> Shapes => GemmShape.DyToxLinear().Take(1);

    [ParamsSource(nameof(Shapes))] public GemmShape Shape { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        CpuGemm.Provider = GemmProvider.OpenBlas;
        Console.WriteLine($"// GEMM: {CpuGemm.Describe}");
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
