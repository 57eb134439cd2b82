using DyTox.Autograd;
using DyTox.Tensor;

namespace DyTox.Model;

/// <summary>
/// A per-task classifier (and the divergence head): Linear(LayerNorm(e)) with torch's default inits (dytox-spec
/// §1.7). Registered as <c>head</c> then <c>norm</c>, the original's state-dict order.
/// </summary>
public sealed class ContinualClassifier : Module
{
    public ContinualClassifier(int dim, int classes, double layerNormEps, ParameterOptions options, Rng rng)
    {
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "a classifier needs at least one class.");
        Classes = classes;
        Head = RegisterModule("head", new Linear(dim, classes, options, rng, bias: true, LinearInit.TorchDefault));
        Norm = RegisterModule("norm", new LayerNorm(dim, options, layerNormEps));
    }

    public int Classes { get; }
    public Linear Head { get; }
    public LayerNorm Norm { get; }

    /// <summary>Draws the classifier afresh with the inits it was created with (the original's <c>reset_parameters</c>).</summary>
    public void ResetParameters(Rng rng)
    {
        Head.ResetParameters(rng);
        Norm.ResetParameters();
    }

    /// <summary>e [B, D] → logits [B, classes].</summary>
    public Variable Forward(Variable embedding) => Head.Forward(Norm.Forward(embedding));
}
