using SkiaSharp;

namespace DyTox.Data;

/// <summary>Decoded pixels, 4 bytes per pixel in R, G, B, A order (A is ignored by everything downstream).</summary>
public sealed record RgbaPixels(byte[] Data, int Height, int Width)
{
    public const int Stride = 4;
}

/// <summary>
/// Decodes an image file (JPEG, PNG, and whatever else Skia's codecs sniff from the content, not the file name)
/// into 8-bit RGBA. Grayscale becomes R = G = B, CMYK/YCCK JPEGs are converted by Skia, alpha is left unpremultiplied
/// (so RGB are the stored values, as PIL's <c>convert("RGB")</c> would give). Like PIL (and so torchvision), the
/// EXIF orientation is not applied and embedded colour profiles are not converted. A truncated file is an error.
/// </summary>
public static class ImageFileDecoder
{
    public static RgbaPixels Decode(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DatasetFormatException(path, $"cannot read the image file: {e.Message}", e);
        }
        return Decode(path, bytes);
    }

    /// <summary>Decodes <paramref name="bytes"/>; <paramref name="path"/> only names the image in errors.</summary>
    public static RgbaPixels Decode(string path, byte[] bytes)
    {
        const string Expected = "expected a JPEG or PNG image (ImageNet's format)";
        if (bytes.Length == 0)
        {
            throw new DatasetFormatException(path, $"the file is empty; {Expected}.");
        }
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            throw new DatasetFormatException(path, $"not a decodable image ({bytes.Length} bytes); {Expected}.");
        }
        int width = codec.Info.Width, height = codec.Info.Height;
        if (width <= 0 || height <= 0)
        {
            throw new DatasetFormatException(path, $"the {codec.EncodedFormat} header gives a {width}x{height} image.");
        }
        // No colour space in the target info: Skia then copies the stored values without colour management.
        var info = new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var pixels = new byte[(long)width * height * RgbaPixels.Stride];
        SKCodecResult result;
        unsafe
        {
            fixed (byte* p = pixels)
            {
                result = codec.GetPixels(info, (IntPtr)p);
            }
        }
        if (result != SKCodecResult.Success)
        {
            string why = result == SKCodecResult.IncompleteInput ? "the file is truncated" : $"Skia reports {result}";
            throw new DatasetFormatException(path, $"cannot decode the {codec.EncodedFormat} image ({width}x{height}): {why}; {Expected}.");
        }
        return new RgbaPixels(pixels, height, width);
    }
}
