using SkiaSharp;

namespace DyTox.Cli;

/// <summary>
/// PNG heatmaps of attention maps, drawn pixel by pixel into an RGBA buffer and encoded by SkiaSharp. Weights are
/// scaled by the map's maximum (so a map's shape is visible whatever its entropy) and coloured with a
/// dark-blue → green → yellow ramp (viridis-like); images are enlarged by an integer factor with square pixels so
/// the patch grid stays exact.
/// </summary>
internal static class AttentionHeatmaps
{
    private const int Gap = 4;

    /// <summary>
    /// One strip per image: the input image, then per task its token's attention over the patch grid (averaged over
    /// heads) blended over the image. <paramref name="image"/> is CHW in [0, 1]; <paramref name="perTask"/> holds
    /// gridSide² weights per task.
    /// </summary>
    public static void WriteTaskStrip(string path, float[] image, int channels, int size, IReadOnlyList<float[]> perTask, int gridSide)
    {
        int scale = Math.Max(1, 224 / size), cell = size * scale;
        var canvas = new Canvas((1 + perTask.Count) * cell + perTask.Count * Gap, cell);
        for (int y = 0; y < cell; y++)
            for (int x = 0; x < cell; x++)
            {
                var (r, g, b) = Pixel(image, channels, size, y / scale, x / scale);
                canvas.Set(x, y, r, g, b);
                for (int t = 0; t < perTask.Count; t++)
                {
                    float weight = perTask[t][(y / scale) * gridSide / size * gridSide + (x / scale) * gridSide / size] / Max(perTask[t]);
                    var (hr, hg, hb) = Ramp(weight);
                    // 55% heat, 45% image: the object stays recognisable under the map.
                    canvas.Set((1 + t) * (cell + Gap) + x, y, 0.55f * hr + 0.45f * r, 0.55f * hg + 0.45f * g, 0.55f * hb + 0.45f * b);
                }
            }
        canvas.Save(path);
    }

    /// <summary>One tile per head: the positional attention of one query patch over the gridSide × gridSide grid.</summary>
    public static void WriteHeadTiles(string path, IReadOnlyList<float[]> perHead, int gridSide)
    {
        int scale = Math.Max(4, 96 / gridSide), tile = gridSide * scale;
        var canvas = new Canvas(perHead.Count * tile + (perHead.Count - 1) * Gap, tile);
        for (int h = 0; h < perHead.Count; h++)
        {
            float max = Max(perHead[h]);
            for (int y = 0; y < tile; y++)
                for (int x = 0; x < tile; x++)
                {
                    var (r, g, b) = Ramp(perHead[h][(y / scale) * gridSide + x / scale] / max);
                    canvas.Set(h * (tile + Gap) + x, y, r, g, b);
                }
        }
        canvas.Save(path);
    }

    private static (float R, float G, float B) Pixel(float[] image, int channels, int size, int row, int col)
    {
        int plane = size * size, at = row * size + col;
        float r = Math.Clamp(image[at], 0, 1);
        if (channels < 3) return (r, r, r);
        return (r, Math.Clamp(image[plane + at], 0, 1), Math.Clamp(image[2 * plane + at], 0, 1));
    }

    private static float Max(float[] values)
    {
        float m = values.Max();
        return m > 0 ? m : 1;
    }

    /// <summary>Piecewise-linear viridis approximation: 0 → (68, 1, 84), 0.5 → (33, 145, 140), 1 → (253, 231, 37).</summary>
    private static (float R, float G, float B) Ramp(float v)
    {
        v = Math.Clamp(v, 0, 1);
        (float, float, float) lo, hi;
        float f;
        if (v < 0.5f) { lo = (68, 1, 84); hi = (33, 145, 140); f = v / 0.5f; }
        else { lo = (33, 145, 140); hi = (253, 231, 37); f = (v - 0.5f) / 0.5f; }
        return ((lo.Item1 + f * (hi.Item1 - lo.Item1)) / 255, (lo.Item2 + f * (hi.Item2 - lo.Item2)) / 255, (lo.Item3 + f * (hi.Item3 - lo.Item3)) / 255);
    }

    /// <summary>An opaque RGBA8888 buffer (white background) written as PNG.</summary>
    private sealed class Canvas(int width, int height)
    {
        private readonly byte[] rgba = Enumerable.Repeat((byte)255, width * height * 4).ToArray();

        public void Set(int x, int y, float r, float g, float b)
        {
            int o = (y * width + x) * 4;
            rgba[o] = (byte)Math.Round(Math.Clamp(r, 0, 1) * 255);
            rgba[o + 1] = (byte)Math.Round(Math.Clamp(g, 0, 1) * 255);
            rgba[o + 2] = (byte)Math.Round(Math.Clamp(b, 0, 1) * 255);
            rgba[o + 3] = 255;
        }

        public void Save(string path)
        {
            var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Opaque);
            using var image = SKImage.FromPixelCopy(info, rgba, width * 4)
                ?? throw new InvalidOperationException($"Skia could not create a {width}×{height} image for {path}.");
            using var png = image.Encode(SKEncodedImageFormat.Png, 100)
                ?? throw new InvalidOperationException($"Skia could not encode {path} as PNG.");
            using var file = File.Create(path);
            png.SaveTo(file);
        }
    }
}
