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

/// <summary>MixUp's and CutMix's settings (timm's Mixup arguments): Beta(α, α) for MixUp's λ (<c>mixup</c>), Beta(α_c, α_c)
/// for CutMix's (<c>cutmix</c>), CutMix boxes of random sides within <see cref="CutmixMinMax"/> of the image instead
/// (<c>cutmix_minmax</c>, which forces α_c = 1), the chance of CutMix when both are on (<c>mixup_switch_prob</c>), label
/// smoothing ε, the mode, and the probability that a batch (Batch mode) or a sample or pair (Elem, Pair) is mixed at all
/// (<c>mixup_prob</c>; else its λ is 1).</summary>
public sealed record MixUpSettings(double Alpha, double Smoothing, MixUpMode Mode = MixUpMode.Batch, double Probability = 1.0,
                                   double CutmixAlpha = 0, IReadOnlyList<double>? CutmixMinMax = null, double SwitchProbability = 0.5)
{
    public bool Enabled => Alpha > 0 || CutmixOn;

    public bool CutmixOn => CutmixAlpha > 0 || CutmixMinMax is not null;

    /// <summary>CutMix's Beta parameter: 1 with min/max boxes, as timm forces it.</summary>
    public double EffectiveCutmixAlpha => CutmixMinMax is not null ? 1.0 : CutmixAlpha;
}

/// <summary>
/// MixUp and CutMix as the original's continual/mixup.py (a copy of timm's Mixup): λ ~ Beta(α, α), the partner of sample
/// i is sample B−1−i, targets are λ_i·s(y_i) + (1−λ_i)·s(y_{B−1−i}) with s the smoothed one-hot (off = ε/C,
/// on = 1 − ε + ε/C). CutMix pastes the partner's pixels inside a box instead of blending, the box of area ≈ (1 − λ)·H·W
/// centred at a uniform pixel (timm's <c>rand_bbox</c>: sides ⌊H·√(1−λ)⌋, ⌊W·√(1−λ)⌋, clipped to the image) or of
/// uniform sides within the min/max fractions (<c>rand_bbox_minmax</c>), and λ becomes 1 − box area / (H·W).
/// Draw order per batch, from the replica's own stream: Batch mode, with probability &lt; 1 a uniform first (mixed
/// when below it), with both MixUp and CutMix on a uniform choosing CutMix when below the switch probability, then λ,
/// then a CutMix box; Pair and Elem modes draw per sample (n = B/2 resp. B): the switch uniforms, CutMix's λs, MixUp's
/// λs, with probability &lt; 1 the uniforms that keep λ_i = 1 where not below it, then each CutMix sample's box in
/// order. Batch mode's weights are λ and 1 − λ in double rounded to float (torch multiplies by the Python float); the
/// per-sample modes compute 1 − λ in float, as timm does with its float32 λs.
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

    /// <summary>Mixes images (host floats, B × imageSize, each C × H × W with <paramref name="height"/> × <paramref name="width"/>
    /// pixels per channel; MixUp alone needs no shape: pass 1 × 1) in place; returns the mixed soft targets and each
    /// sample's λ.</summary>
    public static (float[] Targets, double[] Lambdas) Apply(Span<float> images, int imageSize, ReadOnlySpan<int> labels, int classes,
                                                             MixUpSettings settings, Rng rng, int height = 1, int width = 1)
    {
        int batch = labels.Length;
        if (images.Length != batch * imageSize)
            throw new ArgumentException($"MixUp: {images.Length} image values for {batch} images of {imageSize}.");
        if (settings.CutmixOn && (height <= 0 || width <= 0 || imageSize % (height * width) != 0 || height * width == 1))
            throw new ArgumentException($"CutMix needs the images' height and width; got {height}×{width} for images of {imageSize} values.");
        // Per sample: the weight of its own image and of its partner's (B − 1 − i), and a CutMix box (null: blended).
        var own = new float[batch];
        var other = new float[batch];
        var lambdas = new double[batch];
        var boxes = new Box?[batch];
        double cutAlpha = settings.EffectiveCutmixAlpha;
        if (settings.Mode == MixUpMode.Batch)
        {
            double lambda = 1;
            bool cut = false;
            if (settings.Probability >= 1 || rng.NextDouble() < settings.Probability)
            {
                if (settings.Alpha > 0 && settings.CutmixOn) cut = rng.NextDouble() < settings.SwitchProbability;
                else cut = settings.CutmixOn;
                lambda = rng.Beta(cut ? cutAlpha : settings.Alpha, cut ? cutAlpha : settings.Alpha);
            }
            Box? box = null;
            if (cut && lambda != 1)
            {
                box = DrawBox(height, width, lambda, settings.CutmixMinMax, rng);
                lambda = box.Value.CorrectedLambda(height, width);
            }
            Array.Fill(own, (float)lambda);
            Array.Fill(other, (float)(1 - lambda));
            Array.Fill(lambdas, lambda);
            if (box is not null) Array.Fill(boxes, box);
        }
        else
        {
            int draws = settings.Mode == MixUpMode.Pair ? batch / 2 : batch;
            var cut = new bool[draws];
            var drawn = new float[draws];
            if (settings.Alpha > 0 && settings.CutmixOn)
            {
                for (int i = 0; i < draws; i++) cut[i] = rng.NextDouble() < settings.SwitchProbability;
                var cutDraws = new float[draws];
                for (int i = 0; i < draws; i++) cutDraws[i] = (float)rng.Beta(cutAlpha, cutAlpha);
                for (int i = 0; i < draws; i++) drawn[i] = (float)rng.Beta(settings.Alpha, settings.Alpha);
                for (int i = 0; i < draws; i++) if (cut[i]) drawn[i] = cutDraws[i];
            }
            else
            {
                double a = settings.CutmixOn ? cutAlpha : settings.Alpha;
                for (int i = 0; i < draws; i++) cut[i] = settings.CutmixOn;
                for (int i = 0; i < draws; i++) drawn[i] = (float)rng.Beta(a, a);
            }
            if (settings.Probability < 1)
                for (int i = 0; i < draws; i++)
                    if (!(rng.NextDouble() < settings.Probability)) drawn[i] = 1;
            var drawnBoxes = new Box?[draws];
            for (int i = 0; i < draws; i++)
            {
                if (!cut[i] || drawn[i] == 1f) continue;
                var box = DrawBox(height, width, drawn[i], settings.CutmixMinMax, rng);
                drawnBoxes[i] = box;
                drawn[i] = (float)box.CorrectedLambda(height, width);
            }
            for (int i = 0; i < batch; i++)
            {
                // Pair mode: sample B − 1 − i shares its partner's λ and box; an odd batch's middle sample stays as it is.
                int k = settings.Mode == MixUpMode.Elem ? i : i < draws ? i : i >= batch - draws ? batch - 1 - i : -1;
                float l = k < 0 ? 1f : drawn[k];
                own[i] = l;
                other[i] = 1f - l;
                lambdas[i] = l;
                boxes[i] = k < 0 ? null : drawnBoxes[k];
            }
        }

        var original = images.ToArray();
        for (int b = 0; b < batch; b++)
        {
            if (own[b] == 1f && other[b] == 0f) continue; // not mixed: the image as it is
            var dst = images.Slice(b * imageSize, imageSize);
            var partner = original.AsSpan((batch - 1 - b) * imageSize, imageSize);
            if (boxes[b] is { } box)
            {
                // CutMix: the partner's pixels inside the box, in every channel.
                for (int c = 0, plane = height * width; c < imageSize / plane; c++)
                    for (int y = box.Top; y < box.Bottom; y++)
                        partner.Slice(c * plane + y * width + box.Left, box.Right - box.Left).CopyTo(dst.Slice(c * plane + y * width + box.Left));
                continue;
            }
            var mine = original.AsSpan(b * imageSize, imageSize);
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

    /// <summary>A CutMix box: rows [Top, Bottom), columns [Left, Right).</summary>
    public readonly record struct Box(int Top, int Bottom, int Left, int Right)
    {
        /// <summary>timm's correct_lam: 1 − the box's share of the image.</summary>
        public double CorrectedLambda(int height, int width) => 1.0 - (double)(Bottom - Top) * (Right - Left) / ((double)height * width);
    }

    /// <summary>timm's <c>rand_bbox</c> (sides ⌊H·√(1−λ)⌋ × ⌊W·√(1−λ)⌋ centred at a uniform pixel, clipped) or, with
    /// min/max fractions, <c>rand_bbox_minmax</c> (uniform sides in [⌊H·min⌋, ⌊H·max⌋), uniform corner).</summary>
    public static Box DrawBox(int height, int width, double lambda, IReadOnlyList<double>? minMax, Rng rng)
    {
        if (minMax is not null)
        {
            int lowH = (int)(height * minMax[0]), highH = (int)(height * minMax[1]);
            int lowW = (int)(width * minMax[0]), highW = (int)(width * minMax[1]);
            int cutH = lowH + rng.NextInt(Math.Max(1, highH - lowH)), cutW = lowW + rng.NextInt(Math.Max(1, highW - lowW));
            int top = rng.NextInt(Math.Max(1, height - cutH)), left = rng.NextInt(Math.Max(1, width - cutW));
            return new Box(top, top + cutH, left, left + cutW);
        }
        double ratio = Math.Sqrt(1 - lambda);
        int h = (int)(height * ratio), w = (int)(width * ratio);
        int cy = rng.NextInt(height), cx = rng.NextInt(width);
        return new Box(Math.Clamp(cy - h / 2, 0, height), Math.Clamp(cy + h / 2, 0, height),
                       Math.Clamp(cx - w / 2, 0, width), Math.Clamp(cx + w / 2, 0, width));
    }
}
