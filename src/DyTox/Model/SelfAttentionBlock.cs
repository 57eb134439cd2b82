using DyTox.Autograd;
using DyTox.Tensor;

namespace DyTox.Model;

/// <summary>
/// A SAB: the ConViT pre-norm block with GPSA (dytox-spec §1.4):
/// x ← x + DropPath(GPSA(LN1(x))); x ← x + DropPath(MLP(LN2(x))). Parameters <c>norm1.*</c>, <c>attn.*</c>,
/// <c>norm2.*</c>, <c>mlp.fc1.*</c>, <c>mlp.fc2.*</c>; the drop-path module has none (and is absent at rate 0).
/// </summary>
public sealed class SelfAttentionBlock : Module
{
    public SelfAttentionBlock(DyToxConfig config, double dropPath, ParameterOptions options, Rng initRng, Rng dropPathRng)
    {
        int d = config.EmbedDim;
        Norm1 = RegisterModule("norm1", new LayerNorm(d, options, config.LayerNormEps));
        Attn = RegisterModule("attn", new GpsaAttention(d, config.NumHeads, config.NumPatches, config.LocalityStrength, options, initRng));
        Norm2 = RegisterModule("norm2", new LayerNorm(d, options, config.LayerNormEps));
        Mlp = RegisterModule("mlp", new Mlp(d, config.MlpHidden, d, options, initRng, LinearInit.TruncNormal()));
        if (dropPath > 0) DropPath = RegisterModule("drop_path", new DropPath(dropPath, dropPathRng));
    }

    public LayerNorm Norm1 { get; }
    public GpsaAttention Attn { get; }
    public LayerNorm Norm2 { get; }
    public Mlp Mlp { get; }

    /// <summary>Null when the block's stochastic-depth rate is 0 (block 0, or DropPathMax = 0).</summary>
    public DropPath? DropPath { get; }

    /// <summary>x [B, N, D] → [B, N, D]; <paramref name="recorder"/> keeps the attention maps (see <see cref="AttentionRecorder"/>).</summary>
    public Variable Forward(Variable x, AttentionRecorder? recorder = null)
    {
        x = F.Add(x, Drop(Attn.Forward(Norm1.Forward(x), recorder)));
        return F.Add(x, Drop(Mlp.Forward(Norm2.Forward(x))));
    }

    private Variable Drop(Variable branch) => DropPath is null ? branch : DropPath.Forward(branch);
}
