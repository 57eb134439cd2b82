namespace DyTox.Data;

/// <summary>
/// The random numbers the data layer draws (augmentation, shuffling, random exemplars).
/// An interface so that the engine's generator can be plugged in; <see cref="SplitMix64Random"/>
/// is the deterministic default.
/// </summary>
public interface IRandomSource
{
    /// <summary>Uniform in [0, 1).</summary>
    double NextDouble();

    /// <summary>Uniform integer in [0, <paramref name="maxExclusive"/>).</summary>
    int NextInt(int maxExclusive);

    /// <summary>Standard normal N(0, 1).</summary>
    double NextGaussian();
}

/// <summary>Creates independent random sources from a seed (e.g. one per epoch or per sample).</summary>
public delegate IRandomSource RandomSourceFactory(long seed);

/// <summary>Combines seeds into one well-mixed 64-bit seed (so (seed, epoch, index) streams do not overlap).</summary>
public static class SeedMixer
{
    public static long Mix(long a, long b)
    {
        ulong h = Finalize((ulong)a + 0x9E3779B97F4A7C15UL);
        h = Finalize(h ^ ((ulong)b + 0xD1B54A32D192ED03UL));
        return (long)h;
    }

    public static long Mix(long a, long b, long c) => Mix(Mix(a, b), c);

    private static ulong Finalize(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>
/// SplitMix64 generator: tiny state, passes BigCrush, and bit-identical on every platform.
/// </summary>
public sealed class SplitMix64Random : IRandomSource
{
    private ulong _state;

    public SplitMix64Random(long seed)
    {
        _state = (ulong)seed;
    }

    /// <summary>The factory for <see cref="RandomSourceFactory"/> parameters.</summary>
    public static readonly RandomSourceFactory Factory = seed => new SplitMix64Random(seed);

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    public int NextInt(int maxExclusive)
    {
        if (maxExclusive <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExclusive), maxExclusive, "must be positive.");
        }
        // Rejection sampling on the top bits keeps the draw unbiased.
        ulong bound = (ulong)maxExclusive;
        ulong limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong r;
        do
        {
            r = NextUInt64();
        }
        while (r >= limit);
        return (int)(r % bound);
    }

    public double NextGaussian()
    {
        // Box–Muller; 1 - u keeps the logarithm finite.
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

/// <summary>Helpers shared by everything that shuffles.</summary>
public static class RandomSourceExtensions
{
    /// <summary>A uniformly random permutation of 0..n-1 (Fisher–Yates from the end).</summary>
    public static int[] Permutation(this IRandomSource rng, int n)
    {
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
