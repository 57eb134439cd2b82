using BenchmarkDotNet.Attributes;
using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Bench.Gemm;

/// <summary>How to run 1536 tiny attention GEMMs: OpenBLAS one call after another, OpenBLAS parallel over batches, managed.</summary>
[Config(typeof(GemmBestCoreConfig))]
public unsafe class BatchedAttentionGemmBenchmarks
{
    public enum Variant { OpenBlasLoop, OpenBlasParallelOverBatch, Managed }

    private GemmBuffers? _buffers;

    public static IEnumerable<GemmShape> Shapes => GemmShape.Attention();

    [ParamsSource(nameof(Shapes))] public GemmShape Shape { get; set; } = null!;
    [Params(Variant.OpenBlasLoop, Variant.OpenBlasParallelOverBatch, Variant.Managed)] public Variant Mode { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        CpuGemm.Provider = Mode == Variant.Managed ? GemmProvider.Managed : GemmProvider.OpenBlas;
        CpuGemm.BatchStrategy = Mode == Variant.OpenBlasLoop ? OpenBlasBatchStrategy.Loop : OpenBlasBatchStrategy.ParallelOverBatch;
        Console.WriteLine($"// GEMM: {CpuGemm.Describe}");
        _buffers = new GemmBuffers(Shape);
    }

    [GlobalCleanup] public void Cleanup() => _buffers?.Dispose();

    [Benchmark]
    public void SgemmStridedBatched()
    {
        var s = Shape;
        CpuGemm.SgemmStridedBatched(s.TransA, s.TransB, s.M, s.N, s.K, 1f, _buffers!.A, s.Lda, s.ElementsA, _buffers.B, s.Ldb, s.ElementsB,
                                    0f, _buffers.C, s.N, s.ElementsC, s.Batch);
    }
}
