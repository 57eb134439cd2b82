using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>torch.optim.SGD (dampening 0): coupled weight decay, momentum (buffer = grad on the first step),
/// optional Nesterov. State slot: momentum_buffer.</summary>
public sealed class Sgd : Optimizer
{
    private static readonly string[] SlotNames = ["momentum_buffer"];

    public Sgd(IReadOnlyList<ParamGroup> groups, double momentum = 0, bool nesterov = false) : base(groups)
    {
        if (!(momentum >= 0)) throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "SGD momentum must be non-negative.");
        if (nesterov && momentum == 0) throw new ArgumentException("Nesterov momentum needs momentum > 0.", nameof(nesterov));
        Momentum = momentum;
        Nesterov = nesterov;
    }

    public double Momentum { get; }
    public bool Nesterov { get; }

    protected override IReadOnlyList<string> Slots => SlotNames;

    protected override void Update(ParamGroup group, Parameter parameter, TensorT grad, ParameterState state)
    {
        TensorT? buffer = null;
        bool first = false;
        if (Momentum != 0)
        {
            first = !state.HasSlot(0);
            buffer = state.GetOrCreateSlot(0, parameter);
        }
        parameter.Backend.SgdStep(parameter.Value, grad, buffer, new SgdHyper(group.LearningRate, Momentum, group.WeightDecay, Nesterov, first));
    }
}
