using DyTox.Data;
using DyTox.Data.Augmentation;

namespace DyTox.Model.Tests.Data;

public class ResizedCropTests
{
    /// <summary>Returns queued values, so a test can follow torchvision's draw order exactly.</summary>
    private sealed class ScriptedRandom(double[] doubles, int[] ints) : IRandomSource
    {
        private int _d, _i;
        public List<int> IntBounds { get; } = [];

        public double NextDouble() => doubles[_d++];

        public int NextInt(int maxExclusive)
        {
            IntBounds.Add(maxExclusive);
            return ints[_i++];
        }

        public double NextGaussian() => throw new NotSupportedException();
    }

    [Test]
    public void FollowsTorchvisionGetParams()
    {
        // 200 high × 300 wide; u = 0 → area 0.08 · 60000 = 4800; u = 0.5 → log-ratio 0 → ratio 1; side round(69.28) = 69.
        var rng = new ScriptedRandom([0.0, 0.5], [5, 7]);
        var box = ResizedCrop.SampleBox(200, 300, new RandomResizedCropOptions(), rng);
        Assert.That(box, Is.EqualTo(new CropBox(5, 7, 69, 69)));
        Assert.That(rng.IntBounds, Is.EqualTo(new[] { 200 - 69 + 1, 300 - 69 + 1 })); // top drawn first, both ends inclusive
    }

    [Test]
    public void FallsBackToTheCentralCropWithTheRatioClamped()
    {
        // Ratios 2–3 never fit a square at full area: ten failed attempts (20 uniforms), then the central 40×20 crop.
        var options = new RandomResizedCropOptions { MinScale = 1, MaxScale = 1, MinRatio = 2, MaxRatio = 3 };
        var rng = new ScriptedRandom(Enumerable.Repeat(0.3, 20).ToArray(), []);
        Assert.That(ResizedCrop.SampleBox(40, 40, options, rng), Is.EqualTo(new CropBox(10, 0, 20, 40)));
        Assert.That(rng.IntBounds, Is.Empty);
    }

    [Test]
    public void RandomBoxesRespectScaleRatioAndBounds()
    {
        var options = new RandomResizedCropOptions();
        var rng = new SplitMix64Random(11);
        double minArea = 1, maxArea = 0;
        for (int i = 0; i < 2000; i++)
        {
            var b = ResizedCrop.SampleBox(64, 64, options, rng);
            Assert.That(b.Top >= 0 && b.Left >= 0 && b.Top + b.Height <= 64 && b.Left + b.Width <= 64, $"{b}");
            double area = b.Height * b.Width / 4096.0;
            double ratio = (double)b.Width / b.Height;
            minArea = Math.Min(minArea, area);
            maxArea = Math.Max(maxArea, area);
            // Rounding each side to an integer moves area and ratio a little past the sampled range.
            Assert.That(area, Is.InRange(0.08 * 0.85, 1.0), $"{b}");
            Assert.That(ratio, Is.InRange(0.75 * 0.9, 4.0 / 3.0 / 0.9), $"{b}");
        }
        Assert.That(minArea, Is.LessThan(0.1));
        Assert.That(maxArea, Is.GreaterThan(0.9));
    }

    [Test]
    public void SameSeedSameCropAndPixels()
    {
        var image = new ByteImage(64, 64, 3);
        for (int i = 0; i < image.Data.Length; i++)
        {
            image.Data[i] = (byte)(i * 31 % 251);
        }
        var options = new RandomResizedCropOptions();
        var a = ResizedCrop.RandomResizedCrop(image, 56, options, new SplitMix64Random(5));
        var b = ResizedCrop.RandomResizedCrop(image, 56, options, new SplitMix64Random(5));
        var c = ResizedCrop.RandomResizedCrop(image, 56, options, new SplitMix64Random(6));
        Assert.That(a.Height, Is.EqualTo(56));
        Assert.That(a.Width, Is.EqualTo(56));
        Assert.That(a.Data, Is.EqualTo(b.Data));
        Assert.That(a.Data, Is.Not.EqualTo(c.Data));
    }

    [Test]
    public void ResizeAndCenterCropGeometryIsTorchvisions()
    {
        Assert.That(ResizedCrop.ShorterSideTo(375, 500, 256), Is.EqualTo((256, 341)));
        Assert.That(ResizedCrop.ShorterSideTo(500, 375, 256), Is.EqualTo((341, 256)));
        Assert.That(ResizedCrop.ShorterSideTo(300, 300, 256), Is.EqualTo((256, 256)));
        // round((341 − 256) / 2) = round(42.5) = 42 (Python rounds half to even), round(17.5) = 18.
        Assert.That(ResizedCrop.CenterBox(256, 341, 256, 256), Is.EqualTo(new CropBox(0, 42, 256, 256)));
        Assert.That(ResizedCrop.CenterBox(259, 256, 224, 224), Is.EqualTo(new CropBox(18, 16, 224, 224)));
        Assert.That(() => ResizedCrop.CenterBox(200, 300, 224, 224), Throws.ArgumentException.With.Message.Contains("does not fit"));
    }

    [Test]
    public void CentreCrop224OfTheCached256EqualsTheOriginalsResizeAndCrop()
    {
        // The test transform crops 224 out of the cache's CenterCrop(256) of Resize(256): the same window of the
        // resized image as the original's CenterCrop(224), for every long side.
        for (int longSide = 256; longSide < 700; longSide++)
        {
            var cached = ResizedCrop.CenterBox(256, longSide, 256, 256);
            var inCache = ResizedCrop.CenterBox(256, 256, 224, 224);
            var original = ResizedCrop.CenterBox(256, longSide, 224, 224);
            Assert.That(cached.Left + inCache.Left, Is.EqualTo(original.Left), $"long side {longSide}");
            Assert.That(cached.Top + inCache.Top, Is.EqualTo(original.Top), $"long side {longSide}");
        }
    }

    [Test]
    public void PipelinesCropTheLargeImagesAndLeaveTheSmallOnesAlone()
    {
        var normalizer = new ImageNormalizer(ImageNormalizer.ImageNetMean, ImageNormalizer.ImageNetStd);
        var image = new ByteImage(64, 64, 3);
        for (int i = 0; i < image.Data.Length; i++)
        {
            image.Data[i] = (byte)(i * 7 % 256);
        }
        var test = AugmentationPipeline.WithResizedCrop(AugmentationPreset.None, normalizer, 56);
        var centre = test.Augment(image, new SplitMix64Random(1));
        Assert.That(test.OutputShape(64, 64), Is.EqualTo((56, 56)));
        Assert.That(centre[0, 0, 0], Is.EqualTo(image[4, 4, 0]));
        Assert.That(centre[55, 55, 2], Is.EqualTo(image[59, 59, 2]));

        var train = AugmentationPipeline.WithResizedCrop(AugmentationPreset.DyTox, normalizer, 56);
        Assert.That(train.RandAugment, Is.Not.Null);
        var a = train.Augment(image, new SplitMix64Random(9));
        var b = train.Augment(image, new SplitMix64Random(9));
        Assert.That((a.Height, a.Width, a.Channels), Is.EqualTo((56, 56, 3)));
        Assert.That(a.Data, Is.EqualTo(b.Data));

        var small = new AugmentationPipeline(AugmentationPreset.DyTox, normalizer);
        Assert.That(small.OutputShape(32, 32), Is.EqualTo((32, 32)));
        Assert.That(small.OutputSize, Is.Null);
    }
}
