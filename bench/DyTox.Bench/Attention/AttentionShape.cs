namespace DyTox.Bench.Attention;

/// <summary>The DyTox attention shapes benchmarked: CIFAR DyTox (B=128, N=64, D=384, H=12, d=32), the small model
/// (B=64, N=49, D=128, H=4, d=32), and CIFAR heads at B=8 (in cache).</summary>
public sealed record AttentionShape(string Name, int Batch, int Tokens, int Dim, int Heads)
{
    public static readonly AttentionShape Cifar = new("B128-N64-D384-H12", 128, 64, 384, 12);
    public static readonly AttentionShape Small = new("B64-N49-D128-H4", 64, 49, 128, 4);
    /// <summary>CIFAR head shapes with a batch small enough (B=8) for every tensor to stay in cache: isolates the
    /// kernels' arithmetic throughput from memory bandwidth (B=128 streams ~100–200 MB per call).</summary>
    public static readonly AttentionShape CifarInCache = new("B8-N64-D384-H12", 8, 64, 384, 12);
    public static IEnumerable<AttentionShape> All => [Cifar, Small, CifarInCache];

    public int HeadDim => Dim / Heads;
    public double Scale => 1 / Math.Sqrt(HeadDim);

    /// <summary>Multiply-add FLOPs (2 per MAC) of the GPSA products per (b, h): forward Q·Kᵀ and attn·V
    /// (2 × 2N²d); backward dV, dA, dQ, dK (4 × 2N²d). Softmax, mix and exp work is not counted.</summary>
    public double GpsaFlops(bool backward) => (double)Batch * Heads * Tokens * Tokens * HeadDim * (backward ? 12 : 4);

    /// <summary>Task attention products per (t, b, h) over 1+N keys: forward q·kᵀ and a·V (2 × 2(1+N)d); backward
    /// g = dO·Vᵀ, dq, dk, dv (4 × 2(1+N)d).</summary>
    public double TaskAttentionFlops(int tasks, bool backward) =>
        (double)tasks * Batch * Heads * (Tokens + 1) * HeadDim * (backward ? 12 : 4);

    public override string ToString() => Name;
}
