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

        /// <summary>When set, the integers are floor(fraction · bound) of these, in order, instead of <c>ints</c>.</summary>
        public double[]? IntFractions { get; init; }

        public int NextInt(int maxExclusive)
        {
            IntBounds.Add(maxExclusive);
            return IntFractions is { } f ? (int)(f[_i++] * maxExclusive) : ints[_i++];
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

    /// <summary>
    /// torchvision 0.15+ <c>RandomResizedCrop.get_params</c> transcribed line by line (torchvision is not installed here
    /// to run it), drawing from <paramref name="uniform"/> (torch.empty(1).uniform_ → u in [0, 1)) and
    /// <paramref name="randint"/> (torch.randint(0, n)):
    /// <code>
    /// area = height * width
    /// log_ratio = torch.log(torch.tensor(ratio))
    /// for _ in range(10):
    ///     target_area = area * torch.empty(1).uniform_(scale[0], scale[1]).item()
    ///     aspect_ratio = torch.exp(torch.empty(1).uniform_(log_ratio[0], log_ratio[1])).item()
    ///     w = int(round(math.sqrt(target_area * aspect_ratio)))
    ///     h = int(round(math.sqrt(target_area / aspect_ratio)))
    ///     if 0 &lt; w &lt;= width and 0 &lt; h &lt;= height:
    ///         i = torch.randint(0, height - h + 1, size=(1,)).item()
    ///         j = torch.randint(0, width - w + 1, size=(1,)).item()
    ///         return i, j, h, w
    /// in_ratio = float(width) / float(height)
    /// if in_ratio &lt; min(ratio): w = width; h = int(round(w / min(ratio)))
    /// elif in_ratio &gt; max(ratio): h = height; w = int(round(h * max(ratio)))
    /// else: w = width; h = height
    /// i = (height - h) // 2
    /// j = (width - w) // 2
    /// return i, j, h, w
    /// </code>
    /// (torch draws in float32; here in double, as the C# does: the random streams are ours in any case.)
    /// </summary>
    private static CropBox TorchvisionGetParams(int height, int width, double[] scale, double[] ratio, Func<double> uniform, Func<int, int> randint)
    {
        double area = height * width;
        double[] logRatio = [Math.Log(ratio[0]), Math.Log(ratio[1])];
        for (int attempt = 0; attempt < 10; attempt++)
        {
            double targetArea = area * (scale[0] + (scale[1] - scale[0]) * uniform());
            double aspectRatio = Math.Exp(logRatio[0] + (logRatio[1] - logRatio[0]) * uniform());
            int w = PythonRound(Math.Sqrt(targetArea * aspectRatio));
            int h = PythonRound(Math.Sqrt(targetArea / aspectRatio));
            if (0 < w && w <= width && 0 < h && h <= height)
            {
                int i = randint(height - h + 1);
                int j = randint(width - w + 1);
                return new CropBox(i, j, h, w);
            }
        }
        double inRatio = (double)width / height;
        int fw, fh;
        if (inRatio < ratio.Min())
        {
            fw = width;
            fh = PythonRound(fw / ratio.Min());
        }
        else if (inRatio > ratio.Max())
        {
            fh = height;
            fw = PythonRound(fh * ratio.Max());
        }
        else
        {
            fw = width;
            fh = height;
        }
        return new CropBox(FloorDiv(height - fh, 2), FloorDiv(width - fw, 2), fh, fw);
    }

    /// <summary>Python's round(): half to even.</summary>
    private static int PythonRound(double x)
    {
        double floor = Math.Floor(x), frac = x - floor;
        return (int)(frac > 0.5 || (frac == 0.5 && floor % 2 != 0) ? floor + 1 : floor);
    }

    private static int FloorDiv(int a, int b) => (int)Math.Floor((double)a / b);

    [Test]
    public void SampleBoxEqualsTorchvisionsGetParamsOnStoredImageShapes()
    {
        // Shapes of Resize(256) images (landscape, portrait, square, panoramas that force the fallback more often),
        // tiny ones where most attempts fail, and option ranges that make every attempt fail.
        (int H, int W)[] shapes = [(256, 341), (341, 256), (256, 256), (256, 1422), (2000, 256), (3, 5), (1, 9), (7, 2)];
        var settings = new[]
        {
            new RandomResizedCropOptions(),
            new RandomResizedCropOptions { MinScale = 0.9, MaxScale = 1, MinRatio = 0.2, MaxRatio = 0.3 },
            new RandomResizedCropOptions { MinScale = 0.5, MaxScale = 1, MinRatio = 3, MaxRatio = 5 },
        };
        int fallbacks = 0, cases = 0;
        foreach (var options in settings)
        {
            foreach (var (h, w) in shapes)
            {
                for (int seed = 0; seed < 300; seed++)
                {
                    // The same fixed random inputs for both: uniforms from one stream, integer fractions from another.
                    var draws = new SplitMix64Random(SeedMixer.Mix(h * 10007 + w, seed));
                    var doubles = Enumerable.Range(0, 20).Select(_ => draws.NextDouble()).ToArray();
                    var fractions = new[] { draws.NextDouble(), draws.NextDouble() };
                    int d = 0, k = 0;
                    var expected = TorchvisionGetParams(h, w, [options.MinScale, options.MaxScale], [options.MinRatio, options.MaxRatio],
                        () => doubles[d++], n => (int)(fractions[k++] * n));
                    var scripted = new ScriptedRandom(doubles, []) { IntFractions = fractions };
                    var box = ResizedCrop.SampleBox(h, w, options, scripted);
                    Assert.That(box, Is.EqualTo(expected), $"{h}x{w}, seed {seed}, {options}");
                    fallbacks += k == 0 ? 1 : 0;
                    cases++;
                }
            }
        }
        Assert.That(fallbacks, Is.InRange(cases / 4, cases - 1), "both the attempts and the fallback are exercised");
    }

    [Test]
    public void HandVerifiedBoxesOfANonSquareImage()
    {
        // 256 high × 341 wide. u = 1 − 2⁻⁵³ ≈ 1 → area 87,296, u = 0.5 → ratio 1: side round(295.46) = 295 > 256, rejected;
        // then u = 0.5 → area 0.54 · 87,296 = 47,139.84, ratio 1 → side round(217.12) = 217, placed at int draws 3, 100.
        var rng = new ScriptedRandom([1 - Math.Pow(2, -53), 0.5, 0.5, 0.5], [3, 100]);
        Assert.That(ResizedCrop.SampleBox(256, 341, new RandomResizedCropOptions(), rng), Is.EqualTo(new CropBox(3, 100, 217, 217)));
        Assert.That(rng.IntBounds, Is.EqualTo(new[] { 256 - 217 + 1, 341 - 217 + 1 }));
        // A 256×1422 panorama (ratio 5.55) with scale 1 never fits: the central crop of ratio 4/3, round(341.33) = 341 wide.
        var never = new ScriptedRandom(Enumerable.Repeat(0.7, 20).ToArray(), []);
        var full = new RandomResizedCropOptions { MinScale = 1, MaxScale = 1 };
        Assert.That(ResizedCrop.SampleBox(256, 1422, full, never), Is.EqualTo(new CropBox(0, (1422 - 341) / 2, 256, 341)));
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
