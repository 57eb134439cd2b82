using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        if (ch == 3 && interpolation == Interpolation.Bicubic && Avx2.IsSupported)
        {
            BicubicRgb(image, a, b, c, d, e, f, fill, result);
            return result;
        }
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

    /// <summary>
    /// <see cref="Affine"/> for RGB and bicubic (RandAugment's geometric ops on ImageNet and CIFAR), with the three channels
    /// side by side in the lanes of one vector: each tap reads its pixel's 3 bytes and the next pixel's first (a lane that
    /// is ignored), and the cubics run lane by lane with the scalar code's operations in its order, so the bytes are the
    /// scalar path's. A pixel whose last tap would read past the image (the image's last pixel) takes the scalar path.
    /// </summary>
    private static void BicubicRgb(ByteImage image, double a, double b, double c, double d, double e, double f, ReadOnlySpan<byte> fill,
                                   ByteImage result)
    {
        const int ch = 3;
        int h = image.Height, w = image.Width, stride = w * ch, limit = image.Data.Length - 3;
        ref byte src = ref MemoryMarshal.GetArrayDataReference(image.Data);
        ref byte dst = ref MemoryMarshal.GetArrayDataReference(result.Data);
        byte f0 = fill[0], f1 = fill[1], f2 = fill[2];
        for (int y = 0; y < h; y++)
        {
            double yo = y + 0.5;
            for (int x = 0; x < w; x++)
            {
                double xo = x + 0.5;
                double u = a * xo + b * yo + c;
                double v = d * xo + e * yo + f;
                int o = (y * w + x) * ch;
                if (u < 0 || u >= w || v < 0 || v >= h)
                {
                    Unsafe.Add(ref dst, o) = f0;
                    Unsafe.Add(ref dst, o + 1) = f1;
                    Unsafe.Add(ref dst, o + 2) = f2;
                    continue;
                }
                double sx = u - 0.5, sy = v - 0.5;
                int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
                double dx = sx - x0, dy = sy - y0;
                int c0 = Math.Clamp(x0 - 1, 0, w - 1) * ch, c1 = Math.Clamp(x0, 0, w - 1) * ch;
                int c2 = Math.Clamp(x0 + 1, 0, w - 1) * ch, c3 = Math.Clamp(x0 + 2, 0, w - 1) * ch;
                int r0 = Math.Clamp(y0 - 1, 0, h - 1) * stride, r1 = Math.Clamp(y0, 0, h - 1) * stride;
                int r2 = Math.Clamp(y0 + 1, 0, h - 1) * stride, r3 = Math.Clamp(y0 + 2, 0, h - 1) * stride;
                if (r3 + c3 >= limit) // taps are clamped, so r3 + c3 is the farthest; its 4-byte read must stay inside
                {
                    Sample(image, sx, sy, Interpolation.Bicubic, result.Data.AsSpan(o, ch));
                    continue;
                }
                var dxv = Vector256.Create(dx);
                var value = Cubic(RowOfTaps(ref src, r0, c0, c1, c2, c3, dxv), RowOfTaps(ref src, r1, c0, c1, c2, c3, dxv),
                                  RowOfTaps(ref src, r2, c0, c1, c2, c3, dxv), RowOfTaps(ref src, r3, c0, c1, c2, c3, dxv), Vector256.Create(dy));
                Unsafe.Add(ref dst, o) = ToByte(value.GetElement(0));
                Unsafe.Add(ref dst, o + 1) = ToByte(value.GetElement(1));
                Unsafe.Add(ref dst, o + 2) = ToByte(value.GetElement(2));
            }
        }
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

    private static Vector256<double> RowOfTaps(ref byte src, int row, int c0, int c1, int c2, int c3, Vector256<double> dx) =>
        Cubic(Taps(ref src, row + c0), Taps(ref src, row + c1), Taps(ref src, row + c2), Taps(ref src, row + c3), dx);

    // Bytes at..at+3 as doubles (lanes 0–2: a pixel's channels).
    private static Vector256<double> Taps(ref byte src, int at) =>
        Avx.ConvertToVector256Double(Sse41.ConvertToVector128Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, at))).AsByte()));

    /// <summary><see cref="Cubic(double, double, double, double, double)"/> lane by lane, the same operations in the same order.</summary>
    internal static Vector256<double> Cubic(Vector256<double> v1, Vector256<double> v2, Vector256<double> v3, Vector256<double> v4, Vector256<double> d)
    {
        var p1 = v2;
        var p2 = -v1 + v3;
        var p3 = Vector256.Create(2.0) * (v1 - v2) + v3 - v4;
        var p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }

    private static byte ToByte(double value) => (byte)Math.Clamp((int)Math.Round(value, MidpointRounding.AwayFromZero), 0, 255);

    /// <summary>PIL's transform bicubic polynomial (passes through v2 at d = 0 and v3 at d = 1).</summary>
    internal static double Cubic(double v1, double v2, double v3, double v4, double d)
    {
        double p1 = v2;
        double p2 = -v1 + v3;
        double p3 = 2 * (v1 - v2) + v3 - v4;
        double p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }

}
