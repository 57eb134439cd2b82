namespace DyTox.Bench.Gemm;

/// <summary>One benchmarked GEMM: C[m×n] = op(A)[m×k]·op(B)[k×n], repeated <see cref="Batch"/> times (strided batched).</summary>
public sealed record GemmShape(string Name, int M, int N, int K, bool TransA, bool TransB, int Batch = 1)
{
    public double Flops => 2.0 * M * N * K * Batch;
    public int Lda => TransA ? M : K;
    public int Ldb => TransB ? K : N;
    public long ElementsA => (long)M * K;
    public long ElementsB => (long)K * N;
    public long ElementsC => (long)M * N;

    // Shown in the BenchmarkDotNet table as (m×k)·(k×n), the op letters and the batch count.
    public override string ToString() =>
        $"{Name} ({M}x{K})({K}x{N}) {(TransA ? 'T' : 'N')}{(TransB ? 'T' : 'N')}{(Batch > 1 ? $" x{Batch}" : "")}";

    /// <summary>
    /// DyTox-CIFAR linear layers at B·N = 128·64 = 8192 tokens, C = 384 (PyTorch weights are [out, in], so forward is
    /// X·Wᵀ = NT, input gradient dY·W = NN, weight gradient dYᵀ·X = TN).
    /// </summary>
    public static IEnumerable<GemmShape> DyToxLinear() =>
    [
        new("fc1 fwd", 8192, 1536, 384, false, false),   // the headline (8192×384)·(384×1536)
        new("fc1 fwd", 8192, 1536, 384, false, true),
        new("fc1 dX", 8192, 384, 1536, false, false),
        new("fc1 dW", 1536, 384, 8192, true, false),
        new("proj fwd", 8192, 384, 384, false, true),
        new("proj dW", 384, 384, 8192, true, false),
        new("qk fwd", 8192, 768, 384, false, true),
        new("fc2 fwd", 8192, 384, 1536, false, true),
    ];

    /// <summary>
    /// The weight gradients (dYᵀ·X, TN) of the Fashion-MNIST model of the README's main job: B·N = 128·49 = 6272 rows,
    /// D = 128, MLP 512: long k, little m·n (the managed GEMM's weakest shape class).
    /// </summary>
    public static IEnumerable<GemmShape> FmnistWeightGradients() =>
    [
        new("fmnist qk dW", 256, 128, 6272, true, false),
        new("fmnist proj dW", 128, 128, 6272, true, false),
        new("fmnist fc1 dW", 512, 128, 6272, true, false),
        new("fmnist fc2 dW", 128, 512, 6272, true, false),
        new("cifar proj dW", 384, 384, 8192, true, false),
    ];

    /// <summary>Per-(batch, head) attention GEMMs: B·H = 128·12 = 1536, N = 64, head dim 32.</summary>
    public static IEnumerable<GemmShape> Attention() =>
    [
        new("Q·Kᵀ", 64, 64, 32, false, true, 1536),
        new("P·V", 64, 32, 64, false, false, 1536),
    ];
}
