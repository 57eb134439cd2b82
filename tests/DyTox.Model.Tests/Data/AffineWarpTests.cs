using System.Runtime.Intrinsics;
using DyTox.Data.Augmentation;

namespace DyTox.Model.Tests.Data;

/// <summary>AffineWarp (RandAugment's Rotate, Shear, Translate) gives byte for byte what the plain transcription of
/// PIL's loops gives (the reference below: per channel and tap, indexer reads and clamps), on ragged images with 1 and 3
/// channels, every interpolation, and transforms that reach outside the image (fill) and its borders (clamped taps).</summary>
public class AffineWarpTests
{
    [Test]
    public void MatchesThePlainTranscriptionByteForByte([Values(Interpolation.Bicubic, Interpolation.Bilinear, Interpolation.Nearest)] Interpolation interpolation,
                                                        [Values(1, 3)] int channels)
    {
        var rng = new Random(7 + channels);
        foreach (var (h, w) in new[] { (23, 31), (32, 32), (57, 40) })
        {
            var data = new byte[h * w * channels];
            rng.NextBytes(data);
            var image = new ByteImage(data, h, w, channels);
            byte[] fill = Enumerable.Range(0, channels).Select(c => (byte)(100 + c)).ToArray();
            for (int trial = 0; trial < 6; trial++)
            {
                double angle = rng.NextDouble() * 60 - 30, shear = rng.NextDouble() * 0.6 - 0.3, shift = rng.NextDouble() * 0.9 * w - 0.45 * w;
                var cases = new (string Name, ByteImage Actual, ByteImage Expected)[]
                {
                    ("rotate", AffineWarp.Rotate(image, angle, fill, interpolation), ReferenceRotate(image, angle, fill, interpolation)),
                    ("shearX", AffineWarp.ShearX(image, shear, fill, interpolation), Reference(image, 1, shear, 0, 0, 1, 0, fill, interpolation)),
                    ("shearY", AffineWarp.ShearY(image, shear, fill, interpolation), Reference(image, 1, 0, 0, shear, 1, 0, fill, interpolation)),
                    ("translateX", AffineWarp.TranslateX(image, shift, fill, interpolation), Reference(image, 1, 0, shift, 0, 1, 0, fill, interpolation)),
                    ("translateY", AffineWarp.TranslateY(image, shift, fill, interpolation), Reference(image, 1, 0, 0, 0, 1, shift, fill, interpolation)),
                };
                foreach (var (name, actual, expected) in cases)
                    Assert.That(actual.Data, Is.EqualTo(expected.Data), $"{name} {h}x{w}x{channels} trial {trial}");
            }
        }
    }

    /// <summary>The vector cubic of the RGB path is the scalar cubic lane by lane, to the bit (a fused multiply-add or a
    /// reordered sum would differ in the last bits, which rounding to bytes almost never shows).</summary>
    [Test]
    public void TheVectorCubicIsTheScalarCubicToTheBit()
    {
        var rng = new Random(3);
        for (int i = 0; i < 20000; i++)
        {
            double[] v = [.. Enumerable.Range(0, 16).Select(_ => (double)rng.Next(256))];
            double d = rng.NextDouble();
            var lanes = AffineWarp.Cubic(Vector256.Create(v[0], v[1], v[2], v[3]), Vector256.Create(v[4], v[5], v[6], v[7]),
                                         Vector256.Create(v[8], v[9], v[10], v[11]), Vector256.Create(v[12], v[13], v[14], v[15]),
                                         Vector256.Create(d));
            for (int k = 0; k < 4; k++)
                Assert.That(BitConverter.DoubleToInt64Bits(lanes.GetElement(k)), Is.EqualTo(BitConverter.DoubleToInt64Bits(AffineWarp.Cubic(v[k], v[4 + k], v[8 + k], v[12 + k], d))), $"sample {i}, lane {k}");
        }
    }

    private static ByteImage ReferenceRotate(ByteImage image, double degrees, byte[] fill, Interpolation interpolation)
    {
        double angle = -(degrees % 360.0) * Math.PI / 180.0;
        double cos = Math.Round(Math.Cos(angle), 15), sin = Math.Round(Math.Sin(angle), 15);
        double a = cos, b = sin, d = -sin, e = cos;
        double cx = image.Width / 2.0, cy = image.Height / 2.0;
        return Reference(image, a, b, a * -cx + b * -cy + cx, d, e, d * -cx + e * -cy + cy, fill, interpolation);
    }

    private static ByteImage Reference(ByteImage image, double a, double b, double c, double d, double e, double f, byte[] fill, Interpolation interpolation)
    {
        int h = image.Height, w = image.Width, ch = image.Channels;
        var result = new ByteImage(h, w, ch);
        var values = new double[ch];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double xo = x + 0.5, yo = y + 0.5;
                double u = a * xo + b * yo + c, v = d * xo + e * yo + f;
                int o = (y * w + x) * ch;
                if (u < 0 || u >= w || v < 0 || v >= h)
                {
                    fill.CopyTo(result.Data.AsSpan(o, ch));
                    continue;
                }
                Sample(image, u - 0.5, v - 0.5, interpolation, values);
                for (int k = 0; k < ch; k++) result.Data[o + k] = (byte)Math.Clamp((int)Math.Round(values[k], MidpointRounding.AwayFromZero), 0, 255);
            }
        return result;
    }

    private static void Sample(ByteImage image, double x, double y, Interpolation interpolation, double[] values)
    {
        int X(int v) => Math.Clamp(v, 0, image.Width - 1);
        int Y(int v) => Math.Clamp(v, 0, image.Height - 1);
        for (int k = 0; k < image.Channels; k++)
        {
            if (interpolation == Interpolation.Nearest)
            {
                values[k] = image[Y((int)Math.Floor(y + 0.5)), X((int)Math.Floor(x + 0.5)), k];
                continue;
            }
            int x0 = (int)Math.Floor(x), y0 = (int)Math.Floor(y);
            double dx = x - x0, dy = y - y0;
            if (interpolation == Interpolation.Bilinear)
            {
                double top = image[Y(y0), X(x0), k] + dx * (image[Y(y0), X(x0 + 1), k] - image[Y(y0), X(x0), k]);
                double bottom = image[Y(y0 + 1), X(x0), k] + dx * (image[Y(y0 + 1), X(x0 + 1), k] - image[Y(y0 + 1), X(x0), k]);
                values[k] = top + dy * (bottom - top);
                continue;
            }
            var rows = new double[4];
            for (int j = 0; j < 4; j++)
            {
                int yy = Y(y0 - 1 + j);
                rows[j] = Cubic(image[yy, X(x0 - 1), k], image[yy, X(x0), k], image[yy, X(x0 + 1), k], image[yy, X(x0 + 2), k], dx);
            }
            values[k] = Cubic(rows[0], rows[1], rows[2], rows[3], dy);
        }
    }

    private static double Cubic(double v1, double v2, double v3, double v4, double d)
    {
        double p1 = v2, p2 = -v1 + v3, p3 = 2 * (v1 - v2) + v3 - v4, p4 = -v1 + v2 - v3 + v4;
        return p1 + d * (p2 + d * (p3 + d * p4));
    }
}
