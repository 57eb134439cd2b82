using DyTox.Autograd;
using DyTox.Tensor;

namespace DyTox.Model;

/// <summary>
/// CaiT class attention with one query per task token (dytox-spec §1.5), batched over the task tokens. Parameters
/// <c>q.weight</c>, <c>k.weight</c>, <c>v.weight</c> (bias-free, [D, D]) and <c>proj.weight</c>/<c>proj.bias</c>.
/// The patches' keys and values are computed once and shared by every task token; each token is also its own
/// first key (keys of task t = {token t} ∪ patches).
/// </summary>
public sealed class ClassAttention : Module
{
    public ClassAttention(int dim, int heads, ParameterOptions options, Rng rng)
    {
        if (heads <= 0 || dim % heads != 0) throw new ArgumentException($"ClassAttention: dim {dim} is not a multiple of the head count {heads}.");
        Dim = dim;
        Heads = heads;
        Scale = 1.0 / Math.Sqrt(dim / heads);
        Q = RegisterModule("q", new Linear(dim, dim, options, rng, bias: false, LinearInit.TruncNormal()));
        K = RegisterModule("k", new Linear(dim, dim, options, rng, bias: false, LinearInit.TruncNormal()));
        V = RegisterModule("v", new Linear(dim, dim, options, rng, bias: false, LinearInit.TruncNormal()));
        Proj = RegisterModule("proj", new Linear(dim, dim, options, rng, bias: true, LinearInit.TruncNormal()));
    }

    public int Dim { get; }
    public int Heads { get; }
    public double Scale { get; }
    public Linear Q { get; }
    public Linear K { get; }
    public Linear V { get; }
    public Linear Proj { get; }

    /// <summary>
    /// tokens [T, 1 or B, D] and patches [B, N, D], both already normalised → [T, B, D] (after the output projection).
    /// A token axis of extent 1 (the raw task tokens) is projected once and broadcast over the batch.
    /// With a <paramref name="recorder"/> (gradient recording off) the task-attention weights are kept there (the same
    /// backend op as <see cref="F.TaskAttention"/>, bitwise the same output).
    /// </summary>
    public Variable Forward(Variable tokens, Variable patches, AttentionRecorder? recorder = null)
    {
        int batch = patches.Size(0);
        var q = TokenBroadcast.ToBatch(Q.Forward(tokens), batch);
        var kToken = TokenBroadcast.ToBatch(K.Forward(tokens), batch);
        var vToken = TokenBroadcast.ToBatch(V.Forward(tokens), batch);
        var kPatch = K.Forward(patches);
        var vPatch = V.Forward(patches);
        var attended = recorder is null
            ? F.TaskAttention(q, kToken, vToken, kPatch, vPatch, Heads, Scale)
            : Recorded(q, kToken, vToken, kPatch, vPatch, recorder);
        return Proj.Forward(attended);
    }

    /// <summary>The body of F.TaskAttention without the tape, its weights copied to the recorder.</summary>
    private Variable Recorded(Variable q, Variable kToken, Variable vToken, Variable kPatch, Variable vPatch, AttentionRecorder recorder)
    {
        if (GradMode.IsEnabled) throw new InvalidOperationException("recording attention maps needs gradient recording off (GradMode.NoGrad).");
        var be = q.Backend;
        int tasks = q.Size(0), batch = q.Size(1), n = kPatch.Size(1);
        using var weights = be.Empty(q.DType, [tasks, batch, Heads, 1 + n]);
        var y = be.Empty(q.DType, [tasks, batch, Dim]);
        be.TaskAttentionForward(q.Value, kToken.Value, vToken.Value, kPatch.Value, vPatch.Value, Heads, Scale, weights, y);
        recorder.Add(new TabAttentionSnapshot(recorder.NextTab, AttentionMap.FromTensor(weights)));
        return new Variable(y);
    }
}

/// <summary>Broadcasting of per-task values [T, 1, D] over the batch, differentiably.</summary>
internal static class TokenBroadcast
{
    /// <summary>[T, 1, D] → [T, B, D] (gradients summed back over B); [T, B, D] is returned as is.</summary>
    public static Variable ToBatch(Variable x, int batch)
    {
        if (x.Rank != 3) throw new ArgumentException($"expected task values [T, 1 or B, D]; got {x.Value.Describe()}.", nameof(x));
        if (x.Size(1) == batch) return x;
        if (x.Size(1) != 1) throw new ArgumentException($"task values {x.Value.Describe()} have neither 1 nor {batch} (the batch) rows per task.", nameof(x));
        // F has no expand op: adding a zero [1, B, D] broadcasts exactly (x + 0 = x) and its backward sums over B.
        var zeros = x.Backend.Empty(x.DType, [1, batch, x.Size(2)]);
        x.Backend.Fill(zeros, 0);
        return F.Add(x, new Variable(zeros));
    }
}
