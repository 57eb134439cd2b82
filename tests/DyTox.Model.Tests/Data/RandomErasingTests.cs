using DyTox.Data;
using DyTox.Data.Augmentation;

namespace DyTox.Model.Tests.Data;

/// <summary>timm's RandomErasing (reprob, remode, recount) on normalised CHW images.</summary>
public class RandomErasingTests
{
    private const int Channels = 3, Height = 24, Width = 20, Plane = Height * Width;

    private static float[] Image() => Enumerable.Range(0, Channels * Plane).Select(i => 100f + i).ToArray();

    /// <summary>The pixels (y, x) changed in channel 0, checking every channel changed at the same places.</summary>
    private static List<(int Y, int X)> Changed(float[] erased)
    {
        var original = Image();
        var changed = new List<(int, int)>();
        for (int y = 0; y < Height; y++)
            for (int x = 0; x < Width; x++)
            {
                bool any = erased[y * Width + x] != original[y * Width + x];
                for (int c = 1; c < Channels; c++)
                    Assert.That(erased[c * Plane + y * Width + x] != original[c * Plane + y * Width + x], Is.EqualTo(any), "every channel alike");
                if (any) changed.Add((y, x));
            }
        return changed;
    }

    [Test]
    public void ErasesOneBoxOfBoundedAreaAndAspectWithTheChosenFill()
    {
        for (long seed = 0; seed < 100; seed++)
        {
            var image = Image();
            RandomErasing.Apply(image, Channels, Height, Width, new RandomErasingOptions(1.0, ErasingFill.Const), new SplitMix64Random(seed));
            var changed = Changed(image);
            if (changed.Count == 0) continue; // ten tries may all miss (rare): the image stays as it is
            int top = changed.Min(p => p.Y), bottom = changed.Max(p => p.Y) + 1, left = changed.Min(p => p.X), right = changed.Max(p => p.X) + 1;
            int h = bottom - top, w = right - left;
            Assert.That(changed, Has.Count.EqualTo(h * w), "a rectangle");
            Assert.That(h * w, Is.InRange(0.02 * Plane * 0.6, Plane / 3.0 * 1.4), "area U(0.02, 1/3) of the image, sides rounded");
            Assert.That((double)h / w, Is.InRange(0.3 * 0.5, 1 / 0.3 * 2), "aspect in [0.3, 1/0.3], sides rounded");
            Assert.That(h, Is.LessThan(Height));
            Assert.That(w, Is.LessThan(Width));
            foreach (var (y, x) in changed)
                for (int c = 0; c < Channels; c++) Assert.That(image[c * Plane + y * Width + x], Is.Zero, "const: the mean colour");
        }
    }

    [Test]
    public void RandFillsEachChannelWithOneValueAndPixelFillsEveryValue()
    {
        var rand = Image();
        RandomErasing.Apply(rand, Channels, Height, Width, new RandomErasingOptions(1.0, ErasingFill.Rand), new SplitMix64Random(3));
        var box = Changed(rand);
        Assert.That(box, Is.Not.Empty);
        for (int c = 0; c < Channels; c++)
            Assert.That(box.Select(p => rand[c * Plane + p.Y * Width + p.X]).Distinct().Count(), Is.EqualTo(1), $"channel {c}");
        var pixel = Image();
        RandomErasing.Apply(pixel, Channels, Height, Width, new RandomErasingOptions(1.0), new SplitMix64Random(3));
        var values = Changed(pixel).Select(p => pixel[p.Y * Width + p.X]).ToArray();
        Assert.That(values.Distinct().Count(), Is.EqualTo(values.Length), "pixel: N(0, 1) per value");
        Assert.That(values.Average(), Is.InRange(-0.5, 0.5));
    }

    [Test]
    public void TheProbabilityIsTheShareOfErasedImagesAndZeroErasesNothing()
    {
        int erased = 0;
        for (long seed = 0; seed < 400; seed++)
        {
            var image = Image();
            RandomErasing.Apply(image, Channels, Height, Width, new RandomErasingOptions(0.25), new SplitMix64Random(seed));
            if (Changed(image).Count > 0) erased++;
        }
        Assert.That(erased / 400.0, Is.InRange(0.18, 0.32));
        var untouched = Image();
        RandomErasing.Apply(untouched, Channels, Height, Width, new RandomErasingOptions(0), new SplitMix64Random(1));
        Assert.That(untouched, Is.EqualTo(Image()));
    }

    [Test]
    public void SeveralBoxesShareTheArea()
    {
        int most = 0;
        for (long seed = 0; seed < 50; seed++)
        {
            var image = Image();
            RandomErasing.Apply(image, Channels, Height, Width, new RandomErasingOptions(1.0, ErasingFill.Const, MaxCount: 3), new SplitMix64Random(seed));
            most = Math.Max(most, Changed(image).Count);
        }
        Assert.That(most, Is.GreaterThan(0));
        Assert.That(most, Is.LessThanOrEqualTo(Plane / 3.0 * 1.4 + 3), "at most the largest area in all, split among the boxes");
    }

    [Test]
    public void OnlyTheTrainingPipelineErasesAndModesParse()
    {
        var normalizer = ImageNormalizer.FromDatasetStatistics(SyntheticImageDataset.Create(classes: 2, perClass: 4, height: 8, width: 8, channels: 3, seed: 1));
        var options = new RandomErasingOptions(1.0);
        Assert.That(new AugmentationPipeline(AugmentationPreset.Basic, normalizer, erasing: options).Erasing, Is.EqualTo(options));
        Assert.That(new AugmentationPipeline(AugmentationPreset.None, normalizer, erasing: options).Erasing, Is.Null, "the test transform never erases");
        Assert.That(new AugmentationPipeline(AugmentationPreset.DyTox, normalizer, erasing: new RandomErasingOptions(0)).Erasing, Is.Null);
        Assert.That(RandomErasingOptions.ParseFill("pixel"), Is.EqualTo(ErasingFill.Pixel));
        Assert.That(RandomErasingOptions.ParseFill("rand"), Is.EqualTo(ErasingFill.Rand));
        Assert.That(RandomErasingOptions.ParseFill("const"), Is.EqualTo(ErasingFill.Const));
        Assert.Throws<ArgumentException>(() => RandomErasingOptions.ParseFill("noise"));
    }
}
