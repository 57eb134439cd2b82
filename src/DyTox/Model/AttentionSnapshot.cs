namespace DyTox.Model;

/// <summary>
/// The attention of one SAB (GPSA, dytox-spec §1.4) for a batch, on the host. H heads, N patches, B images.
/// </summary>
/// <param name="Block">The SAB's index (<c>sabs.{Block}</c>).</param>
/// <param name="Gates">σ(gating_param) [H]: the weight of the positional attention in the mix.</param>
/// <param name="PositionalAttention">softmax(w·rel + b) [H, N, N], the same for every image.</param>
/// <param name="ContentAttention">softmax(Q·Kᵀ·scale) [B, H, N, N].</param>
/// <param name="Attention">((1−σ)·content + σ·pos) renormalised per row [B, H, N, N]: the weights that mix V.</param>
public sealed record SabAttentionSnapshot(int Block, AttentionMap Gates, AttentionMap PositionalAttention,
                                          AttentionMap ContentAttention, AttentionMap Attention);

/// <summary>
/// The attention of one TAB (dytox-spec §1.5) for every task token: one query per (task, image), keys = the task
/// token itself (key 0) followed by the N patches.
/// </summary>
/// <param name="Block">The TAB's index (<c>tabs.{Block}</c>).</param>
/// <param name="Attention">[T, B, H, 1+N].</param>
public sealed record TabAttentionSnapshot(int Block, AttentionMap Attention)
{
    public int TaskCount => Attention.Shape[0];

    /// <summary>The weights of task token <paramref name="task"/>: [B, H, 1+N].</summary>
    public AttentionMap Task(int task) => Attention.Slice(task);
}

/// <summary>Every attention map of one forward pass (see <see cref="DyToxInspection.ForwardWithAttention"/>).</summary>
/// <param name="GridSide">Patches per row (√N): patch j sits at row j / GridSide, column j % GridSide.</param>
public sealed record AttentionSnapshot(int GridSide, IReadOnlyList<SabAttentionSnapshot> Sabs, IReadOnlyList<TabAttentionSnapshot> Tabs)
{
    public int Patches => GridSide * GridSide;
}

/// <summary>The usual forward output plus its attention maps.</summary>
public sealed record InspectedForward(DyToxOutput Output, AttentionSnapshot Attention);
