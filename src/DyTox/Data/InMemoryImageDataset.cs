namespace DyTox.Data;

/// <summary>Images held in one contiguous byte array (what every reader produces).</summary>
public sealed class InMemoryImageDataset : ImageDataset
{
    private readonly byte[] _pixels;
    private readonly int[] _labels;
    private readonly string[] _classNames;

    public InMemoryImageDataset(
        string name, byte[] pixels, int[] labels, int height, int width, int channels,
        PixelLayout layout, IReadOnlyList<string> classNames)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        if (height <= 0 || width <= 0 || channels <= 0)
        {
            throw new ArgumentException($"{name}: image shape {height}x{width}x{channels} must be positive.");
        }
        long imageSize = (long)height * width * channels;
        if (pixels.LongLength != imageSize * labels.LongLength)
        {
            throw new ArgumentException(
                $"{name}: {pixels.LongLength} pixel bytes do not match {labels.Length} images of {height}x{width}x{channels}.");
        }
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classNames.Count)
            {
                throw new ArgumentException(
                    $"{name}: label {labels[i]} of image {i} is outside [0, {classNames.Count}).");
            }
        }
        Name = name;
        _pixels = pixels;
        _labels = labels;
        Height = height;
        Width = width;
        Channels = channels;
        Layout = layout;
        _classNames = classNames.ToArray();
    }

    public override string Name { get; }
    public override int Count => _labels.Length;
    public override int Height { get; }
    public override int Width { get; }
    public override int Channels { get; }
    public override PixelLayout Layout { get; }
    public override IReadOnlyList<int> Labels => _labels;
    public override IReadOnlyList<string> ClassNames => _classNames;

    public override ReadOnlySpan<byte> GetImage(int index)
    {
        CheckIndex(index);
        return new ReadOnlySpan<byte>(_pixels, index * ImageSize, ImageSize);
    }

    /// <summary>All pixels (Count × ImageSize bytes), e.g. for computing normalisation statistics.</summary>
    public ReadOnlySpan<byte> AllPixels => _pixels;
}
