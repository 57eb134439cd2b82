using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Autograd.Tests;

/// <summary>Shared helpers: random leaves on the CPU backend and gradient-check assertions.</summary>
internal static class TestSupport
{
    public static IBackend Cpu => CpuBackend.Instance;

    /// <summary>A leaf with U(low, high) values drawn from <paramref name="rng"/>.</summary>
    public static Variable Leaf(Rng rng, int[] shape, bool requiresGrad = true, DType dtype = DType.Float64, double low = -1, double high = 1)
    {
        var t = Cpu.Empty(dtype, shape);
        Init.Uniform(t, low, high, rng);
        return new Variable(t, requiresGrad);
    }

    public static Tensor.Tensor Values(Rng rng, int[] shape, DType dtype = DType.Float64, double low = -1, double high = 1)
    {
        var t = Cpu.Empty(dtype, shape);
        Init.Uniform(t, low, high, rng);
        return t;
    }

    public static Tensor.Tensor Ints(int[] values)
    {
        var t = Cpu.Empty(DType.Int32, [values.Length]);
        t.Span<int>().Clear();
        values.CopyTo(t.Span<int>());
        return t;
    }

    /// <summary>Runs the gradient check and asserts every input's relative error is below <paramref name="threshold"/>.</summary>
    public static void AssertGradients(Func<Variable> function, Variable[] inputs, double threshold = 1e-6, int maxElements = 48, ulong seed = 99)
    {
        var results = GradCheck.Check(function, inputs, new Rng(seed), maxElementsPerInput: maxElements);
        Assert.That(results, Is.Not.Empty, "no input requires gradients");
        foreach (var r in results)
        {
            TestContext.Out.WriteLine(r);
            Assert.That(r.MaxAnalytic, Is.GreaterThan(0), $"analytic gradient is identically zero: {r}");
            Assert.That(r.RelativeError, Is.LessThan(threshold), r.ToString());
        }
    }
}
