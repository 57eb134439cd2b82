using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>Argument checks shared by the differentiable functions; messages name the op and the input.</summary>
internal static class Expect
{
    public static void Floating(string op, string name, Variable v)
    {
        if (!v.DType.IsFloating()) throw new ArgumentException($"{op}: {name} must be Float32 or Float64; got {v.Value.Describe()}.", name);
    }

    public static void SameDType(string op, Variable a, string aName, Variable b, string bName)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: {aName} ({a.Value.Describe()}) and {bName} ({b.Value.Describe()}) must have the same dtype.");
        if (a.Backend != b.Backend)
            throw new ArgumentException($"{op}: {aName} ({a.Value.Describe()}) and {bName} ({b.Value.Describe()}) are on different backends.");
    }

    public static void SameDType(string op, Variable a, string aName, TensorT b, string bName)
    {
        if (a.DType != b.DType)
            throw new ArgumentException($"{op}: {aName} ({a.Value.Describe()}) and {bName} ({b.Describe()}) must have the same dtype.");
    }

    public static void Rank(string op, string name, ReadOnlySpan<int> shape, params int[] ranks)
    {
        if (Array.IndexOf(ranks, shape.Length) < 0)
            throw new ArgumentException($"{op}: {name} has shape {DyTox.Tensor.Shape.Format(shape)}; expected rank {string.Join(" or ", ranks)}.", name);
    }

    public static void Shape(string op, string name, ReadOnlySpan<int> actual, params int[] expected)
    {
        if (!actual.SequenceEqual(expected))
            throw new ArgumentException($"{op}: {name} has shape {DyTox.Tensor.Shape.Format(actual)}; expected {DyTox.Tensor.Shape.Format(expected)}.", name);
    }

    public static void DType(string op, string name, TensorT t, DyTox.Tensor.DType dtype)
    {
        if (t.DType != dtype) throw new ArgumentException($"{op}: {name} must be {dtype}; got {t.Describe()}.", name);
    }

    public static void Probability(string op, string name, double p)
    {
        if (!(p >= 0 && p < 1)) throw new ArgumentOutOfRangeException(name, p, $"{op}: {name} must be in [0, 1).");
    }
}
