using DyTox.Autograd;
using DyTox.Data;

namespace DyTox.Training;

/// <summary>
/// timm's scheduler noise (<c>lr_noise</c>, <c>lr_noise_pct</c>), bit for bit as timm ≈0.3–0.4 draws it: after epoch t of a
/// noisy range the next epoch's rate v becomes v + v·n, where n is the first value of
/// <c>torch.randn(1, generator=g)</c> with <c>g.manual_seed(seed + t)</c> whose magnitude is below <c>lr_noise_pct</c>.
/// The range is [a·E, b·E) for <c>lr_noise: [a, b]</c> and t ≥ a·E for <c>[a]</c>, with E the task's epochs.
/// (timm's <c>lr_noise_std</c> is never read by those versions.)
/// </summary>
public sealed class LearningRateNoise : ILearningRateSchedule
{
    private readonly ILearningRateSchedule inner;
    private readonly double start, end;
    private readonly double percent;
    private readonly long seed;

    public LearningRateNoise(ILearningRateSchedule inner, IReadOnlyList<double> range, int epochs, double percent, long seed)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (range.Count is < 1 or > 2) throw new ArgumentException($"lr_noise holds one or two fractions of the epochs; got {range.Count}.", nameof(range));
        if (!(percent > 0)) throw new ArgumentOutOfRangeException(nameof(percent), percent, "lr_noise_pct must be positive.");
        this.inner = inner;
        start = range[0] * epochs;
        end = range.Count == 2 ? range[1] * epochs : double.PositiveInfinity;
        this.percent = percent;
        this.seed = seed;
    }

    /// <summary>Epoch e trains at the rate the scheduler set after epoch e − 1 (epoch 0 at the initial rate, never noisy).</summary>
    public double LearningRate(int epoch)
    {
        double v = inner.LearningRate(epoch);
        int t = epoch - 1;
        if (epoch == 0 || !(start <= t && t < end)) return v;
        return v + v * Noise(seed + t, percent);
    }

    /// <summary>The first |torch.randn(1)| &lt; <paramref name="percent"/> of a generator seeded with <paramref name="seed"/>.</summary>
    public static double Noise(long seed, double percent)
    {
        var normal = new TorchNormal(seed);
        while (true)
        {
            double n = normal.Next();
            if (Math.Abs(n) < percent) return n;
        }
    }

    /// <summary>
    /// torch's CPU normal sampler for tensors of fewer than 16 elements: MT19937 seeded as <c>manual_seed</c> does
    /// (init_genrand with the low 32 bits; the same engine as numpy's RandomState), 53-bit doubles from two 32-bit draws
    /// (the first one high), Box–Muller on (u1, u2) returning r·cos θ and keeping r·sin θ for the next call; each value is
    /// stored into the float32 tensor, so it is rounded to float.
    /// </summary>
    internal sealed class TorchNormal(long seed)
    {
        private readonly NumpyRandomState engine = new((uint)(ulong)seed);
        private double? cached;

        public double Next()
        {
            double value;
            if (cached is double c)
            {
                value = c;
                cached = null;
            }
            else
            {
                double u1 = Uniform(), u2 = Uniform();
                double r = Math.Sqrt(-2.0 * Math.Log(1.0 - u2)), theta = 2.0 * Math.PI * u1;
                cached = r * Math.Sin(theta);
                value = r * Math.Cos(theta);
            }
            return (float)value;
        }

        private double Uniform()
        {
            ulong hi = engine.NextUInt32(), lo = engine.NextUInt32();
            return ((hi << 32 | lo) & ((1UL << 53) - 1)) * (1.0 / (1UL << 53));
        }
    }
}
