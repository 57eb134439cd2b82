using System.Diagnostics;
using System.Globalization;
using DyTox.Data;
using DyTox.Data.Augmentation;
using DyTox.Tensor.Cpu;
using DyTox.Training;

namespace DyTox.Bench.Data;

/// <summary>
/// How long the host takes to prepare one training batch (BatchAssembler.FillHost: the DyTox training transform of
/// every image, in parallel over the cores): CIFAR (32×32, RandomCrop(pad 4) → flip → RandAugment) and ImageNet
/// (a 256×341 stored image → RandomResizedCrop 224 → flip → RandAugment), batch 128. Without overlap this time adds to
/// every GPU step; the numbers say how much a prefetch of the next batch hides.
/// dotnet run -c Release --project bench/DyTox.Bench -- --data-pipeline [seconds per case]
/// </summary>
public static class DataPipelineThroughput
{
    public const string Switch = "--data-pipeline";

    public static int Run(string[] args)
    {
        double seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        Console.WriteLine($"data pipeline: BatchAssembler.FillHost, batch 128, {Environment.ProcessorCount} cores");
        Measure("CIFAR 32x32, DyTox train transform", SyntheticImageDataset.Create(100, 10, 32, 32, 3, seed: 1),
                new AugmentationPipeline(AugmentationPreset.DyTox, new ImageNormalizer(ImageNormalizer.CifarMean, ImageNormalizer.CifarStd)), 32, seconds);
        Measure("ImageNet 256x341 -> 224, DyTox train transform", SyntheticImageDataset.Create(10, 26, 256, 341, 3, seed: 2),
                AugmentationPipeline.WithResizedCrop(AugmentationPreset.DyTox, new ImageNormalizer(ImageNormalizer.ImageNetMean, ImageNormalizer.ImageNetStd), 224),
                224, seconds);
        Stages(SyntheticImageDataset.Create(10, 26, 256, 341, 3, seed: 2), seconds);
        return 0;
    }

    /// <summary>The ImageNet transform's stages on one thread: RandomResizedCrop (bicubic, antialiased), RandAugment
    /// (2 ops, m9, mstd 0.5), normalisation to CHW floats; each RandAugment op alone at magnitude 9.</summary>
    private static void Stages(InMemoryImageDataset data, double seconds)
    {
        var crop = new RandomResizedCropOptions();
        var rand = new RandAugment();
        var normalizer = new ImageNormalizer(ImageNormalizer.ImageNetMean, ImageNormalizer.ImageNetStd);
        var floats = new float[3 * 224 * 224];
        var rng = new SplitMix64Random(3);
        var sample = ResizedCrop.RandomResizedCrop(ByteImageView.FromDataset(data, 0), 224, crop, rng);
        Console.WriteLine("  ImageNet transform stages, one thread, µs per image:");
        int index = 0;
        Stage("RandomResizedCrop 224 (bicubic)", () => ResizedCrop.RandomResizedCrop(ByteImageView.FromDataset(data, index++ % data.Count), 224, crop, rng), seconds);
        Stage("RandAugment (2 ops)", () => rand.Apply(sample, rng), seconds);
        Stage("normalise to CHW floats", () => normalizer.Normalize(sample, floats), seconds);
        foreach (var op in RandAugment.IncreasingOps)
            Stage($"  op {op} (m9)", () => rand.ApplyOp(op, sample, 9, rng), seconds / 4);
    }

    private static void Stage(string name, Action body, double seconds)
    {
        for (int i = 0; i < 20; i++) body();
        var clock = Stopwatch.StartNew();
        int n = 0;
        while (clock.Elapsed.TotalSeconds < seconds / 3 || n < 20)
        {
            body();
            n++;
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {name,-40} {clock.Elapsed.TotalMilliseconds * 1000 / n,9:F1}"));
    }

    private static void Measure(string name, InMemoryImageDataset data, AugmentationPipeline pipeline, int size, double seconds)
    {
        const int batch = 128;
        var subset = new LabeledSubset(data, Enumerable.Range(0, data.Count).ToArray(), data.Labels.ToArray(), new int[data.Count]);
        var assembler = new BatchAssembler(pipeline, 3, size, size, CpuBackend.Instance, DyTox.Tensor.DType.Float32);
        var host = new float[batch * assembler.ImageElements];
        var positions = Enumerable.Range(0, batch).Select(i => i % data.Count).ToArray();
        int epoch = 0;
        void Once() => assembler.FillHost(subset, positions, seed: 5, epoch++, 0, host);
        for (int i = 0; i < 3; i++) Once(); // warm-up (JIT)
        var times = new List<double>();
        int gen0 = GC.CollectionCount(0), gen2 = GC.CollectionCount(2);
        long allocated = GC.GetTotalAllocatedBytes();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds || times.Count < 5)
        {
            long start = Stopwatch.GetTimestamp();
            Once();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        double perBatch = 1.0 / times.Count;
        double mb = (GC.GetTotalAllocatedBytes() - allocated) * perBatch / (1 << 20);
        double g0 = (GC.CollectionCount(0) - gen0) * perBatch, g2 = (GC.CollectionCount(2) - gen2) * perBatch;
        times.Sort();
        double median = times[times.Count / 2];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {name,-48} median {median,8:F1} ms/batch (best {times[0]:F1}), {batch / median * 1000,8:F0} images/s, {median * Environment.ProcessorCount / batch,6:F2} core-ms/image ({times.Count} batches)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {"",-48} allocated {mb,8:F1} MB/batch, GCs per batch: gen0 {g0:F2}, gen2 {g2:F2}"));
    }
}
