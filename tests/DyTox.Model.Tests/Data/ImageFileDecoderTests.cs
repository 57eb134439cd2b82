using DyTox.Data;

namespace DyTox.Model.Tests.Data;

public class ImageFileDecoderTests
{
    // A 24×16 CMYK JPEG (Adobe, inverted) of C, M, Y, K = 40, 120, 200, 0, written by PIL 9.4; PIL decodes it to
    // RGB (215, 135, 55).
    private const string CmykJpeg = "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwACAQEBAQECAQEBAgICAgIEAwICAgIFBAQDBAYFBgYGBQYGBgcJCAYHCQcGBggLCAkKCgoKCgYICwwLCgwJCgoK/8AAFAgAEAAYBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD9XK3K/Nuv38oooooooooooooooooooor/2Q==";

    private static (int R, int G, int B) Pixel(RgbaPixels p, int y, int x)
    {
        int o = (y * p.Width + x) * RgbaPixels.Stride;
        return (p.Data[o], p.Data[o + 1], p.Data[o + 2]);
    }

    private static void AssertNear((int R, int G, int B) actual, (int R, int G, int B) expected, int tolerance)
    {
        Assert.That(actual.R, Is.EqualTo(expected.R).Within(tolerance), "R");
        Assert.That(actual.G, Is.EqualTo(expected.G).Within(tolerance), "G");
        Assert.That(actual.B, Is.EqualTo(expected.B).Within(tolerance), "B");
    }

    [Test]
    public void DecodesColourGreyscaleCmykAndPngByContent()
    {
        var colour = ImageFileDecoder.Decode("c.JPEG", ImageNetTree.Solid(30, 20, (200, 100, 50)));
        Assert.That((colour.Height, colour.Width), Is.EqualTo((20, 30)));
        AssertNear(Pixel(colour, 10, 15), (200, 100, 50), 3);

        var grey = ImageFileDecoder.Decode("g.JPEG", ImageNetTree.Solid(9, 7, (90, 0, 0), gray: true));
        AssertNear(Pixel(grey, 3, 4), (90, 90, 90), 2);

        var cmyk = ImageFileDecoder.Decode("k.JPEG", Convert.FromBase64String(CmykJpeg));
        Assert.That((cmyk.Height, cmyk.Width), Is.EqualTo((16, 24)));
        AssertNear(Pixel(cmyk, 8, 12), (215, 135, 55), 3);

        // ImageNet has PNG files named .JPEG: the codec goes by the bytes.
        var png = ImageFileDecoder.Decode("p.JPEG", ImageNetTree.Solid(5, 6, (1, 2, 254), png: true));
        AssertNear(Pixel(png, 5, 4), (1, 2, 254), 0);
    }

    [Test]
    public void UndecodableFilesNameThePath()
    {
        Assert.That(() => ImageFileDecoder.Decode("/data/train/n1/bad.JPEG", "not an image at all"u8.ToArray()),
            Throws.TypeOf<DatasetFormatException>().With.Message.StartsWith("/data/train/n1/bad.JPEG:")
                .And.Message.Contains("expected a JPEG or PNG image"));
        Assert.That(() => ImageFileDecoder.Decode("/e.JPEG", []),
            Throws.TypeOf<DatasetFormatException>().With.Message.Contains("empty"));
        // Noise, so that most of the file is entropy-coded data and the cut falls inside it.
        byte[] jpeg = ImageNetTree.Encode(64, 64, gray: false, png: false, (x, y) => ((byte)(x * 73 ^ y * 31), (byte)(x * y), (byte)(x + 5 * y)));
        Assert.That(() => ImageFileDecoder.Decode("/cut.JPEG", jpeg[..(jpeg.Length * 2 / 3)]),
            Throws.TypeOf<DatasetFormatException>().With.Message.StartsWith("/cut.JPEG:").And.Message.Contains("truncated"));
        Assert.That(() => ImageFileDecoder.Decode("/no/such/file.JPEG"),
            Throws.TypeOf<DatasetFormatException>().With.Message.StartsWith("/no/such/file.JPEG:"));
    }
}
