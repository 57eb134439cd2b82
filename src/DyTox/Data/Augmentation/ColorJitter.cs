namespace DyTox.Data.Augmentation;

/// <summary>
/// torchvision's <c>ColorJitter(b, b, b)</c> (hue 0) on a PIL image, which timm's training transform applies instead of
/// RandAugment when there is none (the original's <c>aa: ""</c> with <c>color_jitter</c> b): brightness, contrast and
/// saturation (PIL's ImageEnhance Brightness, Contrast and Color, <see cref="PixelOps"/>) in a random order, each with a
/// factor uniform in [max(0, 1 − b), 1 + b]. Draws from the sample's stream: the order (a permutation of torchvision's
/// four slots, hue's being skipped), then each factor as its op comes.
/// </summary>
public static class ColorJitter
{
    public static ByteImage Apply(ByteImage image, double strength, IRandomSource rng)
    {
        if (!(strength >= 0)) throw new ArgumentOutOfRangeException(nameof(strength), strength, "colour jitter must be non-negative.");
        if (strength == 0) return image;
        int[] order = [0, 1, 2, 3];
        for (int i = order.Length - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        double low = Math.Max(0, 1 - strength), high = 1 + strength;
        foreach (int op in order)
        {
            if (op == 3) continue; // hue 0: torchvision leaves it out
            double factor = low + (high - low) * rng.NextDouble();
            image = op switch
            {
                0 => PixelOps.Brightness(image, factor),
                1 => PixelOps.Contrast(image, factor),
                _ => PixelOps.Color(image, factor),
            };
        }
        return image;
    }
}
