using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// One recorded op: a small class per op with explicit fields for what its backward needs (no closures).
/// <see cref="Backward"/> receives dLoss/dOutput (read only; freed by the tape afterwards) and adds the
/// input gradients with <see cref="Give"/> or <see cref="Lend"/>.
/// </summary>
public abstract class Node
{
    internal Variable? Output;

    /// <summary>Op name, for messages and debugging.</summary>
    public abstract string Name { get; }

    internal abstract void Backward(TensorT dy);

    /// <summary>Disposes tensors saved for the backward (the tape calls it once the node ran or was dropped).</summary>
    internal virtual void Release() { }

    /// <summary>Hands a freshly computed gradient to an input (it becomes owned by the input or is disposed).</summary>
    protected static void Give(Variable input, TensorT g) => input.AccumulateGrad(g, owned: true);

    /// <summary>Adds a gradient the caller keeps (e.g. dy passed through unchanged); copied if needed.</summary>
    protected static void Lend(Variable input, TensorT g) => input.AccumulateGrad(g, owned: false);

    /// <summary>Takes over dy (this node's output gradient, passed to <see cref="Backward"/>) so it can be modified
    /// in place and handed to an input without a copy. Call it after the last read of dy as an input.</summary>
    protected TensorT TakeOutputGradient(TensorT dy)
    {
        var taken = Output!.TakeGrad();
        if (!ReferenceEquals(taken, dy)) throw new InvalidOperationException($"{Name}: the output gradient was already taken.");
        return taken;
    }

    protected static TensorT Like(TensorT t) => t.Backend.Empty(t.DType, t.Shape);
}
