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
/// Builds a packed image cache from a sample list: each image is decoded (<see cref="ImageFileDecoder"/>) and resized
/// with PIL-style antialiased bicubic (<see cref="BicubicResampler"/>) so that its shorter side is S, aspect ratio kept
/// (torchvision's <c>Resize(S)</c>); the whole field of view is stored, so the training crops see all of it.
/// Images are decoded in parallel, a block at a time, and written in list order, so the file is byte-identical
/// whatever the thread count; the header with the index of image sizes is written last, once every size is known.
/// The file is a temporary one in the same folder, renamed into place at the end: a crash never leaves a cache that
/// looks valid. Skia only decodes: its cubic resampler (<c>SKCubicResampler.CatmullRom</c>, same kernel) takes a fixed
/// 4×4 footprint and does not antialias when shrinking (a 1-pixel checkerboard shrunk 5× comes out as 0/255 stripes,
/// PIL gives grey), and ImageNet's JPEGs are mostly shrunk 1.5–8× here, so the PIL-style resampler is used instead.
/// </summary>
public static class PackedImageCacheBuilder
{
    private const int Channels = 3;

    /// <summary>Builds <paramref name="cachePath"/> with shorter side <paramref name="size"/>; returns the number of images written.</summary>
    public static int Build(
        ImageNetSampleList list, string cachePath, int size,
        int maxDegreeOfParallelism = -1, Action<CacheBuildProgress>? progress = null, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(list);
        if (size <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "the cached images' shorter side must be positive.");
        }
        int degree = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount;
        // A block bounds the memory in flight (blockSize images of about S·4S/3·3 bytes, 32 MiB at S = 256) and orders the writes.
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
                var shapes = new (int Height, int Width)[list.Count];
                // The pixels go after the header, whose length depends only on the count and the class names.
                file.Position = PackedImageCacheFormat.DataOffsetFor(list.Count, list.ClassNames);
                var block = new ByteImage?[blockSize];
                var errors = new Exception?[blockSize];
                var options = new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancel };
                for (int first = 0; first < list.Count; first += blockSize)
                {
                    int n = Math.Min(blockSize, list.Count - first);
                    Array.Clear(errors);
                    Array.Clear(block);
                    Parallel.For(0, n, options, i =>
                    {
                        try
                        {
                            block[i] = DecodeResize(list.FullPath(first + i), size);
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
                    for (int i = 0; i < n; i++)
                    {
                        var image = block[i]!;
                        shapes[first + i] = (image.Height, image.Width);
                        file.Write(image.Data);
                    }
                    progress?.Invoke(new CacheBuildProgress(cachePath, first + n, list.Count, clock.Elapsed));
                }
                file.Position = 0;
                file.Write(PackedImageCacheFormat.Encode(size, Channels, list.ComputeHash(), labels, shapes, list.ClassNames));
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

    /// <summary>Decodes one file and returns its <c>Resize(S)</c>: shorter side S, aspect ratio kept, RGB HWC.</summary>
    public static ByteImage DecodeResize(string path, int size)
    {
        var pixels = ImageFileDecoder.Decode(path);
        var (h, w) = ResizedCrop.ShorterSideTo(pixels.Height, pixels.Width, size);
        var image = new ByteImage(h, w, Channels);
        BicubicResampler.ResizeWindow(pixels.Data, pixels.Height, pixels.Width, RgbaPixels.Stride, Channels,
            h, w, 0, 0, h, w, image.Data);
        return image;
    }
}
