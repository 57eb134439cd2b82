namespace DyTox.Tensor;

/// <summary>
/// The engine's deterministic random stream: Philox4x32-10 keyed by (seed, stream id). One seed drives a
/// run; every consumer (weight init, data order, augmentation, dropout, drop-path, …) takes its own
/// stream through <see cref="Fork(string)"/> or <see cref="Fork(ulong)"/>, so adding draws in one place
/// never shifts the numbers of another. Same seed, same bits, on every machine.
/// </summary>
public sealed class Rng
{
    private uint key0, key1;
    private ulong counter;
    private uint b0, b1, b2, b3;
    private int available;
    private double? spareNormal;

    public Rng(ulong seed, ulong stream = 0)
    {
        Seed = seed;
        Stream = stream;
        // Mix seed and stream into the 64-bit key with SplitMix64 so nearby seeds give unrelated keys.
        ulong k = SplitMix(seed ^ SplitMix(stream + 0x632BE59BD9B4E019UL));
        key0 = (uint)k;
        key1 = (uint)(k >> 32);
    }

    public ulong Seed { get; private set; }
    public ulong Stream { get; private set; }

    /// <summary>Number of 32-bit words drawn so far (the position in the stream).</summary>
    public ulong Position => counter * 4 - (ulong)available;

    /// <summary>An independent stream derived from this one's seed and a numeric id.</summary>
    public Rng Fork(ulong id) => new(Seed, SplitMix(Stream * 0x9E3779B97F4A7C15UL + id + 1));

    /// <summary>An independent stream derived from this one's seed and a name (stable across runs).</summary>
    public Rng Fork(string name)
    {
        ulong h = 0xCBF29CE484222325UL; // FNV-1a: stable, unlike string.GetHashCode
        foreach (char ch in name) { h ^= ch; h *= 0x100000001B3UL; }
        return Fork(h);
    }

    /// <summary>Makes this stream a copy of <paramref name="other"/> at its current position (consumers that
    /// hold an Rng, such as drop-path modules, can be re-keyed per epoch for exact resumption).</summary>
    public void ResetTo(Rng other)
    {
        Seed = other.Seed;
        Stream = other.Stream;
        key0 = other.key0;
        key1 = other.key1;
        counter = other.counter;
        available = other.available;
        (b0, b1, b2, b3) = (other.b0, other.b1, other.b2, other.b3);
        spareNormal = other.spareNormal;
    }

    /// <summary>Moves to word <paramref name="position"/> of the stream (for resuming a run).</summary>
    public void SeekTo(ulong position)
    {
        counter = position / 4;
        available = 0;
        spareNormal = null;
        int skip = (int)(position % 4);
        for (int i = 0; i < skip; i++) NextUInt();
    }

    public uint NextUInt()
    {
        if (available == 0)
        {
            (b0, b1, b2, b3) = Philox.Block((uint)counter, (uint)(counter >> 32), 0, 0, key0, key1);
            counter++;
            available = 4;
        }
        return (4 - available--) switch { 0 => b0, 1 => b1, 2 => b2, _ => b3 };
    }

    public ulong NextULong() => ((ulong)NextUInt() << 32) | NextUInt();

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, 1) with 24 random bits.</summary>
    public float NextFloat() => (NextUInt() >> 8) * (1.0f / (1 << 24));

    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Uniform integer in [0, n), without modulo bias.</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "upper bound must be positive.");
        uint bound = (uint)n, threshold = (uint)(-(int)bound) % bound;
        while (true)
        {
            ulong m = (ulong)NextUInt() * bound;
            if ((uint)m >= threshold) return (int)(m >> 32);
        }
    }

    /// <summary>Standard normal (Box–Muller, both values used).</summary>
    public double Normal()
    {
        if (spareNormal is double s) { spareNormal = null; return s; }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    public double Normal(double mean, double std) => mean + std * Normal();

    /// <summary>Normal(mean, std) restricted to [low, high] by rejection (timm's trunc_normal_ bounds are absolute).</summary>
    public double TruncatedNormal(double mean, double std, double low, double high)
    {
        if (!(low < high)) throw new ArgumentException($"truncation bounds [{low}, {high}] are empty.");
        for (int tries = 0; tries < 1_000_000; tries++)
        {
            double x = Normal(mean, std);
            if (x >= low && x <= high) return x;
        }
        throw new InvalidOperationException($"truncated normal N({mean}, {std}²) on [{low}, {high}] rejected a million draws.");
    }

    public bool Bernoulli(double p) => NextDouble() < p;

    /// <summary>A uniformly random permutation of 0..n-1 (Fisher–Yates).</summary>
    public int[] Permutation(int n)
    {
        var result = new int[n];
        for (int i = 0; i < n; i++) result[i] = i;
        Shuffle(result.AsSpan());
        return result;
    }

    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>Beta(a, b) via two gamma draws (Marsaglia–Tsang), for MixUp's λ.</summary>
    public double Beta(double a, double b)
    {
        double x = Gamma(a), y = Gamma(b);
        return x / (x + y);
    }

    public double Gamma(double shape)
    {
        if (shape <= 0) throw new ArgumentOutOfRangeException(nameof(shape), "gamma shape must be positive.");
        if (shape < 1)
        {
            double u = NextDouble();
            return Gamma(shape + 1) * Math.Pow(u <= 0 ? double.Epsilon : u, 1.0 / shape);
        }
        double d = shape - 1.0 / 3, c = 1.0 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do { x = Normal(); v = 1 + c * x; } while (v <= 0);
            v = v * v * v;
            double u = NextDouble();
            if (u < 1 - 0.0331 * x * x * x * x) return d * v;
            if (Math.Log(u) < 0.5 * x * x + d * (1 - v + Math.Log(v))) return d * v;
        }
    }

    private static ulong SplitMix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
