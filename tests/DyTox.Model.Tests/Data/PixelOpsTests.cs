using System.Runtime.Intrinsics;
using DyTox.Data.Augmentation;

namespace DyTox.Model.Tests.Data;

/// <summary>The table-driven colour ops and Sharpness give byte for byte what plain per-value transcriptions of PIL's
/// rules give, on ragged 1- and 3-channel images.</summary>
public class PixelOpsTests
{
    private static IEnumerable<ByteImage> Images()
    {
        var rng = new Random(11);
        foreach (var (h, w, c) in new[] { (7, 9, 1), (13, 17, 3), (32, 32, 3), (5, 3, 3) })
        {
            var data = new byte[h * w * c];
            rng.NextBytes(data);
            yield return new ByteImage(data, h, w, c);
        }
    }

    private static byte[] Map(ByteImage image, Func<int, int, int> f) // (value, channel) → value
    {
        var result = new byte[image.Data.Length];
        for (int i = 0; i < result.Length; i++) result[i] = (byte)f(image.Data[i], i % image.Channels);
        return result;
    }

    [Test]
    public void TableOpsMatchPerValueRules()
    {
        foreach (var image in Images())
        {
            Assert.That(PixelOps.Invert(image).Data, Is.EqualTo(Map(image, (v, _) => 255 - v)));
            Assert.That(PixelOps.Posterize(image, 3).Data, Is.EqualTo(Map(image, (v, _) => v & 0xE0)));
            Assert.That(PixelOps.Solarize(image, 100).Data, Is.EqualTo(Map(image, (v, _) => v < 100 ? v : 255 - v)));
            Assert.That(PixelOps.SolarizeAdd(image, 40).Data, Is.EqualTo(Map(image, (v, _) => v < 128 ? Math.Min(255, v + 40) : v)));
            // AutoContrast: per channel, [min, max] stretched to [0, 255] with PIL's truncation.
            var lo = new int[image.Channels];
            var hi = new int[image.Channels];
            Array.Fill(lo, 255);
            for (int i = 0; i < image.Data.Length; i++)
            {
                lo[i % image.Channels] = Math.Min(lo[i % image.Channels], image.Data[i]);
                hi[i % image.Channels] = Math.Max(hi[i % image.Channels], image.Data[i]);
            }
            Assert.That(PixelOps.AutoContrast(image).Data, Is.EqualTo(Map(image, (v, c) =>
                hi[c] <= lo[c] ? v : Math.Clamp((int)(v * (255.0 / (hi[c] - lo[c])) + -lo[c] * (255.0 / (hi[c] - lo[c]))), 0, 255))));
        }
    }

    [Test]
    public void SharpnessMatchesThePlainThreeByThreeSmooth([Values(0.1, 1.8)] double factor)
    {
        foreach (var image in Images())
        {
            var smooth = image.Clone();
            for (int y = 1; y < image.Height - 1; y++)
                for (int x = 1; x < image.Width - 1; x++)
                    for (int c = 0; c < image.Channels; c++)
                    {
                        int sum = 0;
                        for (int dy = -1; dy <= 1; dy++)
                            for (int dx = -1; dx <= 1; dx++)
                                sum += (dx == 0 && dy == 0 ? 5 : 1) * image[y + dy, x + dx, c];
                        smooth[y, x, c] = (byte)Math.Clamp((int)(sum / 13.0 + 0.5), 0, 255);
                    }
            Assert.That(PixelOps.Sharpness(image, factor).Data, Is.EqualTo(PixelOps.Blend(smooth, image, factor).Data),
                        $"{image.Height}x{image.Width}x{image.Channels}");
        }
    }

    /// <summary>Blend on vector lanes gives the scalar loop's bytes: about half a million values with random degenerate
    /// images and factors (inside [0, 1], extrapolating up to 2, and negative: both clamps), ragged lengths for the scalar
    /// tail.</summary>
    [Test]
    public void BlendLanesGiveTheScalarLoopsBytes()
    {
        var rng = new Random(23);
        bool saved = PixelOps.BlendLanes;
        try
        {
            for (int trial = 0; trial < 20; trial++)
            {
                int h = rng.Next(1, 300), w = rng.Next(1, 60);
                var a = new byte[h * w * 3];
                var b = new byte[a.Length];
                rng.NextBytes(a);
                rng.NextBytes(b);
                var image = new ByteImage(a, h, w, 3);
                var degenerate = new ByteImage(b, h, w, 3);
                double factor = trial % 4 == 3 ? -rng.NextDouble() : rng.NextDouble() * 2;
                PixelOps.BlendLanes = true;
                var lanes = PixelOps.Blend(degenerate, image, factor).Data;
                PixelOps.BlendLanes = false;
                var scalar = PixelOps.Blend(degenerate, image, factor).Data;
                Assert.That(lanes, Is.EqualTo(scalar), $"trial {trial}: {h}x{w}x3, factor {factor}");
            }
        }
        finally { PixelOps.BlendLanes = saved; }
    }

    /// <summary>The vector Sharpness smooth's integer rounding equals the scalar (int)(sum / 13.0 + 0.5) for every sum a
    /// 3×3 [1 1 1; 1 5 1; 1 1 1] window of bytes can give.</summary>
    [Test]
    public void TheSmoothsIntegerRoundingIsTheDoubleOneForEverySum()
    {
        for (int sum = 0; sum <= 13 * 255; sum += 8)
        {
            var lanes = Vector256.Create(sum, sum + 1, sum + 2, sum + 3, sum + 4, sum + 5, sum + 6, sum + 7);
            var rounded = PixelOps.SmoothRound(lanes);
            for (int k = 0; k < 8 && sum + k <= 13 * 255; k++)
                Assert.That(rounded.GetElement(k), Is.EqualTo((int)((sum + k) / 13.0 + 0.5)), $"sum {sum + k}");
        }
    }

    [Test]
    public void SharpnessOnLanesGivesTheScalarLoopsBytes([Values(0.1, 1.8)] double factor)
    {
        var rng = new Random(29);
        bool saved = PixelOps.BlendLanes;
        try
        {
            for (int trial = 0; trial < 10; trial++)
            {
                int h = rng.Next(3, 80), w = rng.Next(3, 80), c = trial % 3 == 0 ? 1 : 3;
                var data = new byte[h * w * c];
                rng.NextBytes(data);
                if (trial == 9) Array.Fill(data, (byte)255); // the largest sums
                var image = new ByteImage(data, h, w, c);
                PixelOps.BlendLanes = true;
                var lanes = PixelOps.Sharpness(image, factor).Data;
                PixelOps.BlendLanes = false;
                Assert.That(lanes, Is.EqualTo(PixelOps.Sharpness(image, factor).Data), $"trial {trial}: {h}x{w}x{c}");
            }
        }
        finally { PixelOps.BlendLanes = saved; }
    }
}
