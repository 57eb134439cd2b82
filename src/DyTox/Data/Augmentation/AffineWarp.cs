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
        Span<double> values = stackalloc double[ch];
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
                    fill.CopyTo(result.Data.AsSpan(o, ch));
                    continue;
                }
                Sample(image, u - 0.5, v - 0.5, interpolation, values);
                for (int k = 0; k < ch; k++)
                {
                    result.Data[o + k] = (byte)Math.Clamp((int)Math.Round(values[k], MidpointRounding.AwayFromZero), 0, 255);
                }
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

    private static void Sample(ByteImage image, double x, double y, Interpolation interpolation, Span<double> values)
    {
        int ch = image.Channels;
        switch (interpolation)
        {
            case Interpolation.Nearest:
            {
                int xi = Math.Clamp((int)Math.Floor(x + 0.5), 0, image.Width - 1);
                int yi = Math.Clamp((int)Math.Floor(y + 0.5), 0, image.Height - 1);
                for (int k = 0; k < ch; k++)
                {
                    values[k] = image[yi, xi, k];
                }
                return;
            }
            case Interpolation.Bilinear:
            {
                int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
                double dx = x - x0, dy = y - y0;
                int xa = ClampX(image, x0), xb = ClampX(image, x0 + 1);
                int ya = ClampY(image, y0), yb = ClampY(image, y0 + 1);
                for (int k = 0; k < ch; k++)
                {
                    double top = image[ya, xa, k] + dx * (image[ya, xb, k] - image[ya, xa, k]);
                    double bottom = image[yb, xa, k] + dx * (image[yb, xb, k] - image[yb, xa, k]);
                    values[k] = top + dy * (bottom - top);
                }
                return;
            }
            default:
            {
                int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
                double dx = x - x0, dy = y - y0;
                Span<double> rows = stackalloc double[4];
                for (int k = 0; k < ch; k++)
                {
                    for (int j = 0; j < 4; j++)
                    {
                        int yy = ClampY(image, y0 - 1 + j);
                        rows[j] = Cubic(
                            image[yy, ClampX(image, x0 - 1), k], image[yy, ClampX(image, x0), k],
                            image[yy, ClampX(image, x0 + 1), k], image[yy, ClampX(image, x0 + 2), k], dx);
                    }
                    values[k] = Cubic(rows[0], rows[1], rows[2], rows[3], dy);
                }
                return;
            }
        }
    }

    /// <summary>PIL's transform bicubic polynomial (passes through v2 at d = 0 and v3 at d = 1).</summary>
    private static double Cubic(double v1, double v2, double v3, double v4, double d)
    {
        double p1 = v2;
        double p2 = -v1 + v3;
        double p3 = 2 * (v1 - v2) + v3 - v4;
        double p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }

    private static int ClampX(ByteImage image, int x) => Math.Clamp(x, 0, image.Width - 1);

    private static int ClampY(ByteImage image, int y) => Math.Clamp(y, 0, image.Height - 1);
}
