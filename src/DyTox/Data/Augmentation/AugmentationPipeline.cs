namespace DyTox.Data.Augmentation;

/// <summary>Augmentation presets (<c>--aug none|basic|dytox</c>).</summary>
public enum AugmentationPreset
{
    /// <summary>Normalise only (the test transform).</summary>
    None,
    /// <summary>Random crop with zero padding + horizontal flip.</summary>
    Basic,
    /// <summary>Crop + flip + RandAugment rand-m9-mstd0.5-inc1 (DyTox's CIFAR training transform).</summary>
    DyTox,
}

/// <summary>
/// The training transform of DyTox for small images: RandomCrop(size, padding) → HFlip(0.5) →
/// RandAugment → ToTensor/Normalize into CHW floats. Deterministic given the random source;
/// use <see cref="SampleSeed"/> to derive a per-sample source independent of thread scheduling.
/// </summary>
public sealed class AugmentationPipeline
{
    public AugmentationPipeline(
        AugmentationPreset preset, ImageNormalizer normalizer, int padding = 4, RandAugmentOptions? randAugment = null)
    {
        ArgumentNullException.ThrowIfNull(normalizer);
        if (padding < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "must be non-negative.");
        }
        Preset = preset;
        Normalizer = normalizer;
        Padding = padding;
        RandAugment = preset == AugmentationPreset.DyTox ? new RandAugment(randAugment) : null;
    }

    public AugmentationPreset Preset { get; }

    public ImageNormalizer Normalizer { get; }

    public int Padding { get; }

    public RandAugment? RandAugment { get; }

    /// <summary>Seed for the augmentation of one sample draw: (run seed, epoch, position in the epoch).</summary>
    public static long SampleSeed(long seed, int epoch, int position) => SeedMixer.Mix(seed, epoch, position);

    /// <summary>Augments <paramref name="image"/> (HWC uint8) without normalising.</summary>
    public ByteImage Augment(ByteImage image, IRandomSource rng)
    {
        if (Preset == AugmentationPreset.None)
        {
            return image;
        }
        int size = Math.Min(image.Height, image.Width);
        var result = CropFlip.RandomCrop(image, size, Padding, rng);
        result = CropFlip.RandomHorizontalFlip(result, rng);
        if (RandAugment is not null)
        {
            result = RandAugment.Apply(result, rng);
        }
        return result;
    }

    /// <summary>Augments image <paramref name="index"/> of <paramref name="dataset"/> and writes normalised CHW floats.</summary>
    public void Transform(ImageDataset dataset, int index, IRandomSource rng, Span<float> destination)
    {
        var image = Augment(ByteImage.FromDataset(dataset, index), rng);
        Normalizer.Normalize(image, destination);
    }
}
