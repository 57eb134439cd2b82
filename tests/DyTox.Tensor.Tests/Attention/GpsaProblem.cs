using static DyTox.Tensor.Tests.Attention.AttentionTestKit;

namespace DyTox.Tensor.Tests.Attention;

/// <summary>One seeded GPSA problem: inputs as float64 host arrays, runnable on the CPU backend in either dtype
/// and through the naive reference. The loss for gradient checks is Σ weights∘output.</summary>
internal sealed class GpsaProblem
{
    public required int Batch, Tokens, Dim, Heads;
    public required double Scale;
    public required double[] Qk, V, Pos, Gates, LossWeights;

    public static GpsaProblem Create(int batch, int tokens, int dim, int heads, int seed) => new()
    {
        Batch = batch, Tokens = tokens, Dim = dim, Heads = heads,
        Scale = 1 / Math.Sqrt(dim / heads),
        Qk = Uniform(seed, batch * tokens * 2 * dim, -1.5, 1.5),
        V = Uniform(seed + 1, batch * tokens * dim),
        Pos = SoftmaxRows(seed + 2, heads * tokens, tokens),
        Gates = Uniform(seed + 3, heads, -1.5, 1.5),
        LossWeights = Uniform(seed + 4, batch * tokens * dim),
    };

    public int[] QkShape => [Batch, Tokens, 2 * Dim];
    public int[] VShape => [Batch, Tokens, Dim];
    public int[] AttnShape => [Batch, Heads, Tokens, Tokens];
    public int[] PosShape => [Heads, Tokens, Tokens];

    public (double[] Content, double[] Attn, double[] Output) Naive() =>
        NaiveAttention.Gpsa(Qk, V, Pos, Gates, Batch, Tokens, Dim, Heads, Scale);

    public double NaiveLoss() => Dot(Naive().Output, LossWeights);

    /// <summary>Forward then backward on the backend; returns every output (content, attn, output, dqk, dv, dPos, dGates).</summary>
    public Tensor[] Run(DType dtype)
    {
        using var qk = ToTensor(Qk, dtype, QkShape);
        using var v = ToTensor(V, dtype, VShape);
        using var pos = ToTensor(Pos, dtype, PosShape);
        using var gates = ToTensor(Gates, dtype, Heads);
        using var dOut = ToTensor(LossWeights, dtype, VShape);
        var content = Empty(dtype, AttnShape);
        var attn = Empty(dtype, AttnShape);
        var output = Empty(dtype, VShape);
        Backend.GpsaForward(qk, v, pos, gates, Heads, Scale, content, attn, output);
        var dqk = Empty(dtype, QkShape);
        var dv = Empty(dtype, VShape);
        var dPos = Empty(dtype, PosShape);
        var dGates = Empty(dtype, Heads);
        Backend.GpsaBackward(dOut, qk, v, pos, gates, Heads, Scale, content, attn, dqk, dv, dPos, dGates);
        return [content, attn, output, dqk, dv, dPos, dGates];
    }

    public static readonly string[] OutputNames = ["content", "attn", "output", "dqk", "dv", "dPosAttn", "dGates"];

    public double[][] RunToHost(DType dtype)
    {
        var tensors = Run(dtype);
        try { return tensors.Select(ToDoubles).ToArray(); }
        finally { foreach (var t in tensors) t.Dispose(); }
    }

    public byte[][] RunToBits(DType dtype)
    {
        var tensors = Run(dtype);
        try { return tensors.Select(Bits).ToArray(); }
        finally { foreach (var t in tensors) t.Dispose(); }
    }
}
