using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// Gradient clipping by the global L2 norm, as <c>torch.nn.utils.clip_grad_norm_(parameters, max_norm)</c> (timm's
/// <c>dispatch_clip_grad</c> in its default 'norm' mode, which the original's <c>clip_grad</c> option calls): with
/// ‖g‖ = sqrt(Σ_p ‖g_p‖²) over every parameter that holds a gradient, each gradient is multiplied by
/// min(1, max_norm / (‖g‖ + 1e-6)). Deterministic: each ‖g_p‖² is the backend's fixed-order reduction, and the
/// squares are added in double in parameter order. One device-to-host copy per call, whatever the number of
/// parameters (the per-parameter sums land in one small tensor).
/// </summary>
public static class GradientClipping
{
    /// <summary>torch's guard against division by zero in the clipping coefficient.</summary>
    public const double Epsilon = 1e-6;

    /// <summary>Clips the gradients of <paramref name="parameters"/> in place; returns the norm before clipping.
    /// Gradients whose coefficient is 1 (norm within the limit) keep their bits (torch multiplies by 1.0, which is
    /// the identity).</summary>
    public static double ClipByTotalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        if (!(maxNorm > 0) || !double.IsFinite(maxNorm))
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "gradient clipping needs a positive, finite maximum norm.");
        var grads = parameters.Select(p => p.Grad).OfType<TensorT>().ToList();
        if (grads.Count == 0) return 0;
        double norm = TotalNorm(grads);
        double coefficient = maxNorm / (norm + Epsilon);
        if (coefficient < 1)
        {
            foreach (var g in grads) g.Backend.Affine(g, coefficient, 0.0, g);
        }
        return norm;
    }

    /// <summary>sqrt(Σ ‖g‖²) over <paramref name="grads"/>, which share one backend and dtype; the squares are added in
    /// double in list order.</summary>
    public static double TotalNorm(IReadOnlyList<TensorT> grads)
    {
        double sum = 0;
        foreach (double s in TensorSums.SumsOfSquares(grads)) sum += s;
        return Math.Sqrt(sum);
    }
}
