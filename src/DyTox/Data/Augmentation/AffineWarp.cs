using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DyTox.Data.Augmentation;

/// <summary>Resampling filter for the geometric RandAugment operations.</summary>
public enum Interpolation
{
    /// <summary>PIL's affine bicubic (cubic convolution with a = −1 over 4×4 neighbours). DyTox's choice.</summary>
    Bicubic,
    Bilinear,
    Nearest,
}

/// <summary>
/// Inverse affine warps with PIL's <c>Image.transform(AFFINE)</c> conventions: the coefficients
/// (a, b, c, d, e, f) map an output pixel centre (x + ½, y + ½) to the input point
/// (a·x' + b·y' + c, d·x' + e·y' + f); points outside the input get the fill colour; inside points are
/// sampled around (u − ½, v − ½) with neighbour indices clamped to the border. Results are rounded to the
/// nearest integer and clamped (PIL truncates in some filters; bit parity with PIL is not a goal).
/// </summary>
public static class AffineWarp
{
    public static ByteImage Affine(
        ByteImage image, double a, double b, double c, double d, double e, double f,
        ReadOnlySpan<byte> fill, Interpolation interpolation)
    {
        if (fill.Length != image.Channels)
        {
            throw new ArgumentException($"fill colour has {fill.Length} values for a {image.Channels}-channel image.");
        }
        int h = image.Height, w = image.Width, ch = image.Channels;
        var result = new ByteImage(h, w, ch);
        var output = result.Data.AsSpan();
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                double xo = x + 0.5, yo = y + 0.5;
                double u = a * xo + b * yo + c;
                double v = d * xo + e * yo + f;
                int o = (y * w + x) * ch;
                if (u < 0 || u >= w || v < 0 || v >= h)
                {
                    fill.CopyTo(output.Slice(o, ch));
                    continue;
                }
                Sample(image, u - 0.5, v - 0.5, interpolation, output.Slice(o, ch));
            }
        }
        return result;
    }

    /// <summary>PIL <c>rotate(degrees)</c> about the image centre (counter-clockwise for positive angles).</summary>
    public static ByteImage Rotate(ByteImage image, double degrees, ReadOnlySpan<byte> fill, Interpolation interpolation)
    {
        double angle = -(degrees % 360.0) * Math.PI / 180.0;
        double cos = Math.Round(Math.Cos(angle), 15), sin = Math.Round(Math.Sin(angle), 15);
        double a = cos, b = sin, d = -sin, e = cos;
        double cx = image.Width / 2.0, cy = image.Height / 2.0;
        double c = a * -cx + b * -cy + cx;
        double f = d * -cx + e * -cy + cy;
        return Affine(image, a, b, c, d, e, f, fill, interpolation);
    }

    public static ByteImage ShearX(ByteImage image, double factor, ReadOnlySpan<byte> fill, Interpolation interpolation) =>
        Affine(image, 1, factor, 0, 0, 1, 0, fill, interpolation);

    public static ByteImage ShearY(ByteImage image, double factor, ReadOnlySpan<byte> fill, Interpolation interpolation) =>
        Affine(image, 1, 0, 0, factor, 1, 0, fill, interpolation);

    /// <summary>Output pixel x shows input x + <paramref name="pixels"/> (PIL affine (1, 0, px, 0, 1, 0)).</summary>
    public static ByteImage TranslateX(ByteImage image, double pixels, ReadOnlySpan<byte> fill, Interpolation interpolation) =>
        Affine(image, 1, 0, pixels, 0, 1, 0, fill, interpolation);

    public static ByteImage TranslateY(ByteImage image, double pixels, ReadOnlySpan<byte> fill, Interpolation interpolation) =>
        Affine(image, 1, 0, 0, 0, 1, pixels, fill, interpolation);

    // One output pixel (all channels) sampled around (x, y) of the input, rounded half away from zero and clamped to a
    // byte. The arithmetic is the plain transcription's (per channel: four row cubics in dx, then one in dy), only the
    // neighbour offsets are computed once per pixel instead of once per channel and tap.
    private static void Sample(ByteImage image, double x, double y, Interpolation interpolation, Span<byte> output)
    {
        int ch = image.Channels, w = image.Width, h = image.Height, stride = w * ch;
        ref byte src = ref MemoryMarshal.GetArrayDataReference(image.Data);
        switch (interpolation)
        {
            case Interpolation.Nearest:
            {
                int xi = Math.Clamp((int)Math.Floor(x + 0.5), 0, w - 1);
                int yi = Math.Clamp((int)Math.Floor(y + 0.5), 0, h - 1);
                int at = yi * stride + xi * ch;
                for (int k = 0; k < ch; k++) output[k] = ToByte(Unsafe.Add(ref src, at + k));
                return;
            }
            case Interpolation.Bilinear:
            {
                int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
                double dx = x - x0, dy = y - y0;
                int xa = Math.Clamp(x0, 0, w - 1) * ch, xb = Math.Clamp(x0 + 1, 0, w - 1) * ch;
                int ya = Math.Clamp(y0, 0, h - 1) * stride, yb = Math.Clamp(y0 + 1, 0, h - 1) * stride;
                for (int k = 0; k < ch; k++)
                {
                    double aa = Unsafe.Add(ref src, ya + xa + k), ab = Unsafe.Add(ref src, ya + xb + k);
                    double ba = Unsafe.Add(ref src, yb + xa + k), bb = Unsafe.Add(ref src, yb + xb + k);
                    double top = aa + dx * (ab - aa);
                    double bottom = ba + dx * (bb - ba);
                    output[k] = ToByte(top + dy * (bottom - top));
                }
                return;
            }
            default:
            {
                int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
                double dx = x - x0, dy = y - y0;
                int c0 = Math.Clamp(x0 - 1, 0, w - 1) * ch, c1 = Math.Clamp(x0, 0, w - 1) * ch;
                int c2 = Math.Clamp(x0 + 1, 0, w - 1) * ch, c3 = Math.Clamp(x0 + 2, 0, w - 1) * ch;
                int r0 = Math.Clamp(y0 - 1, 0, h - 1) * stride, r1 = Math.Clamp(y0, 0, h - 1) * stride;
                int r2 = Math.Clamp(y0 + 1, 0, h - 1) * stride, r3 = Math.Clamp(y0 + 2, 0, h - 1) * stride;
                for (int k = 0; k < ch; k++)
                {
                    double row0 = Row(ref src, r0 + k, c0, c1, c2, c3, dx), row1 = Row(ref src, r1 + k, c0, c1, c2, c3, dx);
                    double row2 = Row(ref src, r2 + k, c0, c1, c2, c3, dx), row3 = Row(ref src, r3 + k, c0, c1, c2, c3, dx);
                    output[k] = ToByte(Cubic(row0, row1, row2, row3, dy));
                }
                return;
            }
        }
    }

    private static double Row(ref byte src, int row, int c0, int c1, int c2, int c3, double dx) =>
        Cubic(Unsafe.Add(ref src, row + c0), Unsafe.Add(ref src, row + c1), Unsafe.Add(ref src, row + c2), Unsafe.Add(ref src, row + c3), dx);

    private static byte ToByte(double value) => (byte)Math.Clamp((int)Math.Round(value, MidpointRounding.AwayFromZero), 0, 255);

    /// <summary>PIL's transform bicubic polynomial (passes through v2 at d = 0 and v3 at d = 1).</summary>
    private static double Cubic(double v1, double v2, double v3, double v4, double d)
    {
        double p1 = v2;
        double p2 = -v1 + v3;
        double p3 = 2 * (v1 - v2) + v3 - v4;
        double p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }

}
