namespace DyTox.Data.Augmentation;

/// <summary>torchvision-style <c>RandomCrop(size, padding)</c> with zero padding and <c>RandomHorizontalFlip</c>.</summary>
public static class CropFlip
{
    /// <summary>
    /// Pads every side with <paramref name="padding"/> zero pixels, then cuts a random
    /// <paramref name="size"/>×<paramref name="size"/> window (top row drawn first, then left column).
    /// </summary>
    public static ByteImage RandomCrop(ByteImage image, int size, int padding, IRandomSource rng)
    {
        int paddedH = image.Height + 2 * padding;
        int paddedW = image.Width + 2 * padding;
        if (size > paddedH || size > paddedW)
        {
            throw new ArgumentException(
                $"crop {size} is larger than the padded image {paddedH}x{paddedW}.", nameof(size));
        }
        int top = rng.NextInt(paddedH - size + 1);
        int left = rng.NextInt(paddedW - size + 1);
        return Crop(image, size, padding, top, left);
    }

    /// <summary>The window at (<paramref name="top"/>, <paramref name="left"/>) of the zero-padded image.</summary>
    public static ByteImage Crop(ByteImage image, int size, int padding, int top, int left)
    {
        int c = image.Channels;
        var result = new ByteImage(size, size, c);
        for (int y = 0; y < size; y++)
        {
            int sy = top + y - padding;
            if (sy < 0 || sy >= image.Height)
            {
                continue; // padding rows stay zero
            }
            for (int x = 0; x < size; x++)
            {
                int sx = left + x - padding;
                if (sx < 0 || sx >= image.Width)
                {
                    continue;
                }
                Array.Copy(image.Data, (sy * image.Width + sx) * c, result.Data, (y * size + x) * c, c);
            }
        }
        return result;
    }

    /// <summary>Flips left-right with probability <paramref name="probability"/> (one uniform draw).</summary>
    public static ByteImage RandomHorizontalFlip(ByteImage image, IRandomSource rng, double probability = 0.5) =>
        rng.NextDouble() < probability ? HorizontalFlip(image) : image;

    public static ByteImage HorizontalFlip(ByteImage image)
    {
        int c = image.Channels;
        var result = new ByteImage(image.Height, image.Width, c);
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                Array.Copy(image.Data, (y * image.Width + x) * c, result.Data,
                    (y * image.Width + image.Width - 1 - x) * c, c);
            }
        }
        return result;
    }
}
