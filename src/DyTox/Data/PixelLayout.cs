namespace DyTox.Data;

/// <summary>Memory order of the bytes of one image.</summary>
public enum PixelLayout
{
    /// <summary>Row-major pixels, channels interleaved (what augmentation works on).</summary>
    Hwc,
    /// <summary>One full plane per channel (the CIFAR binary order and the tensor order).</summary>
    Chw,
}
