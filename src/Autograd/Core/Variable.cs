using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// A tensor value in the autograd graph: the value, its gradient (once a backward pass reached it), whether
/// gradients are wanted, and the node that produced it (null for leaves). Values of variables produced by
/// <see cref="F"/> are contiguous and owned by the active <see cref="TensorScope"/>.
/// </summary>
public class Variable : IDisposable
{
    private bool requiresGrad;
    private protected TensorT? grad;

    public Variable(TensorT value, bool requiresGrad = false)
    {
        ArgumentNullException.ThrowIfNull(value);
        value.ThrowIfDisposed();
        if (requiresGrad && !value.DType.IsFloating())
            throw new ArgumentException($"only floating tensors can require gradients; got {value.Describe()}.", nameof(requiresGrad));
        Value = value;
        this.requiresGrad = requiresGrad;
    }

    public TensorT Value { get; }

    /// <summary>dLoss/dValue accumulated by <see cref="Tape.Backward"/>; null until a backward pass reached it.
    /// Gradients of non-leaf variables are freed during the backward pass; a plain leaf's gradient belongs to the
    /// active <see cref="TensorScope"/> (parameters keep theirs in a buffer of their own).</summary>
    public virtual TensorT? Grad => grad is { IsDisposed: false } ? grad : null;

    /// <summary>The node that produced this variable; null for leaves (inputs, parameters, detached values).</summary>
    public Node? GradFn { get; internal set; }

    public bool IsLeaf => GradFn is null;

    /// <summary>True once the node that produced this variable was run or dropped by the tape.</summary>
    public bool GraphReleased { get; internal set; }

    /// <summary>Whether gradients flow into this variable. Settable on leaves only.</summary>
    public bool RequiresGrad
    {
        get => requiresGrad;
        set
        {
            if (!IsLeaf) throw new InvalidOperationException("RequiresGrad can only be changed on leaf variables; use Detach() for graph outputs.");
            if (value && !Value.DType.IsFloating()) throw new InvalidOperationException($"only floating tensors can require gradients; this is {Value.Describe()}.");
            requiresGrad = value;
        }
    }

    internal void MarkAsOutputOf(Node node)
    {
        GradFn = node;
        requiresGrad = true;
    }

    public ReadOnlySpan<int> Shape => Value.Shape;
    public int Rank => Value.Rank;
    public int Size(int axis) => Value.Size(axis);
    public DType DType => Value.DType;
    public IBackend Backend => Value.Backend;
    public long Numel => Value.Numel;

    /// <summary>A leaf sharing this variable's value, outside the graph (no gradient flows back).</summary>
    public Variable Detach() => new(Value.Alias(), requiresGrad: false);

    /// <summary>Backpropagates from this one-element loss (<see cref="Tape.Backward(Variable)"/>).</summary>
    public void Backward() => Tape.Backward(this);

    /// <summary>The scalar value of a one-element variable.</summary>
    public double Item() => Value.Item();

    /// <summary>Adds a gradient contribution. <paramref name="owned"/>: the caller hands over <paramref name="g"/>
    /// (it is exclusively ours and may become the gradient buffer); otherwise it is only read.</summary>
    internal virtual void AccumulateGrad(TensorT g, bool owned)
    {
        // A plain leaf's gradient lives in the scope of the step that created it; once that scope closed, start afresh.
        if (grad is { IsDisposed: true }) grad = null;
        if (grad is null)
        {
            if (owned) { grad = g; return; }
            grad = g.Backend.Empty(g.DType, g.Shape);
            g.Backend.Copy(g, grad);
            return;
        }
        g.Backend.Axpy(1.0, g, grad);
        if (owned) g.Dispose();
    }

    /// <summary>Hands the gradient buffer over to the caller (used by nodes that reuse their output gradient).</summary>
    internal TensorT? TakeGrad()
    {
        var g = grad;
        grad = null;
        return g;
    }

    /// <summary>Frees the gradient of an intermediate after its node ran backward.</summary>
    internal virtual void ReleaseGrad()
    {
        grad?.Dispose();
        grad = null;
    }

    /// <summary>Drops the accumulated gradient (the next backward pass starts from zero).</summary>
    public virtual void ZeroGrad() => ReleaseGrad();

    public override string ToString() => $"Variable({Value.Describe()}{(RequiresGrad ? ", requires grad" : "")}{(GradFn is null ? "" : $", from {GradFn.Name}")})";

    public virtual void Dispose()
    {
        Value.Dispose();
        ReleaseGrad();
        GC.SuppressFinalize(this);
    }
}
