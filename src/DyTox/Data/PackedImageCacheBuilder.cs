using System.Diagnostics;
using System.Runtime.ExceptionServices;
using DyTox.Data.Augmentation;

namespace DyTox.Data;

/// <summary>Progress of a cache build: images written so far of the total.</summary>
public readonly record struct CacheBuildProgress(string CachePath, int Done, int Total, TimeSpan Elapsed)
{
    public double ImagesPerSecond => Elapsed.TotalSeconds > 0 ? Done / Elapsed.TotalSeconds : 0;
}

/// <summary>
/// Builds a packed image cache from a sample list: each image is decoded (<see cref="ImageFileDecoder"/>), its shorter
/// side resized to S with PIL-style antialiased bicubic (<see cref="BicubicResampler"/>, torchvision's
/// <c>Resize(S)</c>) and centre-cropped to S×S (<c>CenterCrop(S)</c>). Images are decoded in parallel, a block at a
/// time, and written in list order, so the file is byte-identical whatever the thread count. It is written to a
/// temporary file in the same folder and renamed into place at the end: a crash never leaves a cache that looks valid.
/// Skia only decodes: its cubic resampler (<c>SKCubicResampler.CatmullRom</c>, same kernel) takes a fixed 4×4
/// footprint and does not antialias when shrinking (a 1-pixel checkerboard shrunk 5× comes out as 0/255 stripes, PIL
/// gives grey), and ImageNet's JPEGs are mostly shrunk 1.5–8× here, so the PIL-style resampler is used instead.
/// </summary>
public static class PackedImageCacheBuilder
{
    /// <summary>Builds <paramref name="cachePath"/>; returns the number of images written.</summary>
    public static int Build(
        ImageNetSampleList list, string cachePath, int size,
        int maxDegreeOfParallelism = -1, Action<CacheBuildProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(list);
        if (size <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "the cached image side must be positive.");
        }
        int degree = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount;
        const int Channels = 3;
        int imageSize = size * size * Channels;
        // A block bounds the memory in flight (blockSize × S² × 3 bytes, 24 MiB at S = 256) and orders the writes.
        int blockSize = Math.Max(32, 8 * degree);
        string folder = Path.GetDirectoryName(Path.GetFullPath(cachePath))!;
        string temp = Path.Combine(folder, $".{Path.GetFileName(cachePath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        FileStream file;
        try
        {
            Directory.CreateDirectory(folder);
            file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"{cachePath}: cannot write the image cache here ({e.Message}); choose a writable folder (--imagenet-cache-dir).", e);
        }
        var clock = Stopwatch.StartNew();
        try
        {
            using (file)
            {
                var labels = list.Samples.Select(s => s.Label).ToArray();
                file.Write(PackedImageCacheFormat.Encode(size, size, Channels, list.ComputeHash(), labels, list.ClassNames));
                var block = new byte[blockSize * imageSize];
                var errors = new Exception?[blockSize];
                var options = new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancel };
                for (int first = 0; first < list.Count; first += blockSize)
                {
                    int n = Math.Min(blockSize, list.Count - first);
                    Array.Clear(errors);
                    Parallel.For(0, n, options, i =>
                    {
                        try
                        {
                            DecodeResizeCrop(list.FullPath(first + i), size, block.AsSpan(i * imageSize, imageSize));
                        }
                        catch (Exception e) when (e is DatasetFormatException or IOException or UnauthorizedAccessException)
                        {
                            errors[i] = e;
                        }
                    });
                    // The first failure in list order, so the error does not depend on scheduling.
                    int failed = Array.FindIndex(errors, 0, n, e => e is not null);
                    if (failed >= 0)
                    {
                        if (errors[failed] is DatasetFormatException format)
                        {
                            ExceptionDispatchInfo.Throw(format);
                        }
                        throw new DatasetFormatException(list.FullPath(first + failed), errors[failed]!.Message, errors[failed]!);
                    }
                    file.Write(block, 0, n * imageSize);
                    progress?.Invoke(new CacheBuildProgress(cachePath, first + n, list.Count, clock.Elapsed));
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, cachePath, overwrite: true);
            return list.Count;
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Decodes one file and writes its Resize(S) + CenterCrop(S) as S×S×3 HWC bytes.</summary>
    public static void DecodeResizeCrop(string path, int size, Span<byte> destination)
    {
        var pixels = ImageFileDecoder.Decode(path);
        var (h, w) = ResizedCrop.ShorterSideTo(pixels.Height, pixels.Width, size);
        var window = ResizedCrop.CenterBox(h, w, size, size);
        BicubicResampler.ResizeWindow(pixels.Data, pixels.Height, pixels.Width, RgbaPixels.Stride, 3,
            h, w, window.Top, window.Left, size, size, destination);
    }
}
