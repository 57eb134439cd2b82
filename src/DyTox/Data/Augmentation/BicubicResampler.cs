using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DyTox.Data.Augmentation;

/// <summary>
/// Separable bicubic resizing with PIL's <c>Image.resize(BICUBIC)</c> semantics (what torchvision's Resize and
/// RandomResizedCrop do on PIL images): cubic convolution with a = −0.5 (Catmull-Rom), and when shrinking the
/// kernel is stretched by the scale factor, so downscaling averages over the whole footprint (antialiasing).
/// Taps are clamped to the source rectangle (as if it had been cropped out first) and renormalised.
/// Differences to PIL: the intermediate row pass stays in floating point (PIL rounds it to uint8), and
/// PIL's 22-bit fixed-point weights are not replicated; results agree to about ±1 grey level.
/// </summary>
public static class BicubicResampler
{
    private const double Support = 2.0;

    /// <summary>Whether pass 1 of RGB images runs on vector lanes (where the hardware has them). Tests turn it off to
    /// check that both paths give the same bytes.</summary>
    internal static bool ChannelLanes { get; set; } = Sse41.IsSupported;

    /// <summary>
    /// Resizes the source rectangle (<paramref name="top"/>, <paramref name="left"/>, <paramref name="height"/>,
    /// <paramref name="width"/>) of <paramref name="image"/> to <paramref name="outHeight"/>×<paramref name="outWidth"/>.
    /// </summary>
    public static ByteImage ResizedCrop(ByteImage image, int top, int left, int height, int width, int outHeight, int outWidth)
    {
        ArgumentNullException.ThrowIfNull(image);
        return ResizedCrop((ByteImageView)image, top, left, height, width, outHeight, outWidth);
    }

    /// <inheritdoc cref="ResizedCrop(ByteImage, int, int, int, int, int, int)"/>
    public static ByteImage ResizedCrop(ByteImageView image, int top, int left, int height, int width, int outHeight, int outWidth)
    {
        var vertical = AxisWeights.Create(image.Height, top, height, outHeight, 0, outHeight);
        var horizontal = AxisWeights.Create(image.Width, left, width, outWidth, 0, outWidth);
        var result = new ByteImage(outHeight, outWidth, image.Channels);
        Resample(image.Data, image.Width, image.Channels, image.Channels, horizontal, vertical, result.Data);
        return result;
    }

    /// <summary>
    /// Resizes a packed source to <paramref name="resizedHeight"/>×<paramref name="resizedWidth"/> and keeps only the
    /// window of <paramref name="windowHeight"/>×<paramref name="windowWidth"/> output pixels at
    /// (<paramref name="windowTop"/>, <paramref name="windowLeft"/>) — a resize followed by a crop, computing only
    /// the kept pixels. The source has <paramref name="pixelStride"/> bytes per pixel, of which the first
    /// <paramref name="channels"/> are used (e.g. RGBA with stride 4 and 3 channels).
    /// </summary>
    public static void ResizeWindow(
        ReadOnlySpan<byte> source, int sourceHeight, int sourceWidth, int pixelStride, int channels,
        int resizedHeight, int resizedWidth, int windowTop, int windowLeft, int windowHeight, int windowWidth,
        Span<byte> destination)
    {
        if (channels <= 0 || pixelStride < channels)
        {
            throw new ArgumentException($"{channels} channel(s) in pixels of {pixelStride} bytes.");
        }
        if ((long)sourceHeight * sourceWidth * pixelStride > source.Length)
        {
            throw new ArgumentException($"{source.Length} source bytes do not hold {sourceHeight}x{sourceWidth} pixels of {pixelStride} bytes.");
        }
        if (destination.Length < windowHeight * windowWidth * channels)
        {
            throw new ArgumentException($"destination of {destination.Length} bytes for a {windowHeight}x{windowWidth}x{channels} window.");
        }
        var vertical = AxisWeights.Create(sourceHeight, 0, sourceHeight, resizedHeight, windowTop, windowHeight);
        var horizontal = AxisWeights.Create(sourceWidth, 0, sourceWidth, resizedWidth, windowLeft, windowWidth);
        Resample(source, sourceWidth, pixelStride, channels, horizontal, vertical, destination);
    }

    /// <summary>PIL's bicubic kernel, a = −0.5.</summary>
    internal static double Kernel(double x)
    {
        const double a = -0.5;
        x = Math.Abs(x);
        if (x < 1.0)
        {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
        }
        if (x < 2.0)
        {
            return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
        }
        return 0.0;
    }

    private static void Resample(
        ReadOnlySpan<byte> source, int sourceWidth, int pixelStride, int channels,
        AxisWeights horizontal, AxisWeights vertical, Span<byte> destination)
    {
        int rowCount = vertical.LastTap - vertical.FirstTap, rowLength = horizontal.Count * channels;
        // Pass 1: every source row the vertical taps touch, resampled horizontally (floats, not rounded). The buffers come
        // from the pool (an ImageNet crop needs up to ~0.7 MB of rows): pass 1 writes every element before pass 2 reads it.
        var rows = ArrayPool<float>.Shared.Rent(rowCount * rowLength);
        var accumulator = ArrayPool<float>.Shared.Rent(rowLength);
        try
        {
            Resample(source, sourceWidth, pixelStride, channels, horizontal, vertical, destination, rows, accumulator);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(accumulator);
        }
    }

    private static void Resample(
        ReadOnlySpan<byte> source, int sourceWidth, int pixelStride, int channels,
        AxisWeights horizontal, AxisWeights vertical, Span<byte> destination, float[] rows, float[] accumulator)
    {
        int outW = horizontal.Count, outH = vertical.Count;
        int rowFirst = vertical.FirstTap, rowCount = vertical.LastTap - vertical.FirstTap;
        int rowLength = outW * channels;
        for (int r = 0; r < rowCount; r++)
        {
            var src = source.Slice((rowFirst + r) * sourceWidth * pixelStride);
            var dst = rows.AsSpan(r * rowLength, rowLength);
            if (channels == 3)
            {
                HorizontalRgb(src, pixelStride, horizontal, dst);
                continue;
            }
            for (int x = 0; x < outW; x++)
            {
                int start = horizontal.Start[x];
                var weights = horizontal.WeightsOf(x);
                for (int c = 0; c < channels; c++)
                {
                    float sum = 0f;
                    int p = start * pixelStride + c;
                    for (int t = 0; t < weights.Length; t++, p += pixelStride)
                    {
                        sum += weights[t] * src[p];
                    }
                    dst[x * channels + c] = sum;
                }
            }
        }
        // Pass 2: columns, one whole output row at a time (contiguous, vectorisable), rounded and clamped to [0, 255].
        for (int y = 0; y < outH; y++)
        {
            int start = vertical.Start[y] - rowFirst;
            var weights = vertical.WeightsOf(y);
            var acc = accumulator.AsSpan(0, rowLength);
            acc.Clear();
            for (int t = 0; t < weights.Length; t++)
            {
                System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(
                    rows.AsSpan((start + t) * rowLength, rowLength), weights[t], acc, acc);
            }
            var dst = destination.Slice(y * rowLength, rowLength);
            for (int i = 0; i < rowLength; i++)
            {
                dst[i] = (byte)Math.Clamp((int)MathF.Round(acc[i], MidpointRounding.AwayFromZero), 0, 255);
            }
        }
    }

    /// <summary>Pass 1 for three channels: the taps are walked once per output pixel for R, G and B together, in the lanes
    /// of one vector where the hardware has them (each tap: one 4-byte read, widened and converted; a lane's products and
    /// sums are the scalar loop's, in its order, so the floats are the same).</summary>
    private static void HorizontalRgb(ReadOnlySpan<byte> src, int pixelStride, AxisWeights horizontal, Span<float> dst)
    {
        if (ChannelLanes && Sse41.IsSupported)
        {
            HorizontalRgbLanes(src, pixelStride, horizontal, dst);
            return;
        }
        for (int x = 0; x < horizontal.Count; x++)
        {
            var weights = horizontal.WeightsOf(x);
            int p = horizontal.Start[x] * pixelStride;
            float r = 0f, g = 0f, b = 0f;
            for (int t = 0; t < weights.Length; t++, p += pixelStride)
            {
                float w = weights[t];
                r += w * src[p];
                g += w * src[p + 1];
                b += w * src[p + 2];
            }
            dst[3 * x] = r;
            dst[3 * x + 1] = g;
            dst[3 * x + 2] = b;
        }
    }

    private static void HorizontalRgbLanes(ReadOnlySpan<byte> src, int pixelStride, AxisWeights horizontal, Span<float> dst)
    {
        ref byte bytes = ref MemoryMarshal.GetReference(src);
        int lastWide = src.Length - 4; // a tap at p reads p..p+3
        for (int x = 0; x < horizontal.Count; x++)
        {
            var weights = horizontal.WeightsOf(x);
            int p = horizontal.Start[x] * pixelStride;
            var sum = Vector128<float>.Zero;
            for (int t = 0; t < weights.Length; t++, p += pixelStride)
            {
                var pixel = p <= lastWide
                    ? Sse2.ConvertToVector128Single(Sse41.ConvertToVector128Int32(
                        Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref bytes, p))).AsByte()))
                    : Vector128.Create(src[p], src[p + 1], src[p + 2], 0f);
                sum += Vector128.Create(weights[t]) * pixel;
            }
            dst[3 * x] = sum.GetElement(0);
            dst[3 * x + 1] = sum.GetElement(1);
            dst[3 * x + 2] = sum.GetElement(2);
        }
    }

    /// <summary>The taps of one axis: for each kept output index, the first source index and the normalised weights.</summary>
    private sealed class AxisWeights
    {
        private readonly float[] _weights;
        private readonly int _stride;

        private AxisWeights(int[] start, int[] length, float[] weights, int stride)
        {
            Start = start;
            Length = length;
            _weights = weights;
            _stride = stride;
            Count = start.Length;
            FirstTap = int.MaxValue;
            LastTap = 0;
            for (int i = 0; i < Count; i++)
            {
                FirstTap = Math.Min(FirstTap, start[i]);
                LastTap = Math.Max(LastTap, start[i] + length[i]);
            }
        }

        public int[] Start { get; }
        public int[] Length { get; }
        public int Count { get; }
        public int FirstTap { get; }
        public int LastTap { get; }

        public ReadOnlySpan<float> WeightsOf(int i) => _weights.AsSpan(i * _stride, Length[i]);

        /// <summary>
        /// PIL's <c>precompute_coeffs</c> for the source interval [boxStart, boxStart + boxSize) of an axis of
        /// <paramref name="sourceSize"/> pixels scaled to <paramref name="outSize"/>, for output indices
        /// [outStart, outStart + outCount).
        /// </summary>
        public static AxisWeights Create(int sourceSize, int boxStart, int boxSize, int outSize, int outStart, int outCount)
        {
            if (boxSize <= 0 || boxStart < 0 || boxStart + boxSize > sourceSize)
            {
                throw new ArgumentException($"source interval [{boxStart}, {boxStart + boxSize}) is not inside [0, {sourceSize}).");
            }
            if (outSize <= 0 || outCount <= 0 || outStart < 0 || outStart + outCount > outSize)
            {
                throw new ArgumentException($"output window [{outStart}, {outStart + outCount}) is not inside [0, {outSize}).");
            }
            double scale = (double)boxSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = Support * filterScale;
            int stride = (int)Math.Ceiling(support) * 2 + 1;
            var start = new int[outCount];
            var length = new int[outCount];
            var weights = new float[outCount * stride];
            var raw = new double[stride];
            int boxEnd = boxStart + boxSize;
            for (int i = 0; i < outCount; i++)
            {
                double center = boxStart + (outStart + i + 0.5) * scale;
                // PIL truncates toward zero here; the max() makes the sign irrelevant.
                int min = Math.Max((int)(center - support + 0.5), boxStart);
                int max = Math.Min((int)(center + support + 0.5), boxEnd);
                int n = Math.Min(max - min, stride);
                double total = 0;
                for (int t = 0; t < n; t++)
                {
                    raw[t] = Kernel((min + t - center + 0.5) / filterScale);
                    total += raw[t];
                }
                for (int t = 0; t < n; t++)
                {
                    weights[i * stride + t] = (float)(total == 0 ? 0 : raw[t] / total);
                }
                start[i] = min;
                length[i] = n;
            }
            return new AxisWeights(start, length, weights, stride);
        }
    }
}
