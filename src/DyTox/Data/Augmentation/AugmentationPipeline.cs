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
/// The transforms of DyTox. For small images (the constructor): RandomCrop(size, padding) → HFlip(0.5) →
/// RandAugment → ToTensor/Normalize into CHW floats, the output as large as the input. For large images
/// (<see cref="WithResizedCrop"/>, ImageNet): RandomResizedCrop(output size, bicubic) → HFlip(0.5) → RandAugment for
/// training, CenterCrop(output size) for <see cref="AugmentationPreset.None"/>. Deterministic given the random
/// source; use <see cref="SampleSeed"/> to derive a per-sample source independent of thread scheduling.
/// </summary>
public sealed class AugmentationPipeline
{
    public AugmentationPipeline(
        AugmentationPreset preset, ImageNormalizer normalizer, int padding = 4, RandAugmentOptions? randAugment = null,
        RandomErasingOptions? erasing = null, double colorJitter = 0)
        : this(preset, normalizer, padding, randAugment, outputSize: null, crop: null, erasing, colorJitter)
    {
    }

    private AugmentationPipeline(
        AugmentationPreset preset, ImageNormalizer normalizer, int padding, RandAugmentOptions? randAugment,
        int? outputSize, RandomResizedCropOptions? crop, RandomErasingOptions? erasing, double colorJitter)
    {
        ArgumentNullException.ThrowIfNull(normalizer);
        if (padding < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(padding), padding, "must be non-negative.");
        }
        if (outputSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, "must be positive.");
        }
        Preset = preset;
        Normalizer = normalizer;
        Padding = padding;
        OutputSize = outputSize;
        Crop = crop?.Validate();
        RandAugment = preset == AugmentationPreset.DyTox ? new RandAugment(randAugment) : null;
        // Random erasing belongs to the training transforms (timm's create_transform appends it after Normalize).
        Erasing = preset != AugmentationPreset.None && erasing is { Probability: > 0 } ? erasing.Validate() : null;
        if (!(colorJitter >= 0)) throw new ArgumentOutOfRangeException(nameof(colorJitter), colorJitter, "colour jitter must be non-negative.");
        // timm applies ColorJitter only when there is no auto-augment policy.
        ColorJitterStrength = preset == AugmentationPreset.Basic ? colorJitter : 0;
    }

    /// <summary>
    /// The ImageNet transforms at <paramref name="outputSize"/> (DyTox: 224): training presets take a
    /// RandomResizedCrop (scale 0.08–1, ratio 3/4–4/3 unless <paramref name="crop"/> says otherwise) + flip
    /// (+ RandAugment for <see cref="AugmentationPreset.DyTox"/>); <see cref="AugmentationPreset.None"/> takes the centre
    /// crop. timm's ColorJitter for a policy-less ImageNet transform is not applied (DyTox always sets RandAugment).
    /// </summary>
    public static AugmentationPipeline WithResizedCrop(
        AugmentationPreset preset, ImageNormalizer normalizer, int outputSize,
        RandAugmentOptions? randAugment = null, RandomResizedCropOptions? crop = null, RandomErasingOptions? erasing = null,
        double colorJitter = 0) =>
        new(preset, normalizer, padding: 0, randAugment, outputSize, crop ?? new RandomResizedCropOptions(), erasing, colorJitter);

    public AugmentationPreset Preset { get; }

    public ImageNormalizer Normalizer { get; }

    public int Padding { get; }

    /// <summary>Side of the (square) output for the resized-crop transforms; null = the input's size.</summary>
    public int? OutputSize { get; }

    /// <summary>RandomResizedCrop settings of the resized-crop transforms; null for the small-image ones.</summary>
    public RandomResizedCropOptions? Crop { get; }

    public RandAugment? RandAugment { get; }

    /// <summary>torchvision's ColorJitter strength of the <see cref="AugmentationPreset.Basic"/> training transform (the
    /// original's <c>color_jitter</c> with <c>aa: ""</c>); 0 = none.</summary>
    public double ColorJitterStrength { get; }

    /// <summary>Random erasing after normalisation (<c>reprob</c> &gt; 0, training presets only); null when off.</summary>
    public RandomErasingOptions? Erasing { get; }

    /// <summary>Height and width of what <see cref="Augment"/> makes of an image of the given size.</summary>
    public (int Height, int Width) OutputShape(int height, int width) =>
        OutputSize is int size ? (size, size) : (height, width);

    /// <summary>
    /// Height and width of what <see cref="Transform"/> makes of every image of <paramref name="dataset"/>. Images of
    /// varying size (ImageNet's cache) need the resized-crop transforms, whose output size is fixed, and the centre
    /// crop must fit the smallest height and width.
    /// </summary>
    public (int Height, int Width) OutputShape(ImageDataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (OutputSize is not int size)
        {
            return dataset.UniformSize
                ? (dataset.Height, dataset.Width)
                : throw new ArgumentException(
                    $"the images of {dataset.Name} differ in size; a transform that keeps the input size cannot batch them (use a resized-crop transform).");
        }
        if (Preset == AugmentationPreset.None && (dataset.Height < size || dataset.Width < size))
        {
            throw new ArgumentException(
                $"the centre crop {size}x{size} does not fit the smallest images of {dataset.Name} ({dataset.Height} high, {dataset.Width} wide).");
        }
        return (size, size);
    }

    /// <summary>Seed for the augmentation of one sample draw: (run seed, epoch, position in the epoch).</summary>
    public static long SampleSeed(long seed, int epoch, int position) => SeedMixer.Mix(seed, epoch, position);

    /// <summary>Augments <paramref name="image"/> (HWC uint8) without normalising.</summary>
    public ByteImage Augment(ByteImage image, IRandomSource rng)
    {
        if (OutputSize is not null)
        {
            return CropAndAugment(image, rng);
        }
        if (Preset == AugmentationPreset.None)
        {
            return image;
        }
        int size = Math.Min(image.Height, image.Width);
        return FlipAndRandAugment(CropFlip.RandomCrop(image, size, Padding, rng), rng);
    }

    /// <summary>The resized-crop transforms: the crop reads only the source pixels it covers, so a view suffices.</summary>
    private ByteImage CropAndAugment(ByteImageView image, IRandomSource rng)
    {
        int outputSize = OutputSize!.Value;
        if (Preset == AugmentationPreset.None)
        {
            return ResizedCrop.CenterCrop(image, outputSize);
        }
        var resized = ResizedCrop.RandomResizedCrop(image, outputSize, Crop!, rng);
        return FlipAndRandAugment(resized, rng);
    }

    private ByteImage FlipAndRandAugment(ByteImage image, IRandomSource rng)
    {
        var result = CropFlip.RandomHorizontalFlip(image, rng);
        if (RandAugment is not null)
        {
            result = RandAugment.Apply(result, rng);
        }
        else if (ColorJitterStrength > 0)
        {
            result = ColorJitter.Apply(result, ColorJitterStrength, rng);
        }
        return result;
    }

    /// <summary>Augments image <paramref name="index"/> of <paramref name="dataset"/> and writes normalised CHW floats.</summary>
    /// <remarks>The resized-crop transforms crop straight out of the dataset's bytes (ImageNet: the memory mapping)
    /// rather than copying the whole image first; the result is the same as <see cref="Augment"/> of a copy.</remarks>
    public void Transform(ImageDataset dataset, int index, IRandomSource rng, Span<float> destination)
    {
        var image = OutputSize is not null && ByteImageView.CanView(dataset)
            ? CropAndAugment(ByteImageView.FromDataset(dataset, index), rng)
            : Augment(ByteImage.FromDataset(dataset, index), rng);
        Normalizer.Normalize(image, destination);
        if (Erasing is not null) RandomErasing.Apply(destination[..(image.Channels * image.Height * image.Width)], image.Channels, image.Height, image.Width, Erasing, rng);
    }
}
