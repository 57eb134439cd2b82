using DyTox.Tensor;

namespace DyTox.Autograd;

/// <summary>fc1 → GELU → fc2 (timm Mlp; dropout p = 0 as in DyTox, so none is applied).</summary>
public sealed class Mlp : Module
{
    public Mlp(int inFeatures, int hiddenFeatures, int outFeatures, ParameterOptions options, Rng rng, LinearInit? init = null)
    {
        Fc1 = RegisterModule("fc1", new Linear(inFeatures, hiddenFeatures, options, rng, bias: true, init));
        Fc2 = RegisterModule("fc2", new Linear(hiddenFeatures, outFeatures, options, rng, bias: true, init));
    }

    public Linear Fc1 { get; }
    public Linear Fc2 { get; }

    public Variable Forward(Variable x) => Fc2.Forward(F.Gelu(Fc1.Forward(x)));
}
