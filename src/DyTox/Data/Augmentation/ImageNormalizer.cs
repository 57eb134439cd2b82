namespace DyTox.Data.Augmentation;

/// <summary>ToTensor + Normalize: uint8 HWC → float CHW, (value/255 − mean[c]) / std[c].</summary>
public sealed class ImageNormalizer
{
    public static readonly float[] CifarMean = [0.5071f, 0.4867f, 0.4408f];
    public static readonly float[] CifarStd = [0.2675f, 0.2565f, 0.2761f];
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    private readonly float[] _mean;
    private readonly float[] _std;

    public ImageNormalizer(IReadOnlyList<float> mean, IReadOnlyList<float> std)
    {
        if (mean.Count != std.Count || mean.Count is not (1 or 3))
        {
            throw new ArgumentException($"mean ({mean.Count}) and std ({std.Count}) need one value per channel (1 or 3).");
        }
        foreach (float s in std)
        {
            if (!(s > 0))
            {
                throw new ArgumentException($"std values must be positive, got {s}.");
            }
        }
        _mean = mean.ToArray();
        _std = std.ToArray();
    }

    public IReadOnlyList<float> Mean => _mean;

    public IReadOnlyList<float> Std => _std;

    public int Channels => _mean.Length;

    /// <summary>Writes H·W·C floats in CHW order into <paramref name="destination"/>.</summary>
    public void Normalize(ByteImage image, Span<float> destination) =>
        Normalize(image.Data, image.Height, image.Width, image.Channels, destination);

    public void Normalize(ReadOnlySpan<byte> hwc, int height, int width, int channels, Span<float> destination)
    {
        if (channels != Channels)
        {
            throw new ArgumentException($"normaliser has {Channels} channel(s), image has {channels}.");
        }
        int plane = height * width;
        if (hwc.Length != plane * channels || destination.Length < plane * channels)
        {
            throw new ArgumentException(
                $"a {height}x{width}x{channels} image needs {plane * channels} source bytes and destination floats.");
        }
        for (int c = 0; c < channels; c++)
        {
            float scale = 1f / (255f * _std[c]);
            float shift = _mean[c] / _std[c];
            var dst = destination.Slice(c * plane, plane);
            for (int p = 0; p < plane; p++)
            {
                dst[p] = hwc[p * channels + c] * scale - shift;
            }
        }
    }

    /// <summary>Per-channel mean and std of all pixels (scaled to [0, 1]), e.g. Fashion-MNIST's training set.</summary>
    public static ImageNormalizer FromDatasetStatistics(ImageDataset dataset)
    {
        int ch = dataset.Channels;
        var sum = new double[ch];
        var sumSq = new double[ch];
        var buffer = Array.Empty<byte>();
        long pixels = 0;
        for (int i = 0; i < dataset.Count; i++)
        {
            int bytes = dataset.ImageBytes(i);
            if (buffer.Length != bytes)
            {
                buffer = new byte[bytes];
            }
            dataset.CopyImageHwc(i, buffer);
            for (int p = 0; p < buffer.Length; p++)
            {
                double v = buffer[p] / 255.0;
                sum[p % ch] += v;
                sumSq[p % ch] += v * v;
            }
            pixels += bytes / ch;
        }
        double n = pixels;
        var mean = new float[ch];
        var std = new float[ch];
        for (int c = 0; c < ch; c++)
        {
            double m = sum[c] / n;
            mean[c] = (float)m;
            std[c] = (float)Math.Sqrt(Math.Max(sumSq[c] / n - m * m, 1e-12));
        }
        return new ImageNormalizer(mean, std);
    }
}
