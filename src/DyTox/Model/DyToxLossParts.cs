using DyTox.Autograd;

namespace DyTox.Model;

/// <summary>The loss of one DyTox training step and its terms (dytox-spec §2.5).</summary>
/// <param name="Total">(1 − α)·Classification + α·Distillation + 0.1·Divergence for t ≥ 1; Classification at t = 0.</param>
/// <param name="Classification">BCE-with-logits, element-wise mean over B·C_tot.</param>
/// <param name="Distillation">KL knowledge distillation on the old classes (τ = 1, mean over B·C_old); null at t = 0.</param>
/// <param name="Divergence">BCE of the divergence head, mean over B·(C_t + 1); null at t = 0.</param>
/// <param name="Alpha">α = C_old / C_tot (0 at t = 0).</param>
public sealed record DyToxLossParts(Variable Total, Variable Classification, Variable? Distillation, Variable? Divergence, double Alpha);
