using DyTox.Data;
using DyTox.Data.Augmentation;

namespace DyTox.Model.Tests.Data;

/// <summary>torchvision's ColorJitter(b, b, b) as timm applies it without RandAugment (aa: "").</summary>
public class ColorJitterTests
{
    private static ByteImage Image(int channels)
    {
        var image = new ByteImage(6, 5, channels);
        for (int i = 0; i < image.Data.Length; i++) image.Data[i] = (byte)(37 * i % 251);
        return image;
    }

    [Test]
    public void AppliesBrightnessContrastAndSaturationInADrawnOrderWithDrawnFactors()
    {
        for (long seed = 0; seed < 20; seed++)
        {
            var jittered = ColorJitter.Apply(Image(3), 0.4, new SplitMix64Random(seed));
            // The same draws by hand: a permutation of the four torchvision slots (hue skipped), then each factor.
            var rng = new SplitMix64Random(seed);
            int[] order = [0, 1, 2, 3];
            for (int i = 3; i > 0; i--)
            {
                int j = rng.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
            var expected = Image(3);
            foreach (int op in order.Where(op => op != 3))
            {
                double factor = 0.6 + 0.8 * rng.NextDouble();
                expected = op switch { 0 => PixelOps.Brightness(expected, factor), 1 => PixelOps.Contrast(expected, factor), _ => PixelOps.Color(expected, factor) };
            }
            Assert.That(jittered.Data, Is.EqualTo(expected.Data), $"seed {seed}");
        }
        Assert.That(ColorJitter.Apply(Image(3), 0.4, new SplitMix64Random(1)).Data, Is.Not.EqualTo(Image(3).Data));
        Assert.That(ColorJitter.Apply(Image(1), 0.4, new SplitMix64Random(1)).Data, Is.Not.EqualTo(Image(1).Data), "grey images: brightness and contrast");
        Assert.That(ColorJitter.Apply(Image(3), 0, new SplitMix64Random(1)).Data, Is.EqualTo(Image(3).Data));
    }

    [Test]
    public void OnlyTheBasicTrainingPresetJitters()
    {
        var normalizer = ImageNormalizer.FromDatasetStatistics(SyntheticImageDataset.Create(classes: 2, perClass: 4, height: 8, width: 8, channels: 3, seed: 1));
        Assert.That(new AugmentationPipeline(AugmentationPreset.Basic, normalizer, colorJitter: 0.4).ColorJitterStrength, Is.EqualTo(0.4));
        Assert.That(new AugmentationPipeline(AugmentationPreset.DyTox, normalizer, colorJitter: 0.4).ColorJitterStrength, Is.Zero, "RandAugment instead");
        Assert.That(new AugmentationPipeline(AugmentationPreset.None, normalizer, colorJitter: 0.4).ColorJitterStrength, Is.Zero, "not at test time");
    }
}
