namespace DyTox.Data;

/// <summary>
/// A seeded, learnable toy dataset for tests and smoke runs: every class has its own pattern
/// (a bright bar whose orientation and position depend on the class, and a class-specific
/// intensity per channel) plus uniform noise. Pixel values are deterministic in (seed, index).
/// </summary>
public static class SyntheticImageDataset
{
    /// <summary>Creates <paramref name="perClass"/> images for each of <paramref name="classes"/> classes, in class-interleaved order.</summary>
    public static InMemoryImageDataset Create(
        int classes, int perClass, int height, int width, int channels, int seed, string name = "synthetic",
        int noiseAmplitude = 40)
    {
        if (classes <= 0 || perClass <= 0)
        {
            throw new ArgumentException($"classes ({classes}) and perClass ({perClass}) must be positive.");
        }
        if (height < 4 || width < 4)
        {
            throw new ArgumentException($"synthetic images need at least 4×4 pixels, got {height}×{width}.");
        }
        int n = classes * perClass;
        int imageSize = height * width * channels;
        var pixels = new byte[(long)n * imageSize];
        var labels = new int[n];
        for (int i = 0; i < n; i++)
        {
            int label = i % classes;
            labels[i] = label;
            var rng = new SplitMix64Random(SeedMixer.Mix(seed, i));
            Render(pixels.AsSpan(i * imageSize, imageSize), label, classes, height, width, channels, rng, noiseAmplitude);
        }
        var names = Enumerable.Range(0, classes).Select(c => $"pattern_{c}").ToArray();
        return new InMemoryImageDataset(name, pixels, labels, height, width, channels, PixelLayout.Hwc, names);
    }

    private static void Render(
        Span<byte> image, int label, int classes, int height, int width, int channels, IRandomSource rng, int noise)
    {
        bool vertical = label % 2 == 0;
        int bands = (classes + 1) / 2;
        int band = label / 2;
        int extent = vertical ? width : height;
        int barStart = band * extent / bands;
        int barEnd = Math.Max(barStart + 1, (band + 1) * extent / bands);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int along = vertical ? x : y;
                bool onBar = along >= barStart && along < barEnd;
                for (int c = 0; c < channels; c++)
                {
                    int baseValue = onBar ? 200 : 30;
                    int tint = (label * 37 + c * 53) % 40;
                    int value = baseValue + tint + (int)(rng.NextDouble() * noise) - noise / 2;
                    image[(y * width + x) * channels + c] = (byte)Math.Clamp(value, 0, 255);
                }
            }
        }
    }
}
