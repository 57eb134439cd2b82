namespace DyTox.Data.Augmentation;

/// <summary>timm's "increasing" RandAugment operations (<c>_RAND_INCREASING_TRANSFORMS</c>), in timm's order.</summary>
public enum RandAugmentOp
{
    AutoContrast,
    Equalize,
    Invert,
    Rotate,
    PosterizeIncreasing,
    SolarizeIncreasing,
    SolarizeAdd,
    ColorIncreasing,
    ContrastIncreasing,
    BrightnessIncreasing,
    SharpnessIncreasing,
    ShearX,
    ShearY,
    TranslateXRel,
    TranslateYRel,
}

/// <summary>Settings of <see cref="RandAugment"/>; the defaults are DyTox's <c>rand-m9-mstd0.5-inc1</c>.</summary>
public sealed record RandAugmentOptions
{
    /// <summary>Operations per image, drawn uniformly with replacement.</summary>
    public int NumOps { get; init; } = 2;

    public double Magnitude { get; init; } = 9;

    /// <summary>Per-op magnitude ~ N(Magnitude, MagnitudeStd²), clipped to [0, 10].</summary>
    public double MagnitudeStd { get; init; } = 0.5;

    /// <summary>Probability that each drawn operation is applied.</summary>
    public double Probability { get; init; } = 0.5;

    /// <summary>Fraction of the image size for the translate ops at magnitude 10.</summary>
    public double TranslatePercent { get; init; } = 0.45;

    /// <summary>DyTox passes bicubic; bilinear is offered for speed.</summary>
    public Interpolation Interpolation { get; init; } = Interpolation.Bicubic;

    /// <summary>
    /// Fill colour of geometric ops, one value per channel. Null = round(255 × ImageNet mean) = (124, 116, 104)
    /// for RGB (what DyTox passes, even on CIFAR) and its luma, 117, for one channel.
    /// </summary>
    public byte[]? Fill { get; init; }

    /// <summary>
    /// Reads timm's RandAugment config string (the original's <c>aa</c>, e.g. <c>rand-m9-mstd0.5-inc1</c>): sections
    /// <c>m</c> (magnitude), <c>n</c> (ops per image), <c>mstd</c> (magnitude std) and <c>inc</c> (the "increasing" ops;
    /// timm tests <c>bool(val)</c> of the text, so any value, <c>inc0</c> too, selects them). A string without <c>inc</c>
    /// asks for timm's original (non-increasing) ops and <c>w</c> for weighted op choice, which this implementation
    /// does not have: both are errors, as are AutoAugment policies and unknown sections.
    /// </summary>
    public static RandAugmentOptions Parse(string config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var sections = config.Split('-');
        if (sections[0] != "rand")
            throw new ArgumentException($"auto-augment \"{config}\": only timm's RandAugment (\"rand-…\") is implemented, not AutoAugment/AugMix policies.");
        var options = new RandAugmentOptions { Magnitude = 10, NumOps = 2, MagnitudeStd = 0 }; // timm's defaults for the sections
        bool increasing = false;
        foreach (var section in sections.Skip(1))
        {
            int digit = section.IndexOfAny("0123456789".ToCharArray());
            if (digit < 0) continue; // timm skips sections without a value
            string key = section[..digit], value = section[digit..];
            try
            {
                options = key switch
                {
                    "m" => options with { Magnitude = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
                    "n" => options with { NumOps = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
                    "mstd" => options with { MagnitudeStd = double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) },
                    "inc" => options,
                    "w" => throw new ArgumentException($"auto-augment \"{config}\": weighted op choice (w) is not implemented."),
                    _ => throw new ArgumentException($"auto-augment \"{config}\": unknown RandAugment section \"{section}\" (expected m, n, mstd, inc)."),
                };
            }
            catch (FormatException)
            {
                throw new ArgumentException($"auto-augment \"{config}\": section \"{section}\" needs a number.");
            }
            if (key == "inc") increasing = true;
        }
        if (!increasing)
            throw new ArgumentException($"auto-augment \"{config}\": without inc1 timm uses its original (non-increasing) ops, which are not implemented; add -inc1 (DyTox's rand-m9-mstd0.5-inc1).");
        if (options.NumOps < 0 || options.MagnitudeStd < 0)
            throw new ArgumentException($"auto-augment \"{config}\": n and mstd must be non-negative.");
        return options;
    }

    public byte[] FillFor(int channels)
    {
        if (Fill is not null)
        {
            if (Fill.Length != channels)
            {
                throw new ArgumentException($"RandAugment fill has {Fill.Length} values for {channels}-channel images.");
            }
            return Fill;
        }
        return channels == 3 ? [124, 116, 104] : [PixelOps.Luma(124, 116, 104)];
    }
}

/// <summary>
/// RandAugment as timm's <c>RandAugment</c>/<c>AugmentOp</c> for <c>rand-m9-mstd0.5-inc1</c>. Draw order per image:
/// the op indices (NumOps × NextInt(15)); then per op: one uniform (skip when &gt; Probability), the magnitude
/// (mean + std·NextGaussian, clipped to [0, 10]), and for signed ops one uniform for the sign (negate when &gt; 0.5).
/// </summary>
public sealed class RandAugment
{
    public const double MaxLevel = 10.0;
    public static readonly RandAugmentOp[] IncreasingOps = Enum.GetValues<RandAugmentOp>();

    public RandAugment(RandAugmentOptions? options = null)
    {
        Options = options ?? new RandAugmentOptions();
        if (Options.NumOps < 0 || Options.Magnitude < 0 || Options.MagnitudeStd < 0
            || Options.Probability is < 0 or > 1)
        {
            throw new ArgumentException($"invalid RandAugment options {Options}.");
        }
    }

    public RandAugmentOptions Options { get; }

    public ByteImage Apply(ByteImage image, IRandomSource rng)
    {
        var ops = new RandAugmentOp[Options.NumOps];
        for (int i = 0; i < ops.Length; i++)
        {
            ops[i] = IncreasingOps[rng.NextInt(IncreasingOps.Length)];
        }
        var current = image;
        foreach (var op in ops)
        {
            if (Options.Probability < 1.0 && rng.NextDouble() > Options.Probability)
            {
                continue;
            }
            double magnitude = Options.Magnitude;
            if (Options.MagnitudeStd > 0)
            {
                magnitude += Options.MagnitudeStd * rng.NextGaussian();
            }
            magnitude = Math.Clamp(magnitude, 0.0, MaxLevel);
            current = ApplyOp(op, current, magnitude, rng);
        }
        return current;
    }

    /// <summary>Applies one op at a given (already clipped) magnitude; signed ops draw their sign from <paramref name="rng"/>.</summary>
    public ByteImage ApplyOp(RandAugmentOp op, ByteImage image, double magnitude, IRandomSource rng)
    {
        double level = magnitude / MaxLevel;
        byte[] fill = Options.FillFor(image.Channels);
        var interp = Options.Interpolation;
        return op switch
        {
            RandAugmentOp.AutoContrast => PixelOps.AutoContrast(image),
            RandAugmentOp.Equalize => PixelOps.Equalize(image),
            RandAugmentOp.Invert => PixelOps.Invert(image),
            RandAugmentOp.Rotate => AffineWarp.Rotate(image, RandomlyNegate(level * 30.0, rng), fill, interp),
            RandAugmentOp.PosterizeIncreasing => PixelOps.Posterize(image, 4 - (int)(level * 4)),
            RandAugmentOp.SolarizeIncreasing => PixelOps.Solarize(image, 256 - (int)(level * 256)),
            RandAugmentOp.SolarizeAdd => PixelOps.SolarizeAdd(image, (int)(level * 110), 128),
            RandAugmentOp.ColorIncreasing => PixelOps.Color(image, EnhanceFactor(level, rng)),
            RandAugmentOp.ContrastIncreasing => PixelOps.Contrast(image, EnhanceFactor(level, rng)),
            RandAugmentOp.BrightnessIncreasing => PixelOps.Brightness(image, EnhanceFactor(level, rng)),
            RandAugmentOp.SharpnessIncreasing => PixelOps.Sharpness(image, EnhanceFactor(level, rng)),
            RandAugmentOp.ShearX => AffineWarp.ShearX(image, RandomlyNegate(level * 0.3, rng), fill, interp),
            RandAugmentOp.ShearY => AffineWarp.ShearY(image, RandomlyNegate(level * 0.3, rng), fill, interp),
            RandAugmentOp.TranslateXRel => AffineWarp.TranslateX(
                image, RandomlyNegate(level * Options.TranslatePercent, rng) * image.Width, fill, interp),
            RandAugmentOp.TranslateYRel => AffineWarp.TranslateY(
                image, RandomlyNegate(level * Options.TranslatePercent, rng) * image.Height, fill, interp),
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown RandAugment op."),
        };
    }

    /// <summary>timm's <c>_enhance_increasing_level_to_arg</c>: max(0.1, 1 ± 0.9·level).</summary>
    private static double EnhanceFactor(double level, IRandomSource rng) =>
        Math.Max(0.1, 1.0 + RandomlyNegate(level * 0.9, rng));

    private static double RandomlyNegate(double value, IRandomSource rng) => rng.NextDouble() > 0.5 ? -value : value;
}
