using DyTox.Autograd;
using DyTox.Tensor;

namespace DyTox.Model;

/// <summary>
/// A TAB (dytox-spec §1.5), applied to ALL task tokens at once. For each task token θ_t and patches X:
/// u = θ_t + DropPath(ClassAttention(LN1(θ_t), LN1(X))), e = u + DropPath(MLP(LN2(u))). LN1 and the patch keys/values
/// are computed once and shared by all tokens (exact, since LN is per token); the residual uses the raw token; the
/// MLP runs on the tokens only; drop-path draws are independent per (task, sample).
/// Parameters <c>norm1.*</c>, <c>attn.{q,k,v,proj}.*</c>, <c>norm2.*</c>, <c>mlp.fc1.*</c>, <c>mlp.fc2.*</c>.
/// </summary>
public sealed class TaskAttentionBlock : Module
{
    public TaskAttentionBlock(DyToxConfig config, double dropPath, ParameterOptions options, Rng initRng, Rng dropPathRng)
    {
        int d = config.EmbedDim;
        Norm1 = RegisterModule("norm1", new LayerNorm(d, options, config.LayerNormEps));
        Attn = RegisterModule("attn", new ClassAttention(d, config.NumHeads, options, initRng));
        Norm2 = RegisterModule("norm2", new LayerNorm(d, options, config.LayerNormEps));
        Mlp = RegisterModule("mlp", new Mlp(d, config.MlpHidden, d, options, initRng, LinearInit.TruncNormal()));
        if (dropPath > 0) DropPath = RegisterModule("drop_path", new DropPath(dropPath, dropPathRng));
    }

    public LayerNorm Norm1 { get; }
    public ClassAttention Attn { get; }
    public LayerNorm Norm2 { get; }
    public Mlp Mlp { get; }
    public DropPath? DropPath { get; }

    /// <summary>patches [B, N, D], tokens [T, 1 or B, D] → updated tokens [T, B, D]; <paramref name="recorder"/> keeps the
    /// task-attention weights (see <see cref="AttentionRecorder"/>).</summary>
    public Variable Forward(Variable patches, Variable tokens, AttentionRecorder? recorder = null)
    {
        if (patches.Rank != 3 || tokens.Rank != 3 || tokens.Size(2) != patches.Size(2))
            throw new ArgumentException($"TaskAttentionBlock expects patches [B, N, D] and tokens [T, 1 or B, D]; got {patches.Value.Describe()} and {tokens.Value.Describe()}.");
        var attended = Attn.Forward(Norm1.Forward(tokens), Norm1.Forward(patches), recorder);
        var u = F.Add(tokens, Drop(attended));
        return F.Add(u, Drop(Mlp.Forward(Norm2.Forward(u))));
    }

    /// <summary>Drop-path with one draw per (task, sample): [T, B, D] is viewed as T·B samples.</summary>
    private Variable Drop(Variable branch)
    {
        if (DropPath is null || !DropPath.Training) return branch;
        int t = branch.Size(0), b = branch.Size(1), d = branch.Size(2);
        return F.Reshape(DropPath.Forward(F.Reshape(branch, t * b, d)), t, b, d);
    }
}
