using DyTox.Data;
using DyTox.Data.Augmentation;

namespace DyTox.Model.Tests.Data;

public class AugmentationTests
{
    private static ByteImage Ramp(int h, int w, int c)
    {
        var img = new ByteImage(h, w, c);
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int k = 0; k < c; k++)
                {
                    img[y, x, k] = (byte)((y * 16 + x * 3 + k * 50) % 256);
                }
            }
        }
        return img;
    }

    /// <summary>A random source that replays fixed values (to pin down branches).</summary>
    private sealed class Scripted(double[] doubles, int[] ints, double[] gaussians) : IRandomSource
    {
        private int _d, _i, _g;
        public double NextDouble() => doubles[_d++];
        public int NextInt(int maxExclusive) => ints[_i++];
        public double NextGaussian() => gaussians[_g++];
    }

    [Test]
    public void CropWithZeroPaddingShiftsTheImage()
    {
        var img = Ramp(4, 4, 1);
        var crop = CropFlip.Crop(img, 4, 2, top: 1, left: 3);
        // output (y, x) = input (y - 1, x + 1); row 0 is padding
        Assert.That(crop[0, 0, 0], Is.EqualTo(0));
        Assert.That(crop[1, 0, 0], Is.EqualTo(img[0, 1, 0]));
        Assert.That(crop[2, 2, 0], Is.EqualTo(img[1, 3, 0]));
        Assert.That(crop[2, 3, 0], Is.EqualTo(0)); // right padding
        var random = CropFlip.RandomCrop(img, 4, 2, new Scripted([], [2, 2], []));
        Assert.That(random.Data, Is.EqualTo(img.Data)); // offset (2, 2) = no shift
    }

    [Test]
    public void FlipMirrorsRowsAndKeepsChannels()
    {
        var img = Ramp(2, 3, 3);
        var f = CropFlip.HorizontalFlip(img);
        Assert.That(f[1, 0, 2], Is.EqualTo(img[1, 2, 2]));
        Assert.That(CropFlip.RandomHorizontalFlip(img, new Scripted([0.7], [], [])), Is.SameAs(img));
    }

    [Test]
    public void PointOpsFollowPil()
    {
        var img = new ByteImage([0, 100, 127, 128, 200, 255], 1, 6, 1);
        Assert.That(PixelOps.Invert(img).Data, Is.EqualTo(new byte[] { 255, 155, 128, 127, 55, 0 }));
        Assert.That(PixelOps.Posterize(img, 1).Data, Is.EqualTo(new byte[] { 0, 0, 0, 128, 128, 128 }));
        Assert.That(PixelOps.Solarize(img, 128).Data, Is.EqualTo(new byte[] { 0, 100, 127, 127, 55, 0 }));
        Assert.That(PixelOps.SolarizeAdd(img, 99).Data, Is.EqualTo(new byte[] { 99, 199, 226, 128, 200, 255 }));
        Assert.That(PixelOps.Brightness(img, 0.5).Data, Is.EqualTo(new byte[] { 0, 50, 63, 64, 100, 127 }));
    }

    [Test]
    public void AutoContrastStretchesEachChannel()
    {
        var img = new ByteImage([50, 10, 7, 100, 20, 7, 150, 30, 7], 1, 3, 3);
        var r = PixelOps.AutoContrast(img);
        // channel 0: 50..150 → 0..255; channel 1: 10..30 → 0..255; constant channel 2 unchanged
        Assert.That(r.Data, Is.EqualTo(new byte[] { 0, 0, 7, 127, 127, 7, 255, 255, 7 }));
    }

    [Test]
    public void EqualizeSpreadsAHistogram()
    {
        var data = Enumerable.Range(0, 1024).Select(i => (byte)(i / 16 + 100)).ToArray(); // 64 levels 100..163
        var r = PixelOps.Equalize(new ByteImage(data, 32, 32, 1));
        // PIL: step = (1024 − 16) // 255 = 3, lut[100] = 1 // 3 = 0, lut[101] = 17 // 3 = 5, upper levels clip at 255
        Assert.That(r.Data[0], Is.EqualTo(0));
        Assert.That(r.Data[16], Is.EqualTo(5));
        Assert.That(r.Data.Max(), Is.EqualTo(255));
        Assert.That(r.Data, Is.Ordered.Ascending);
    }

    [Test]
    public void ContrastZeroGivesTheMeanGrey_ColorZeroGivesLuma()
    {
        var img = new ByteImage([255, 0, 0, 0, 0, 255], 1, 2, 3);
        var grey = PixelOps.Color(img, 0);
        Assert.That(grey.Data, Is.EqualTo(new byte[] { 76, 76, 76, 29, 29, 29 }));
        var flat = PixelOps.Contrast(img, 0);
        Assert.That(flat.Data, Is.All.EqualTo((byte)53)); // mean of 76 and 29, rounded
        var one = new ByteImage([10, 20], 1, 2, 1);
        Assert.That(PixelOps.Color(one, 0).Data, Is.EqualTo(one.Data));
    }

    [TestCase(Interpolation.Bicubic)]
    [TestCase(Interpolation.Bilinear)]
    [TestCase(Interpolation.Nearest)]
    public void IntegerTranslationMovesPixelsAndFills(Interpolation interpolation)
    {
        var img = Ramp(5, 5, 3);
        byte[] fill = [124, 116, 104];
        var t = AffineWarp.TranslateX(img, 2, fill, interpolation);
        Assert.That(t[3, 1, 1], Is.EqualTo(img[3, 3, 1]));
        Assert.That(t[3, 2, 0], Is.EqualTo(img[3, 4, 0]));
        Assert.That(new[] { t[3, 3, 0], t[3, 3, 1], t[3, 3, 2] }, Is.EqualTo(fill));
        var zeroShear = AffineWarp.ShearY(img, 0, fill, interpolation);
        Assert.That(zeroShear.Data, Is.EqualTo(img.Data));
    }

    [Test]
    public void Rotate90MatchesPilDirection()
    {
        var img = Ramp(4, 4, 1);
        var r = AffineWarp.Rotate(img, 90, [0], Interpolation.Nearest);
        // PIL rotates counter-clockwise: output (y, x) = input (x, W-1-y)
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                Assert.That(r[y, x, 0], Is.EqualTo(img[x, 3 - y, 0]), $"({y},{x})");
            }
        }
    }

    [Test]
    public void RandAugmentDrawOrderAndSkips()
    {
        var ra = new RandAugment();
        var img = Ramp(6, 6, 3);
        // ops Invert (2) then Invert; first applied (0.2 <= 0.5) with magnitude 9, second skipped (0.9 > 0.5)
        var rng = new Scripted([0.2, 0.9], [2, 2], [0.0]);
        Assert.That(ra.Apply(img, rng).Data, Is.EqualTo(PixelOps.Invert(img).Data));
        // Both applied: invert twice is the identity
        var twice = ra.Apply(img, new Scripted([0.1, 0.3], [2, 2], [0.0, 0.0]));
        Assert.That(twice.Data, Is.EqualTo(img.Data));
    }

    [Test]
    public void RandAugmentLevelsAtMagnitudeTen()
    {
        var ra = new RandAugment();
        var img = new ByteImage([0, 100, 200], 1, 3, 1);
        var none = new Scripted([0.0], [], []);
        Assert.That(ra.ApplyOp(RandAugmentOp.PosterizeIncreasing, img, 10, none).Data, Is.All.EqualTo((byte)0));
        Assert.That(ra.ApplyOp(RandAugmentOp.SolarizeIncreasing, img, 10, none).Data, Is.EqualTo(new byte[] { 255, 155, 55 }));
        Assert.That(ra.ApplyOp(RandAugmentOp.SolarizeAdd, img, 10, none).Data, Is.EqualTo(new byte[] { 110, 210, 200 }));
        // Brightness at m=10, sign draw 0.9 > 0.5 → negative → factor max(0.1, 1 − 0.9) = 0.1
        Assert.That(ra.ApplyOp(RandAugmentOp.BrightnessIncreasing, img, 10, new Scripted([0.9], [], [])).Data,
            Is.EqualTo(new byte[] { 0, 10, 20 }));
    }

    [Test]
    public void EveryOpKeepsTheShapeForOneAndThreeChannels()
    {
        var ra = new RandAugment();
        foreach (int channels in new[] { 1, 3 })
        {
            var img = Ramp(9, 7, channels);
            foreach (var op in RandAugment.IncreasingOps)
            {
                var r = ra.ApplyOp(op, img, 9, new SplitMix64Random((int)op));
                Assert.That((r.Height, r.Width, r.Channels), Is.EqualTo((9, 7, channels)), op.ToString());
            }
        }
        Assert.That(RandAugment.IncreasingOps, Has.Length.EqualTo(15));
    }

    [Test]
    public void GeometricOpsFillWithTheImageNetMeanColour()
    {
        var ra = new RandAugment();
        var rgb = ra.ApplyOp(RandAugmentOp.TranslateXRel, Ramp(10, 10, 3), 10, new Scripted([0.0], [], []));
        // shift by +4.5 px: the right-most columns come from outside the image
        Assert.That(new[] { rgb[0, 9, 0], rgb[0, 9, 1], rgb[0, 9, 2] }, Is.EqualTo(new byte[] { 124, 116, 104 }));
        var grey = ra.ApplyOp(RandAugmentOp.TranslateYRel, Ramp(10, 10, 1), 10, new Scripted([0.9], [], []));
        Assert.That(grey[0, 0, 0], Is.EqualTo(117)); // negative shift: the top rows are filled with the luma of the mean
        var bilinear = new RandAugment(new RandAugmentOptions { Interpolation = Interpolation.Bilinear, Fill = [9] });
        Assert.That(bilinear.ApplyOp(RandAugmentOp.ShearX, Ramp(6, 6, 1), 10, new Scripted([0.0], [], []))[5, 5, 0], Is.EqualTo(9));
    }

    [Test]
    public void PipelineIsDeterministicPerSeedAndWorksForOneAndThreeChannels()
    {
        foreach (int channels in new[] { 1, 3 })
        {
            var ds = SyntheticImageDataset.Create(3, 2, 12, 12, channels, seed: 1);
            var norm = ImageNormalizer.FromDatasetStatistics(ds);
            var pipe = new AugmentationPipeline(AugmentationPreset.DyTox, norm, padding: 2);
            var a = new float[ds.ImageSize];
            var b = new float[ds.ImageSize];
            var c = new float[ds.ImageSize];
            long seed = AugmentationPipeline.SampleSeed(3, epoch: 1, position: 4);
            pipe.Transform(ds, 4, new SplitMix64Random(seed), a);
            pipe.Transform(ds, 4, new SplitMix64Random(seed), b);
            pipe.Transform(ds, 4, new SplitMix64Random(seed + 1), c);
            Assert.That(a, Is.EqualTo(b));
            Assert.That(a, Is.Not.EqualTo(c));
        }
    }

    [Test]
    public void NormalizerStatisticsOfTheDatasetGiveZeroMeanUnitStd()
    {
        var ds = SyntheticImageDataset.Create(4, 5, 8, 8, 1, seed: 2);
        var norm = ImageNormalizer.FromDatasetStatistics(ds);
        var all = new List<float>();
        var buf = new float[ds.ImageSize];
        for (int i = 0; i < ds.Count; i++)
        {
            norm.Normalize(ByteImage.FromDataset(ds, i), buf);
            all.AddRange(buf);
        }
        Assert.That(all.Average(), Is.EqualTo(0).Within(1e-4));
        Assert.That(Math.Sqrt(all.Select(v => (double)v * v).Average()), Is.EqualTo(1).Within(1e-3));
    }
}
