using DyTox.Tensor;

namespace DyTox.Autograd;

public enum LinearInitKind
{
    /// <summary>torch nn.Linear default: weight and bias U(±1/√fan_in) (kaiming_uniform_ with a = √5).</summary>
    TorchDefault,

    /// <summary>timm transformer init: weight trunc_normal(std, ±2 absolute), bias 0.</summary>
    TruncNormal,
}

/// <summary>How a <see cref="Linear"/> layer initialises its parameters.</summary>
public readonly record struct LinearInit(LinearInitKind Kind, double Std = 0.02)
{
    public static LinearInit TorchDefault => new(LinearInitKind.TorchDefault);
    public static LinearInit TruncNormal(double std = 0.02) => new(LinearInitKind.TruncNormal, std);
}

/// <summary>y = x·Wᵀ + b (torch nn.Linear: weight [out, in], bias [out]).</summary>
public sealed class Linear : Module
{
    public Linear(int inFeatures, int outFeatures, ParameterOptions options, Rng rng, bool bias = true, LinearInit? init = null)
    {
        if (inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(inFeatures), $"Linear needs positive sizes; got {inFeatures} → {outFeatures}.");
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", options.Create(outFeatures, inFeatures));
        Bias = bias ? RegisterParameter("bias", options.Create(outFeatures)) : null;
        Initialization = init ?? LinearInit.TorchDefault;
        ResetParameters(rng);
    }

    /// <summary>How the parameters were (and <see cref="ResetParameters"/> draws them again) initialised.</summary>
    public LinearInit Initialization { get; }

    /// <summary>Draws the parameters afresh with <see cref="Initialization"/> (torch's <c>reset_parameters</c>).</summary>
    public void ResetParameters(Rng rng)
    {
        if (Initialization.Kind == LinearInitKind.TorchDefault)
        {
            Init.TorchDefaultWeight(Weight.Value, rng);
            if (Bias is not null) Init.TorchDefaultBias(Bias.Value, InFeatures, rng);
        }
        else
        {
            Init.TruncNormal(Weight.Value, Initialization.Std, rng);
            if (Bias is not null) Init.Zeros(Bias.Value);
        }
    }

    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    public Variable Forward(Variable x) => F.Linear(x, Weight, Bias);
}
