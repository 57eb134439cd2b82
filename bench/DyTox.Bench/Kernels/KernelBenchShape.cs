namespace DyTox.Bench.Kernels;

/// <summary>
/// A benchmarked attention shape. The real shapes are DyTox CIFAR (B=128, N=64, D=384, H=12) and DyTox ImageNet
/// (B=128, N=196, D=384, H=12); on the emulator they shrink to B=1, D=96, H=3 (same N and head dim 32), and the
/// name says so ("EMU-…"; BenchmarkDotNet truncates parameter names beyond 20 characters). Tasks = task tokens for task attention (10 = the last CIFAR-100 10-step task).
/// </summary>
public sealed record KernelBenchShape(string Name, int Batch, int Tokens, int Dim, int Heads, int Tasks)
{
    public static IEnumerable<KernelBenchShape> All => KernelBenchDevice.IsEmulator
        ? [new("EMU-B1-N64-D96", 1, 64, 96, 3, 2), new("EMU-B1-N196-D96", 1, 196, 96, 3, 2)]
        : [new("CIFAR-B128-N64", 128, 64, 384, 12, 10), new("ImgNet-B128-N196", 128, 196, 384, 12, 10)];

    public int HeadDim => Dim / Heads;
    public float Scale => 1f / MathF.Sqrt(HeadDim);
    private double Bhn2 => (double)Batch * Heads * Tokens * Tokens;
    private double Bnd => (double)Batch * Tokens * Dim;

    /// <summary>Multiply-add FLOPs (2 per MAC) of the products: forward Q·Kᵀ and attn·V; backward dA, dQ, dV, dK.</summary>
    public double GpsaFlops(bool backward) => Bhn2 * HeadDim * (backward ? 8 : 4);

    /// <summary>
    /// Compulsory DRAM bytes (float32) of one call, counting each tensor read or written once (posAttn [H, N, N] once:
    /// it stays in L2 across the batch). Forward: read qk, v; write content, attn, out. Backward: read dO, qk, v,
    /// content, attn; write dqk, dv; dS and dPos partials written and read back ([B, H, N, N] each) plus the reduce.
    /// </summary>
    public double GpsaBytes(bool backward) => 4 * (backward
        ? 2 * Bnd + Bnd + Bnd + 2 * Bhn2 + 2 * Bnd + Bnd + 2 * (2 * Bhn2) + (double)Heads * Tokens * Tokens
        : 2 * Bnd + Bnd + 2 * Bhn2 + Bnd + (double)Heads * Tokens * Tokens);

    public double PositionalBytes(bool backward) => 4.0 * Heads * Tokens * Tokens * (backward ? 2 : 1) + 4.0 * Tokens * Tokens * 3;

    private double Tbh => (double)Tasks * Batch * Heads;
    /// <summary>Task attention FLOPs per call: forward q·kᵀ and a·V over 1+N keys; backward g, dq, dkPatch, dvPatch.</summary>
    public double TaskFlops(bool backward) => Tbh * (Tokens + 1) * HeadDim * (backward ? 8 : 4);

    /// <summary>Task attention bytes: read q, kTok, vTok ([T, B, D]) and kPatch, vPatch once; write attn and out.
    /// Backward: read dO, q, kTok, vTok, kPatch, vPatch, attn; write dq, dkTok, dvTok, z (and read it back), dkPatch, dvPatch.</summary>
    public double TaskBytes(bool backward)
    {
        double tbd = (double)Tasks * Batch * Dim, keysRows = Tbh * (Tokens + 1);
        return 4 * (backward ? 4 * tbd + 2 * Bnd + keysRows + 3 * tbd + 2 * keysRows + 2 * Bnd
                             : 3 * tbd + 2 * Bnd + keysRows + tbd);
    }

    public override string ToString() => Name;
}
