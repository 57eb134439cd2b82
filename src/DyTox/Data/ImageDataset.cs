namespace DyTox.Data;

/// <summary>
/// A labelled set of equally sized uint8 images. Labels are the dataset's original class ids;
/// class-incremental remapping happens in <see cref="ClassIncrementalScenario"/>.
/// </summary>
public abstract class ImageDataset
{
    /// <summary>Short name used in messages and logs (e.g. "fashion-mnist/train").</summary>
    public abstract string Name { get; }

    public abstract int Count { get; }

    public abstract int Height { get; }

    public abstract int Width { get; }

    public abstract int Channels { get; }

    /// <summary>Layout of the bytes returned by <see cref="GetImage"/>.</summary>
    public abstract PixelLayout Layout { get; }

    /// <summary>Original class id of every image.</summary>
    public abstract IReadOnlyList<int> Labels { get; }

    /// <summary>Name of every original class id (index = class id).</summary>
    public abstract IReadOnlyList<string> ClassNames { get; }

    /// <summary>Bytes of one image, <see cref="ImageSize"/> long, in <see cref="Layout"/> order.</summary>
    public abstract ReadOnlySpan<byte> GetImage(int index);

    public int ImageSize => Height * Width * Channels;

    public int ClassCount => ClassNames.Count;

    /// <summary>Copies image <paramref name="index"/> into <paramref name="destination"/> in HWC order.</summary>
    public void CopyImageHwc(int index, Span<byte> destination)
    {
        var source = GetImage(index);
        if (destination.Length < ImageSize)
        {
            throw new ArgumentException(
                $"Destination holds {destination.Length} bytes but an image of {Name} needs {ImageSize}.",
                nameof(destination));
        }
        if (Layout == PixelLayout.Hwc || Channels == 1)
        {
            source.CopyTo(destination);
            return;
        }
        int plane = Height * Width;
        for (int c = 0; c < Channels; c++)
        {
            var src = source.Slice(c * plane, plane);
            for (int p = 0; p < plane; p++)
            {
                destination[p * Channels + c] = src[p];
            }
        }
    }

    /// <summary>Number of images per original class id.</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (int label in Labels)
        {
            counts[label]++;
        }
        return counts;
    }

    protected void CheckIndex(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{Name} has {Count} images.");
        }
    }
}
