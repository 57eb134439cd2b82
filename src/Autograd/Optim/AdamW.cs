using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>torch.optim.AdamW: bias-corrected moments, eps after the square root, decoupled decay lr·wd·w.
/// State slots: exp_avg, exp_avg_sq (torch's names).</summary>
public sealed class AdamW : Optimizer
{
    private static readonly string[] SlotNames = ["exp_avg", "exp_avg_sq"];

    public AdamW(IReadOnlyList<ParamGroup> groups, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8) : base(groups)
    {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), $"AdamW betas must be in [0, 1); got ({beta1}, {beta2}).");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "AdamW epsilon must be non-negative.");
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
    }

    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    protected override IReadOnlyList<string> Slots => SlotNames;

    protected override void Update(ParamGroup group, Parameter parameter, TensorT grad, ParameterState state)
    {
        var m = state.GetOrCreateSlot(0, parameter);
        var v = state.GetOrCreateSlot(1, parameter);
        parameter.Backend.AdamWStep(parameter.Value, grad, m, v,
            new AdamWHyper(group.LearningRate, Beta1, Beta2, Epsilon, group.WeightDecay, state.Step));
    }
}
