using DyTox.Tensor;

namespace DyTox.Training;

/// <summary>
/// Batch-mode MixUp of DyTox+ (timm's Mixup with mixup_alpha 0.8, cutmix 0, prob 1, label smoothing 0.1):
/// one λ ~ Beta(α, α) per batch, the partner of sample i is sample B−1−i (the batch reversed), targets are
/// λ·s(y) + (1−λ)·s(y_reversed) with s the smoothed one-hot (off = ε/C, on = 1 − ε + ε/C).
/// </summary>
public static class MixUp
{
    /// <summary>Smoothed one-hot targets [B × classes] (row-major) for hard labels.</summary>
    public static float[] SmoothedOneHot(ReadOnlySpan<int> labels, int classes, double smoothing)
    {
        float off = (float)(smoothing / classes), on = (float)(1 - smoothing + smoothing / classes);
        var targets = new float[labels.Length * classes];
        for (int b = 0; b < labels.Length; b++)
        {
            if ((uint)labels[b] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), $"label {labels[b]} is outside the {classes} classes seen.");
            targets.AsSpan(b * classes, classes).Fill(off);
            targets[b * classes + labels[b]] = on;
        }
        return targets;
    }

    /// <summary>Mixes images (host floats, B × imageSize) in place and returns the mixed soft targets and λ.</summary>
    public static (float[] Targets, double Lambda) Apply(Span<float> images, int imageSize, ReadOnlySpan<int> labels, int classes,
                                                          double alpha, double smoothing, Rng rng)
    {
        int batch = labels.Length;
        if (images.Length != batch * imageSize)
            throw new ArgumentException($"MixUp: {images.Length} image values for {batch} images of {imageSize}.");
        double lambda = rng.Beta(alpha, alpha);
        float l = (float)lambda, r = (float)(1 - lambda);
        var original = images.ToArray();
        for (int b = 0; b < batch; b++)
        {
            var dst = images.Slice(b * imageSize, imageSize);
            var mine = original.AsSpan(b * imageSize, imageSize);
            var partner = original.AsSpan((batch - 1 - b) * imageSize, imageSize);
            for (int i = 0; i < imageSize; i++) dst[i] = l * mine[i] + r * partner[i];
        }
        var hard = SmoothedOneHot(labels, classes, smoothing);
        var targets = new float[hard.Length];
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < classes; c++)
                targets[b * classes + c] = l * hard[b * classes + c] + r * hard[(batch - 1 - b) * classes + c];
        return (targets, lambda);
    }
}
