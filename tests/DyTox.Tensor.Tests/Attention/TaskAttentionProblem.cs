using static DyTox.Tensor.Tests.Attention.AttentionTestKit;

namespace DyTox.Tensor.Tests.Attention;

/// <summary>One seeded task-attention problem (T task tokens over shared patches); loss = Σ weights∘output.</summary>
internal sealed class TaskAttentionProblem
{
    public required int Tasks, Batch, Patches, Dim, Heads;
    public required double Scale;
    public required double[] Q, KToken, VToken, KPatch, VPatch, LossWeights;

    public static TaskAttentionProblem Create(int tasks, int batch, int patches, int dim, int heads, int seed) => new()
    {
        Tasks = tasks, Batch = batch, Patches = patches, Dim = dim, Heads = heads,
        Scale = 1 / Math.Sqrt(dim / heads),
        Q = Uniform(seed, tasks * batch * dim, -1.5, 1.5),
        KToken = Uniform(seed + 1, tasks * batch * dim, -1.5, 1.5),
        VToken = Uniform(seed + 2, tasks * batch * dim),
        KPatch = Uniform(seed + 3, batch * patches * dim, -1.5, 1.5),
        VPatch = Uniform(seed + 4, batch * patches * dim),
        LossWeights = Uniform(seed + 5, tasks * batch * dim),
    };

    public int[] TokenShape => [Tasks, Batch, Dim];
    public int[] PatchShape => [Batch, Patches, Dim];

    public (double[] Attn, double[] Output) Naive() =>
        NaiveAttention.TaskAttention(Q, KToken, VToken, KPatch, VPatch, Tasks, Batch, Patches, Dim, Heads, Scale);

    public double NaiveLoss() => Dot(Naive().Output, LossWeights);

    public static readonly string[] OutputNames = ["attn", "output", "dq", "dkToken", "dvToken", "dkPatch", "dvPatch"];

    public Tensor[] Run(DType dtype)
    {
        using var q = ToTensor(Q, dtype, TokenShape);
        using var kt = ToTensor(KToken, dtype, TokenShape);
        using var vt = ToTensor(VToken, dtype, TokenShape);
        using var kp = ToTensor(KPatch, dtype, PatchShape);
        using var vp = ToTensor(VPatch, dtype, PatchShape);
        using var dOut = ToTensor(LossWeights, dtype, TokenShape);
        var attn = Empty(dtype, Tasks, Batch, Heads, Patches + 1);
        var output = Empty(dtype, TokenShape);
        Backend.TaskAttentionForward(q, kt, vt, kp, vp, Heads, Scale, attn, output);
        var dq = Empty(dtype, TokenShape);
        var dkt = Empty(dtype, TokenShape);
        var dvt = Empty(dtype, TokenShape);
        var dkp = Empty(dtype, PatchShape);
        var dvp = Empty(dtype, PatchShape);
        Backend.TaskAttentionBackward(dOut, q, kt, vt, kp, vp, Heads, Scale, attn, dq, dkt, dvt, dkp, dvp);
        return [attn, output, dq, dkt, dvt, dkp, dvp];
    }

    public double[][] RunToHost(DType dtype)
    {
        var ts = Run(dtype);
        try { return ts.Select(ToDoubles).ToArray(); }
        finally { foreach (var t in ts) t.Dispose(); }
    }

    public byte[][] RunToBits(DType dtype)
    {
        var ts = Run(dtype);
        try { return ts.Select(Bits).ToArray(); }
        finally { foreach (var t in ts) t.Dispose(); }
    }
}
