namespace DyTox.Data;

/// <summary>
/// A labelled set of uint8 images. Labels are the dataset's original class ids; class-incremental remapping
/// happens in <see cref="ClassIncrementalScenario"/>. Most datasets hold images of one size (<see cref="UniformSize"/>);
/// ImageNet's cache keeps each image's aspect ratio, so its images differ in size: <see cref="ImageShape"/> gives
/// each image's, and <see cref="Height"/>/<see cref="Width"/> are then the smallest over all images.
/// </summary>
public abstract class ImageDataset
{
    /// <summary>Short name used in messages and logs (e.g. "fashion-mnist/train").</summary>
    public abstract string Name { get; }

    public abstract int Count { get; }

    /// <summary>Height of every image; for a dataset of varying sizes, the smallest height of any image.</summary>
    public abstract int Height { get; }

    /// <summary>Width of every image; for a dataset of varying sizes, the smallest width of any image.</summary>
    public abstract int Width { get; }

    /// <summary>True when every image is <see cref="Height"/>×<see cref="Width"/>.</summary>
    public virtual bool UniformSize => true;

    /// <summary>Height and width of image <paramref name="index"/>.</summary>
    public virtual (int Height, int Width) ImageShape(int index)
    {
        CheckIndex(index);
        return (Height, Width);
    }

    public abstract int Channels { get; }

    /// <summary>Layout of the bytes returned by <see cref="GetImage"/>.</summary>
    public abstract PixelLayout Layout { get; }

    /// <summary>Original class id of every image.</summary>
    public abstract IReadOnlyList<int> Labels { get; }

    /// <summary>Name of every original class id (index = class id).</summary>
    public abstract IReadOnlyList<string> ClassNames { get; }

    /// <summary>Bytes of one image, <see cref="ImageBytes"/> long, in <see cref="Layout"/> order.</summary>
    public abstract ReadOnlySpan<byte> GetImage(int index);

    /// <summary>Bytes of every image; only defined when <see cref="UniformSize"/> (else see <see cref="ImageBytes"/>).</summary>
    public int ImageSize => UniformSize
        ? Height * Width * Channels
        : throw new InvalidOperationException($"the images of {Name} differ in size; ask ImageBytes(index) for one image's.");

    /// <summary>Bytes of image <paramref name="index"/>.</summary>
    public int ImageBytes(int index)
    {
        var (height, width) = ImageShape(index);
        return height * width * Channels;
    }

    public int ClassCount => ClassNames.Count;

    /// <summary>Copies image <paramref name="index"/> into <paramref name="destination"/> in HWC order.</summary>
    public void CopyImageHwc(int index, Span<byte> destination)
    {
        var source = GetImage(index);
        if (destination.Length < source.Length)
        {
            throw new ArgumentException(
                $"Destination holds {destination.Length} bytes but image {index} of {Name} needs {source.Length}.",
                nameof(destination));
        }
        if (Layout == PixelLayout.Hwc || Channels == 1)
        {
            source.CopyTo(destination);
            return;
        }
        int plane = source.Length / Channels;
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
