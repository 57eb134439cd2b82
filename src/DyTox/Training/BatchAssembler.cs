using System.Buffers;
using System.Runtime.InteropServices;
using DyTox.Data;
using DyTox.Data.Augmentation;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Training;

/// <summary>
/// Turns a list of samples into an image tensor [B, C, H, W]: each image is augmented (or only normalised)
/// on the CPU, in parallel, with a random stream seeded by (run seed, epoch, position in the epoch), so a
/// batch is the same whatever the number of threads, and a resumed run draws the same augmentations.
/// </summary>
public sealed class BatchAssembler
{
    private readonly AugmentationPipeline pipeline;
    private readonly IBackend backend;
    private readonly DType dtype;
    private readonly int channels, height, width;

    public BatchAssembler(AugmentationPipeline pipeline, int channels, int height, int width, IBackend backend, DType dtype)
    {
        this.pipeline = pipeline;
        this.backend = backend;
        this.dtype = dtype;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    public int ImageElements => channels * height * width;
    public int Height => height;
    public int Width => width;

    /// <summary>The same assembler putting its batches on <paramref name="device"/> (a data-parallel replica's device).</summary>
    public BatchAssembler ForDevice(IBackend device) => new(pipeline, channels, height, width, device, dtype);

    /// <summary>Writes the normalised (and, for a training pipeline, augmented) images of
    /// <paramref name="positions"/> (positions into <paramref name="subset"/>) as CHW floats into
    /// <paramref name="destination"/>; sample i draws from stream (seed, epoch, firstPosition + i·positionStride)
    /// (a stride above 1: one data-parallel replica's samples, which are every R-th position of the epoch), on at most
    /// <paramref name="maxThreads"/> threads (0: all; the result does not depend on it).</summary>
    public void FillHost(LabeledSubset subset, ReadOnlySpan<int> positions, long seed, int epoch, int firstPosition, float[] destination,
                         int positionStride = 1, int maxThreads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(positionStride, 1);
        var (outH, outW) = pipeline.OutputShape(subset.Source);
        if (subset.Source.Channels != channels || outH != height || outW != width)
            throw new ArgumentException(
                $"dataset {subset.Source.Name} has {DescribeShape(subset.Source)} images, transformed to {outH}×{outW}; the model expects {channels}×{height}×{width}.");
        int count = positions.Length, size = ImageElements;
        if (destination.Length < count * size) throw new ArgumentException($"host buffer of {destination.Length} floats for {count} images of {size}.");
        int[] pos = positions.ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxThreads > 0 ? maxThreads : -1 };
        Parallel.For(0, count, options, i =>
        {
            var rng = new SplitMix64Random(AugmentationPipeline.SampleSeed(seed, epoch, firstPosition + i * positionStride));
            pipeline.Transform(subset.Source, subset.Indices[pos[i]], rng, destination.AsSpan(i * size, size));
        });
    }

    /// <summary>The images of <paramref name="positions"/> as a tensor [B, C, H, W] (see <see cref="FillHost"/>).</summary>
    public TensorT Images(LabeledSubset subset, ReadOnlySpan<int> positions, long seed, int epoch, int firstPosition)
    {
        int count = positions.Length, size = ImageElements;
        float[] buffer = ArrayPool<float>.Shared.Rent(count * size);
        try
        {
            FillHost(subset, positions, seed, epoch, firstPosition, buffer);
            return ToTensor(buffer.AsSpan(0, count * size), count);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>Host CHW floats of <paramref name="count"/> images as a tensor [B, C, H, W].</summary>
    public TensorT ToTensor(ReadOnlySpan<float> values, int count)
    {
        var images = backend.Empty(dtype, [count, channels, height, width]);
        Upload(values, images);
        return images;
    }

    /// <summary>Host floats into a tensor of the assembler's dtype.</summary>
    public void Upload(ReadOnlySpan<float> values, TensorT destination)
    {
        if (dtype == DType.Float32)
        {
            backend.CopyFromHost(MemoryMarshal.AsBytes(values), destination);
            return;
        }
        double[] wide = ArrayPool<double>.Shared.Rent(values.Length);
        try
        {
            for (int i = 0; i < values.Length; i++) wide[i] = values[i];
            backend.CopyFromHost(MemoryMarshal.AsBytes(wide.AsSpan(0, values.Length)), destination);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(wide);
        }
    }

    /// <summary>"C×H×W", or for images of varying size "C×(at least H)×(at least W)" (the smallest height and width).</summary>
    internal static string DescribeShape(ImageDataset dataset) =>
        dataset.UniformSize
            ? $"{dataset.Channels}×{dataset.Height}×{dataset.Width}"
            : $"{dataset.Channels}×(at least {dataset.Height})×(at least {dataset.Width})";

    /// <summary>Labels of the positions.</summary>
    public static int[] Labels(LabeledSubset subset, ReadOnlySpan<int> positions)
    {
        var labels = new int[positions.Length];
        for (int i = 0; i < labels.Length; i++) labels[i] = subset.Labels[positions[i]];
        return labels;
    }
}
