using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// A trainable leaf. Its value and gradient buffer live outside any <see cref="TensorScope"/> and are
/// allocated once: every backward pass accumulates into the same buffer, <see cref="ZeroGrad"/> only marks it
/// empty (torch's set_to_none: a parameter that received no gradient is skipped by the optimizers).
/// The name is given by the module that registers it, not stored here.
/// </summary>
public sealed class Parameter : Variable
{
    private bool hasGrad;

    /// <summary>Wraps <paramref name="value"/>, which must not belong to a scope (create it with
    /// <see cref="TensorScope.Unscoped{T}"/> or <see cref="ParameterOptions"/>).</summary>
    public Parameter(TensorT value, bool requiresGrad = true) : base(value, requiresGrad)
    {
        if (!value.IsContiguous) throw new ArgumentException($"a parameter needs a contiguous tensor; got a strided {value.Describe()}.", nameof(value));
    }

    public override TensorT? Grad => hasGrad ? grad : null;

    /// <summary>The gradient buffer whether or not it holds a gradient now (allocated on first use).</summary>
    public TensorT GradBuffer => grad ??= AllocateBuffer();

    public bool HasGrad => hasGrad;

    internal override void AccumulateGrad(TensorT g, bool owned)
    {
        var buffer = GradBuffer;
        if (!hasGrad) buffer.Backend.Copy(g, buffer);
        else buffer.Backend.Axpy(1.0, g, buffer);
        hasGrad = true;
        if (owned) g.Dispose();
    }

    // A parameter's gradient outlives the backward pass (the optimizer reads it).
    internal override void ReleaseGrad() { }

    public override void ZeroGrad() => hasGrad = false;

    /// <summary>Marks the buffer as holding a gradient set from outside (e.g. a gradient all-reduce).</summary>
    public void SetGradFrom(TensorT g)
    {
        GradBuffer.Backend.Copy(g, GradBuffer);
        hasGrad = true;
    }

    /// <summary>Sets the gradient to <paramref name="scale"/>·<paramref name="g"/> (a mean over replicas).</summary>
    public void SetGradFrom(TensorT g, double scale)
    {
        GradBuffer.Backend.Affine(g, scale, 0.0, GradBuffer);
        hasGrad = true;
    }

    public override void Dispose()
    {
        Value.Dispose();
        grad?.Dispose();
        grad = null;
        hasGrad = false;
    }

    private TensorT AllocateBuffer()
    {
        var v = Value;
        return TensorScope.Unscoped(() => v.Backend.Empty(v.DType, v.Shape));
    }
}
