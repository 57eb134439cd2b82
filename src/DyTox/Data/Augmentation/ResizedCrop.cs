namespace DyTox.Data.Augmentation;

/// <summary>A crop rectangle in source pixels.</summary>
public readonly record struct CropBox(int Top, int Left, int Height, int Width);

/// <summary>Settings of <see cref="ResizedCrop.RandomResizedCrop"/>; the defaults are torchvision's and timm's.</summary>
public sealed record RandomResizedCropOptions
{
    /// <summary>Range of the crop's area as a fraction of the image area.</summary>
    public double MinScale { get; init; } = 0.08;

    public double MaxScale { get; init; } = 1.0;

    /// <summary>Range of the crop's width/height ratio (sampled log-uniformly).</summary>
    public double MinRatio { get; init; } = 3.0 / 4.0;

    public double MaxRatio { get; init; } = 4.0 / 3.0;

    public RandomResizedCropOptions Validate()
    {
        if (!(MinScale > 0 && MinScale <= MaxScale && MaxScale <= 1))
        {
            throw new ArgumentException($"RandomResizedCrop scale range [{MinScale}, {MaxScale}] must satisfy 0 < min <= max <= 1.");
        }
        if (!(MinRatio > 0 && MinRatio <= MaxRatio))
        {
            throw new ArgumentException($"RandomResizedCrop ratio range [{MinRatio}, {MaxRatio}] must satisfy 0 < min <= max.");
        }
        return this;
    }
}

/// <summary>
/// The crops of the ImageNet transforms: torchvision's <c>RandomResizedCrop</c> (bicubic) and <c>CenterCrop</c>,
/// and the geometry of <c>Resize(shorter side)</c>. Python's round-half-to-even is reproduced where torchvision rounds.
/// </summary>
public static class ResizedCrop
{
    /// <summary>
    /// torchvision <c>RandomResizedCrop.get_params</c>: up to 10 attempts of (area fraction ~ U(scale), log ratio ~
    /// U(log ratio range)), side lengths rounded; the first that fits is placed uniformly (top drawn before left).
    /// Otherwise the central crop with the ratio clamped to the range. Draws: 2 uniforms per attempt, then 2 integers.
    /// </summary>
    public static CropBox SampleBox(int height, int width, RandomResizedCropOptions options, IRandomSource rng)
    {
        double area = (double)height * width;
        double logMin = Math.Log(options.MinRatio), logMax = Math.Log(options.MaxRatio);
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double targetArea = area * Uniform(options.MinScale, options.MaxScale, rng);
            double ratio = Math.Exp(Uniform(logMin, logMax, rng));
            int w = RoundHalfEven(Math.Sqrt(targetArea * ratio));
            int h = RoundHalfEven(Math.Sqrt(targetArea / ratio));
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                int top = rng.NextInt(height - h + 1);
                int left = rng.NextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        double inRatio = (double)width / height;
        int cw, ch;
        if (inRatio < options.MinRatio)
        {
            cw = width;
            ch = RoundHalfEven(cw / options.MinRatio);
        }
        else if (inRatio > options.MaxRatio)
        {
            ch = height;
            cw = RoundHalfEven(ch * options.MaxRatio);
        }
        else
        {
            cw = width;
            ch = height;
        }
        return new CropBox((height - ch) / 2, (width - cw) / 2, ch, cw);
    }

    /// <summary>RandomResizedCrop to <paramref name="size"/>×<paramref name="size"/> with PIL-style bicubic resampling.</summary>
    public static ByteImage RandomResizedCrop(ByteImage image, int size, RandomResizedCropOptions options, IRandomSource rng) =>
        RandomResizedCrop((ByteImageView)image, size, options, rng);

    /// <inheritdoc cref="RandomResizedCrop(ByteImage, int, RandomResizedCropOptions, IRandomSource)"/>
    public static ByteImage RandomResizedCrop(ByteImageView image, int size, RandomResizedCropOptions options, IRandomSource rng)
    {
        var box = SampleBox(image.Height, image.Width, options, rng);
        return BicubicResampler.ResizedCrop(image, box.Top, box.Left, box.Height, box.Width, size, size);
    }

    /// <summary>torchvision <c>CenterCrop</c> offsets: round((side − crop) / 2), half to even.</summary>
    public static CropBox CenterBox(int height, int width, int cropHeight, int cropWidth)
    {
        if (cropHeight > height || cropWidth > width || cropHeight <= 0 || cropWidth <= 0)
        {
            throw new ArgumentException($"center crop {cropHeight}x{cropWidth} does not fit in a {height}x{width} image.");
        }
        return new CropBox(RoundHalfEven((height - cropHeight) / 2.0), RoundHalfEven((width - cropWidth) / 2.0), cropHeight, cropWidth);
    }

    public static ByteImage CenterCrop(ByteImage image, int size) =>
        image.Height == size && image.Width == size ? image : CenterCrop((ByteImageView)image, size);

    /// <summary>torchvision <c>CenterCrop(size)</c> into a new image (a copy even when nothing is cut).</summary>
    public static ByteImage CenterCrop(ByteImageView image, int size)
    {
        var box = CenterBox(image.Height, image.Width, size, size);
        int c = image.Channels;
        var result = new ByteImage(size, size, c);
        for (int y = 0; y < size; y++)
        {
            image.Data.Slice(((box.Top + y) * image.Width + box.Left) * c, size * c).CopyTo(result.Data.AsSpan(y * size * c));
        }
        return result;
    }

    /// <summary>
    /// torchvision <c>Resize(size)</c> with an int: the shorter side becomes <paramref name="size"/>, the longer
    /// side <c>int(size · long / short)</c> (truncated).
    /// </summary>
    public static (int Height, int Width) ShorterSideTo(int height, int width, int size)
    {
        if (height <= 0 || width <= 0 || size <= 0)
        {
            throw new ArgumentException($"cannot resize a {height}x{width} image to shorter side {size}.");
        }
        return width <= height
            ? (Math.Max(1, (int)((long)size * height / width)), size)
            : (size, Math.Max(1, (int)((long)size * width / height)));
    }

    private static double Uniform(double low, double high, IRandomSource rng) => low + (high - low) * rng.NextDouble();

    private static int RoundHalfEven(double value) => (int)Math.Round(value, MidpointRounding.ToEven);
}
