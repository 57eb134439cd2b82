namespace DyTox.Data.Augmentation;

/// <summary>What random erasing fills a box with (timm's <c>remode</c>), in normalised units.</summary>
public enum ErasingFill
{
    /// <summary>0: the data set's mean colour.</summary>
    Const,
    /// <summary>One N(0, 1) value per channel.</summary>
    Rand,
    /// <summary>An N(0, 1) value per pixel and channel (DeiT's choice).</summary>
    Pixel,
}

/// <summary>timm's <c>RandomErasing</c> arguments: the chance an image is erased (<c>reprob</c>), the fill
/// (<c>remode</c>), up to <see cref="MaxCount"/> boxes (<c>recount</c>), each of area fraction in
/// [<see cref="MinArea"/>, <see cref="MaxArea"/>] (divided among the boxes) and aspect ratio in
/// [<see cref="MinAspect"/>, 1/<see cref="MinAspect"/>] (log-uniform).</summary>
public sealed record RandomErasingOptions(double Probability, ErasingFill Fill = ErasingFill.Pixel, int MaxCount = 1,
                                          double MinArea = 0.02, double MaxArea = 1.0 / 3, double MinAspect = 0.3)
{
    public RandomErasingOptions Validate()
    {
        if (Probability is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(Probability), Probability, "random erasing's probability must be in [0, 1].");
        if (MaxCount < 1) throw new ArgumentOutOfRangeException(nameof(MaxCount), MaxCount, "random erasing needs at least one box.");
        if (!(MinArea > 0 && MinArea <= MaxArea && MaxArea <= 1) || !(MinAspect > 0))
            throw new ArgumentException($"random erasing needs 0 < min area ≤ max area ≤ 1 and a positive aspect bound; got {this}.");
        return this;
    }

    /// <summary>The fill named as timm's <c>remode</c> (<c>pixel</c>, <c>rand</c>, <c>const</c> or empty).</summary>
    public static ErasingFill ParseFill(string mode) => mode.ToLowerInvariant() switch
    {
        "pixel" => ErasingFill.Pixel,
        "rand" => ErasingFill.Rand,
        "const" or "" => ErasingFill.Const,
        _ => throw new ArgumentException($"random erasing mode \"{mode}\" is unknown; expected pixel, rand or const."),
    };
}

/// <summary>
/// Random erasing (Zhong et al. 2020) as timm's <c>RandomErasing</c>, which the original's training transform applies
/// after Normalize: with probability p, 1 to <c>recount</c> boxes (uniform count) are each given up to 10 tries to fit
/// an area of U(min, max)·H·W/count and an aspect ratio exp(U(log a, −log a)), sides h = round(√(area·ratio)) and
/// w = round(√(area/ratio)) (half to even, as Python's round), which must be below H and W; a fitting box has a
/// uniform top-left corner and is filled in every channel. Draws come from the sample's own stream, in timm's order.
/// </summary>
public static class RandomErasing
{
    /// <summary>Erases boxes in one normalised CHW image in place.</summary>
    public static void Apply(Span<float> chw, int channels, int height, int width, RandomErasingOptions options, IRandomSource rng)
    {
        if (chw.Length != channels * height * width)
            throw new ArgumentException($"random erasing: {chw.Length} values for a {channels}×{height}×{width} image.");
        if (rng.NextDouble() > options.Probability) return; // timm: random.random() > p → untouched
        double area = (double)height * width;
        int count = options.MaxCount == 1 ? 1 : 1 + rng.NextInt(options.MaxCount); // random.randint(1, max), inclusive
        double logLow = Math.Log(options.MinAspect), logHigh = -logLow;
        for (int box = 0; box < count; box++)
        {
            for (int attempt = 0; attempt < 10; attempt++)
            {
                double target = Uniform(rng, options.MinArea, options.MaxArea) * area / count;
                double ratio = Math.Exp(Uniform(rng, logLow, logHigh));
                int h = (int)Math.Round(Math.Sqrt(target * ratio)), w = (int)Math.Round(Math.Sqrt(target / ratio));
                if (w >= width || h >= height) continue;
                int top = rng.NextInt(height - h + 1), left = rng.NextInt(width - w + 1); // random.randint(0, H − h), inclusive
                Fill(chw, channels, height, width, top, left, h, w, options.Fill, rng);
                break;
            }
        }
    }

    private static double Uniform(IRandomSource rng, double low, double high) => low + (high - low) * rng.NextDouble();

    private static void Fill(Span<float> chw, int channels, int height, int width, int top, int left, int h, int w, ErasingFill fill, IRandomSource rng)
    {
        int plane = height * width;
        for (int c = 0; c < channels; c++)
        {
            float channelValue = fill == ErasingFill.Rand ? (float)rng.NextGaussian() : 0f;
            for (int y = top; y < top + h; y++)
            {
                var row = chw.Slice(c * plane + y * width + left, w);
                if (fill == ErasingFill.Pixel)
                    for (int x = 0; x < w; x++) row[x] = (float)rng.NextGaussian();
                else row.Fill(channelValue);
            }
        }
    }
}
