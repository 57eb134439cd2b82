using SkiaSharp;

namespace DyTox.Model.Tests.Data;

/// <summary>
/// Writes a small ImageNet-style tree (<c>train/&lt;wnid&gt;/*.JPEG</c>, <c>val/&lt;wnid&gt;/*.JPEG</c>, optional split
/// lists) of SkiaSharp-encoded images into a temporary folder.
/// </summary>
internal sealed class ImageNetTree : IDisposable
{
    public ImageNetTree()
    {
        Root = Path.Combine(Path.GetTempPath(), "dytox-imagenet-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }

    /// <summary>A synset id that sorts by <paramref name="index"/> (n00000000 + index·7, so not contiguous).</summary>
    public static string Wnid(int index) => $"n{1440764 + 7 * index:D8}";

    /// <summary>The colour of class <paramref name="label"/> (distinct, saturated enough to survive JPEG).</summary>
    public static (byte R, byte G, byte B) ClassColour(int label) =>
        ((byte)(40 + 60 * (label % 4)), (byte)(220 - 50 * (label % 3)), (byte)(30 + 45 * (label % 5)));

    /// <summary>Writes <paramref name="bytes"/> to <c>&lt;root&gt;/&lt;relative&gt;</c>, creating folders.</summary>
    public string WriteFile(string relative, byte[] bytes)
    {
        string path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void WriteText(string relative, IEnumerable<string> lines) =>
        WriteFile(relative, System.Text.Encoding.UTF8.GetBytes(string.Join("\n", lines) + "\n"));

    /// <summary>A solid-colour image encoded as JPEG (quality 100) or PNG; grayscale uses the colour's R.</summary>
    public static byte[] Solid(int width, int height, (byte R, byte G, byte B) colour, bool gray = false, bool png = false) =>
        Encode(width, height, gray, png, (_, _) => colour);

    /// <summary>Left half <paramref name="left"/>, right half <paramref name="right"/> (boundary at width/2).</summary>
    public static byte[] Halves(int width, int height, (byte R, byte G, byte B) left, (byte R, byte G, byte B) right, bool png = false) =>
        Encode(width, height, gray: false, png, (x, _) => x < width / 2 ? left : right);

    public static byte[] Encode(int width, int height, bool gray, bool png, Func<int, int, (byte R, byte G, byte B)> pixel)
    {
        var info = new SKImageInfo(width, height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, SKAlphaType.Opaque);
        using var bitmap = new SKBitmap(info);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                var (r, g, b) = pixel(x, y);
                bitmap.SetPixel(x, y, gray ? new SKColor(r, r, r) : new SKColor(r, g, b));
            }
        }
        using var image = SKImage.FromBitmap(bitmap);
        using var data = image.Encode(png ? SKEncodedImageFormat.Png : SKEncodedImageFormat.Jpeg, 100);
        return data.ToArray();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a leftover temp folder is harmless
        }
    }
}
