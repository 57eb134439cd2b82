using DyTox.Autograd;

namespace DyTox.Model;

/// <summary>
/// One forward pass of <see cref="DyToxModel"/>.
/// </summary>
/// <param name="Logits">[B, C_tot]: the per-task heads' logits concatenated in task order, each head on its own
/// task token's embedding.</param>
/// <param name="DivergenceLogits">[B, C_t + 1] from the divergence head on the newest embedding; null when not
/// requested, in evaluation mode, or before task 1.</param>
/// <param name="Embeddings">[T, B, D]: the raw TAB outputs (before the heads' LayerNorms), e.g. for herding.</param>
public sealed record DyToxOutput(Variable Logits, Variable? DivergenceLogits, Variable Embeddings);
