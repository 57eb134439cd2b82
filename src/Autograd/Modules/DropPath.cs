using DyTox.Tensor;

namespace DyTox.Autograd;

/// <summary>Stochastic depth per sample (timm DropPath), active in training mode only. Draws from its own stream.</summary>
public sealed class DropPath : Module
{
    private readonly Rng rng;

    public DropPath(double probability, Rng rng)
    {
        if (!(probability >= 0 && probability < 1)) throw new ArgumentOutOfRangeException(nameof(probability), probability, "drop-path probability must be in [0, 1).");
        Probability = probability;
        this.rng = rng;
    }

    public double Probability { get; }

    /// <summary>The stream the masks come from (its position can be saved for resuming).</summary>
    public Rng Rng => rng;

    public Variable Forward(Variable x) => F.DropPath(x, Probability, rng, Training);
}
