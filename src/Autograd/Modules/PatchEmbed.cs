using DyTox.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// Patch embedding (dytox-spec §1.3): Conv2d(C → D, kernel = stride = p, bias) as Im2Patch + dense layer.
/// Parameters <c>proj.weight</c> [D, C, p, p] and <c>proj.bias</c> [D], torch default init (U(±1/√(C·p·p))).
/// </summary>
public sealed class PatchEmbed : Module
{
    public PatchEmbed(int inChannels, int embedDim, int patchSize, ParameterOptions options, Rng rng)
    {
        if (inChannels <= 0 || embedDim <= 0 || patchSize <= 0)
            throw new ArgumentOutOfRangeException(nameof(patchSize), $"PatchEmbed needs positive sizes; got C={inChannels}, D={embedDim}, p={patchSize}.");
        PatchSize = patchSize;
        Proj = RegisterModule("proj", new Conv2dPatch(inChannels, embedDim, patchSize, options, rng));
    }

    public int PatchSize { get; }
    public Conv2dPatch Proj { get; }

    /// <summary>images [B, C, H, W] → tokens [B, (H/p)·(W/p), D].</summary>
    public Variable Forward(Variable images) => F.PatchEmbed(images, Proj.Weight, Proj.Bias);

    /// <summary>The conv holding <c>weight</c> [D, C, p, p] and <c>bias</c> [D].</summary>
    public sealed class Conv2dPatch : Module
    {
        internal Conv2dPatch(int inChannels, int embedDim, int patch, ParameterOptions options, Rng rng)
        {
            Weight = RegisterParameter("weight", options.Create(embedDim, inChannels, patch, patch));
            Bias = RegisterParameter("bias", options.Create(embedDim));
            Init.TorchDefaultWeight(Weight.Value, rng);
            Init.TorchDefaultBias(Bias.Value, Init.FanIn(Weight.Value), rng);
        }

        public Parameter Weight { get; }
        public Parameter Bias { get; }
    }
}
