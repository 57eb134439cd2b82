using DyTox.Tensor;

namespace DyTox.Autograd;

/// <summary>LayerNorm over the last axis (torch nn.LayerNorm: eps 1e-5, weight 1, bias 0).</summary>
public sealed class LayerNorm : Module
{
    public LayerNorm(int features, ParameterOptions options, double eps = 1e-5)
    {
        if (features <= 0) throw new ArgumentOutOfRangeException(nameof(features), features, "LayerNorm needs a positive feature count.");
        Features = features;
        Eps = eps;
        Weight = RegisterParameter("weight", options.Create(features));
        Bias = RegisterParameter("bias", options.Create(features));
        ResetParameters();
    }

    /// <summary>Gain 1, shift 0 (torch's <c>reset_parameters</c>).</summary>
    public void ResetParameters()
    {
        Init.Ones(Weight.Value);
        Init.Zeros(Bias.Value);
    }

    public int Features { get; }
    public double Eps { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }

    public Variable Forward(Variable x) => F.LayerNorm(x, Weight, Bias, Eps);
}
