using DyTox.Tensor;

namespace DyTox.Autograd;

/// <summary>Where and in which dtype a module creates its parameters.</summary>
public sealed record ParameterOptions(IBackend Backend, DType DType = DType.Float32)
{
    /// <summary>A new parameter with undefined contents, allocated outside any <see cref="TensorScope"/>.</summary>
    public Parameter Create(params int[] shape)
    {
        if (!DType.IsFloating()) throw new ArgumentException($"parameters must be floating; options say {DType}.");
        var backend = Backend;
        var dtype = DType;
        return new Parameter(TensorScope.Unscoped(() => backend.Empty(dtype, shape)));
    }
}
