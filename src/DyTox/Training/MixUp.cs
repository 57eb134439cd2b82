using DyTox.Tensor;

namespace DyTox.Training;

/// <summary>How MixUp draws its λ (the original's <c>mixup_mode</c>, timm's Mixup modes).</summary>
public enum MixUpMode
{
    /// <summary>One λ for the batch; sample i is mixed with sample B−1−i (the batch reversed). DyTox+'s choice.</summary>
    Batch,
    /// <summary>One λ per pair (i, B−1−i), i &lt; B/2: both samples of the pair are mixed with each other with it.</summary>
    Pair,
    /// <summary>One λ per sample i, mixed with the original sample B−1−i.</summary>
    Elem,
}

/// <summary>MixUp's settings: Beta(α, α) for λ, label smoothing ε, the mode, and the probability that a batch (Batch
/// mode) or a sample or pair (Elem, Pair) is mixed at all (<c>mixup_prob</c>; else its λ is 1).</summary>
public sealed record MixUpSettings(double Alpha, double Smoothing, MixUpMode Mode = MixUpMode.Batch, double Probability = 1.0)
{
    public bool Enabled => Alpha > 0;
}

/// <summary>
/// MixUp of DyTox+ (the original's continual/mixup.py, a copy of timm's Mixup; cutmix 0): λ ~ Beta(α, α), the partner
/// of sample i is sample B−1−i, targets are λ_i·s(y_i) + (1−λ_i)·s(y_{B−1−i}) with s the smoothed one-hot
/// (off = ε/C, on = 1 − ε + ε/C). Draw order per batch, from the replica's own stream: Batch mode, with probability
/// &lt; 1 a uniform first (mixed when below it), then λ; Pair and Elem modes, the n = B/2 resp. B λs, then with
/// probability &lt; 1 n uniforms (λ_i = 1 where a uniform is not below it). Batch mode's weights are λ and 1 − λ in
/// double rounded to float (torch multiplies by the Python float); the per-sample modes compute 1 − λ in float, as
/// timm does with its float32 λs.
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

    /// <summary>Batch-mode MixUp with probability 1 (DyTox+).</summary>
    public static (float[] Targets, double Lambda) Apply(Span<float> images, int imageSize, ReadOnlySpan<int> labels, int classes,
                                                          double alpha, double smoothing, Rng rng)
    {
        var (targets, lambdas) = Apply(images, imageSize, labels, classes, new MixUpSettings(alpha, smoothing), rng);
        return (targets, lambdas.Length == 0 ? 1 : lambdas[0]);
    }

    /// <summary>Mixes images (host floats, B × imageSize) in place; returns the mixed soft targets and each sample's λ.</summary>
    public static (float[] Targets, double[] Lambdas) Apply(Span<float> images, int imageSize, ReadOnlySpan<int> labels, int classes,
                                                             MixUpSettings settings, Rng rng)
    {
        int batch = labels.Length;
        if (images.Length != batch * imageSize)
            throw new ArgumentException($"MixUp: {images.Length} image values for {batch} images of {imageSize}.");
        // Per sample: the weight of its own image and of its partner's (B − 1 − i).
        var own = new float[batch];
        var other = new float[batch];
        var lambdas = new double[batch];
        if (settings.Mode == MixUpMode.Batch)
        {
            bool mixed = settings.Probability >= 1 || rng.NextDouble() < settings.Probability;
            double lambda = mixed ? rng.Beta(settings.Alpha, settings.Alpha) : 1;
            Array.Fill(own, (float)lambda);
            Array.Fill(other, (float)(1 - lambda));
            Array.Fill(lambdas, lambda);
        }
        else
        {
            int draws = settings.Mode == MixUpMode.Pair ? batch / 2 : batch;
            var drawn = new float[draws];
            for (int i = 0; i < draws; i++) drawn[i] = (float)rng.Beta(settings.Alpha, settings.Alpha);
            if (settings.Probability < 1)
                for (int i = 0; i < draws; i++)
                    if (!(rng.NextDouble() < settings.Probability)) drawn[i] = 1;
            for (int i = 0; i < batch; i++)
            {
                // Pair mode: sample B − 1 − i shares its partner's λ; an odd batch's middle sample stays as it is.
                float l = settings.Mode == MixUpMode.Elem ? drawn[i]
                        : i < draws ? drawn[i] : i >= batch - draws ? drawn[batch - 1 - i] : 1f;
                own[i] = l;
                other[i] = 1f - l;
                lambdas[i] = l;
            }
        }

        var original = images.ToArray();
        for (int b = 0; b < batch; b++)
        {
            if (own[b] == 1f && other[b] == 0f) continue; // not mixed: the image as it is
            var dst = images.Slice(b * imageSize, imageSize);
            var mine = original.AsSpan(b * imageSize, imageSize);
            var partner = original.AsSpan((batch - 1 - b) * imageSize, imageSize);
            float l = own[b], r = other[b];
            for (int i = 0; i < imageSize; i++) dst[i] = l * mine[i] + r * partner[i];
        }
        var hard = SmoothedOneHot(labels, classes, settings.Smoothing);
        var targets = new float[hard.Length];
        for (int b = 0; b < batch; b++)
            for (int c = 0; c < classes; c++)
                targets[b * classes + c] = own[b] * hard[b * classes + c] + other[b] * hard[(batch - 1 - b) * classes + c];
        return (targets, lambdas);
    }
}
