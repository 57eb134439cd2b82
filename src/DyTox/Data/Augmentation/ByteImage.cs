namespace DyTox.Data.Augmentation;

/// <summary>A uint8 image in HWC order (channels interleaved), the unit every augmentation works on.</summary>
public sealed class ByteImage
{
    public ByteImage(int height, int width, int channels)
        : this(new byte[height * width * channels], height, width, channels)
    {
    }

    public ByteImage(byte[] data, int height, int width, int channels)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (height <= 0 || width <= 0 || (channels != 1 && channels != 3))
        {
            throw new ArgumentException($"image shape {height}x{width}x{channels}: sides must be positive and channels 1 or 3.");
        }
        if (data.Length != height * width * channels)
        {
            throw new ArgumentException($"{data.Length} bytes do not hold a {height}x{width}x{channels} image.");
        }
        Data = data;
        Height = height;
        Width = width;
        Channels = channels;
    }

    public byte[] Data { get; }
    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }

    public byte this[int y, int x, int c]
    {
        get => Data[(y * Width + x) * Channels + c];
        set => Data[(y * Width + x) * Channels + c] = value;
    }

    public ByteImage Clone() => new((byte[])Data.Clone(), Height, Width, Channels);

    /// <summary>Copies image <paramref name="index"/> of <paramref name="dataset"/> into a new HWC image.</summary>
    public static ByteImage FromDataset(ImageDataset dataset, int index)
    {
        var (height, width) = dataset.ImageShape(index);
        var image = new ByteImage(height, width, dataset.Channels);
        dataset.CopyImageHwc(index, image.Data);
        return image;
    }
}

/// <summary>
/// Read-only HWC pixels borrowed from elsewhere (e.g. a memory-mapped dataset image), so that a crop reads only the
/// pixels it needs instead of copying the whole image first.
/// </summary>
public readonly ref struct ByteImageView
{
    public ByteImageView(ReadOnlySpan<byte> data, int height, int width, int channels)
    {
        if (height <= 0 || width <= 0 || (channels != 1 && channels != 3))
        {
            throw new ArgumentException($"image shape {height}x{width}x{channels}: sides must be positive and channels 1 or 3.");
        }
        if (data.Length != height * width * channels)
        {
            throw new ArgumentException($"{data.Length} bytes do not hold a {height}x{width}x{channels} image.");
        }
        Data = data;
        Height = height;
        Width = width;
        Channels = channels;
    }

    public ReadOnlySpan<byte> Data { get; }
    public int Height { get; }
    public int Width { get; }
    public int Channels { get; }

    public static implicit operator ByteImageView(ByteImage image) => new(image.Data, image.Height, image.Width, image.Channels);

    /// <summary>True when image bytes of <paramref name="dataset"/> are HWC as stored (no reordering needed).</summary>
    public static bool CanView(ImageDataset dataset) => dataset.Layout == PixelLayout.Hwc || dataset.Channels == 1;

    /// <summary>Image <paramref name="index"/> of <paramref name="dataset"/> in place; see <see cref="CanView"/>.</summary>
    public static ByteImageView FromDataset(ImageDataset dataset, int index)
    {
        if (!CanView(dataset))
        {
            throw new ArgumentException($"{dataset.Name} stores {dataset.Channels}-channel images in {dataset.Layout} order; only HWC bytes can be viewed in place.");
        }
        var (height, width) = dataset.ImageShape(index);
        return new ByteImageView(dataset.GetImage(index), height, width, dataset.Channels);
    }
}
