using System.Runtime.InteropServices;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// Parameter initialisers. Values are drawn on the host from an <see cref="Rng"/> stream, one draw per element in
/// row-major order (so the same seed gives the same bits on every device), then copied into the tensor.
/// </summary>
public static class Init
{
    /// <summary>timm trunc_normal_: N(mean, std²) restricted to the ABSOLUTE interval [a, b] (defaults ±2).</summary>
    public static void TruncNormal(TensorT t, double std, Rng rng, double mean = 0, double a = -2, double b = 2)
    {
        if (!(std > 0)) throw new ArgumentOutOfRangeException(nameof(std), std, "standard deviation must be positive.");
        Fill(t, _ => rng.TruncatedNormal(mean, std, a, b));
    }

    public static void Normal(TensorT t, double mean, double std, Rng rng) => Fill(t, _ => rng.Normal(mean, std));

    /// <summary>U(low, high).</summary>
    public static void Uniform(TensorT t, double low, double high, Rng rng)
    {
        if (!(low <= high)) throw new ArgumentException($"uniform bounds [{low}, {high}] are reversed.");
        Fill(t, _ => rng.Uniform(low, high));
    }

    public static void Constant(TensorT t, double value) => t.Backend.Fill(t, value);
    public static void Zeros(TensorT t) => Constant(t, 0);
    public static void Ones(TensorT t) => Constant(t, 1);

    /// <summary>The identity matrix (2-D tensors; ones on the main diagonal of non-square ones, like torch.eye_).</summary>
    public static void Identity(TensorT t)
    {
        if (t.Rank != 2) throw new ArgumentException($"Identity needs a 2-D tensor; got {t.Describe()}.", nameof(t));
        int cols = t.Size(1);
        Fill(t, i => i / cols == i % cols ? 1.0 : 0.0);
    }

    /// <summary>torch's default for nn.Linear / nn.Conv2d weights: kaiming_uniform_(a=√5) = U(±1/√fan_in).</summary>
    public static void TorchDefaultWeight(TensorT weight, Rng rng)
    {
        double bound = 1.0 / Math.Sqrt(FanIn(weight));
        Uniform(weight, -bound, bound, rng);
    }

    /// <summary>torch's default bias init: U(±1/√fan_in) with the weight's fan-in.</summary>
    public static void TorchDefaultBias(TensorT bias, int fanIn, Rng rng)
    {
        double bound = fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0;
        Uniform(bias, -bound, bound, rng);
    }

    /// <summary>fan_in of a weight: size(1) × the receptive field (product of the extents after axis 1).</summary>
    public static int FanIn(TensorT weight)
    {
        if (weight.Rank < 2) throw new ArgumentException($"fan-in needs a weight with at least 2 axes; got {weight.Describe()}.", nameof(weight));
        int fan = weight.Size(1);
        for (int i = 2; i < weight.Rank; i++) fan *= weight.Size(i);
        return fan;
    }

    /// <summary>Writes host values (row-major) into a contiguous floating tensor.</summary>
    public static void Write(TensorT t, ReadOnlySpan<double> values)
    {
        if (values.Length != t.Numel) throw new ArgumentException($"{values.Length} values for {t.Describe()} ({t.Numel} elements).", nameof(values));
        switch (t.DType)
        {
            case DType.Float64:
                t.Backend.CopyFromHost(MemoryMarshal.AsBytes(values), t);
                break;
            case DType.Float32:
                var f = new float[values.Length];
                for (int i = 0; i < f.Length; i++) f[i] = (float)values[i];
                t.Backend.CopyFromHost(MemoryMarshal.AsBytes(f.AsSpan()), t);
                break;
            default:
                throw new ArgumentException($"initialisers need a floating tensor; got {t.Describe()}.", nameof(t));
        }
    }

    private static void Fill(TensorT t, Func<int, double> value)
    {
        var values = new double[checked((int)t.Numel)];
        for (int i = 0; i < values.Length; i++) values[i] = value(i);
        Write(t, values);
    }
}
