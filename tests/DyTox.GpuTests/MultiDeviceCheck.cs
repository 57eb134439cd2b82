using System.Diagnostics;
using DyTox.Data;
using DyTox.Data.Augmentation;
using DyTox.Kernels.Backend;
using DyTox.Kernels.Checks;
using DyTox.Kernels.Cuda;
using DyTox.Model;
using DyTox.Tensor;
using DyTox.Training;

namespace DyTox.GpuTests;

/// <summary>
/// Data parallelism over CUDA devices (train --devices): a short DyTox run with world_size 2 (both tasks, MixUp,
/// drop-path, herding, finetuning) once with the replicas taking turns on one backend and once with a CudaBackend
/// per replica running at once, which must give the same weights bit for bit. The second backend is GPU 1 when
/// there is one (transfers by cuMemcpyPeerAsync), else a second driver (stream, cuBLAS handle, memory pool) on GPU 0,
/// whose transfers are device-to-device copies within the GPU's one context: the threads and the replica logic are
/// exercised either way. NUnit runs the same on CPU backends and on two emulated GPUs in CI (DataParallelDevicesTests).
/// </summary>
internal static class MultiDeviceCheck
{
    public static CheckResult Run(CudaBackend backend)
    {
        const string name = "data parallelism: world_size 2 on two CUDA backends at once = in turn on one, bit for bit";
        try
        {
            bool secondGpu = CudaDriver.TryCreate(out var second, out _, ordinal: 1);
            if (!secondGpu && !CudaDriver.TryCreate(out second, out var reason, ordinal: 0)) return new CheckResult(name, false, reason);
            using (second)
            using (var other = new CudaBackend(second!))
            {
                var (inTurn, oneSeconds) = Train(backend, devices: null);
                var (atOnce, twoSeconds) = Train(backend, devices: [backend, other]);
                var differing = inTurn.Keys.Where(k => !inTurn[k].AsSpan().SequenceEqual(atOnce[k])).ToList();
                string where = secondGpu ? "GPUs 0 and 1" : "two drivers on GPU 0";
                string detail = differing.Count == 0
                    ? $"{inTurn.Count} weight tensors bitwise equal; in turn {oneSeconds:F2} s, at once on {where} {twoSeconds:F2} s"
                    : $"{differing.Count} of {inTurn.Count} weight tensors differ (first: {differing[0]})";
                return new CheckResult(name, differing.Count == 0, detail);
            }
        }
        catch (Exception e)
        {
            return new CheckResult(name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static (Dictionary<string, float[]> Weights, double Seconds) Train(CudaBackend backend, IBackend[]? devices)
    {
        var c = DyToxConfig.Fixture with { DropPathMax = 0.1 };
        var train = SyntheticImageDataset.Create(classes: 4, perClass: 96, height: c.ImageSize, width: c.ImageSize, channels: c.InChannels, seed: 7);
        var test = SyntheticImageDataset.Create(classes: 4, perClass: 16, height: c.ImageSize, width: c.ImageSize, channels: c.InChannels, seed: 8);
        var scenario = new ClassIncrementalScenario(train, test, initialIncrement: 2, increment: 2, classOrder: [2, 0, 3, 1]);
        var settings = new TrainerSettings
        {
            Method = ContinualMethod.DyTox, Model = c, Seed = 11, BaseEpochs = 2, IncrementalEpochs = 2, BatchSize = 16, IncrementalBatchSize = 16,
            LearningRate = 0.02, IncrementalLearningRate = 0.02, WarmupEpochs = 0, RepeatedAugmentations = 1, MemorySize = 24,
            FinetuningEpochs = 1, FinetuningLearningRate = 0.005, EvalEvery = 0, EvalBatchSize = 64,
            WorldSize = 2, MixupAlpha = 0.8, LabelSmoothing = 0.1,
        };
        var normalizer = ImageNormalizer.FromDatasetStatistics(scenario.Train);
        var transform = new AugmentationPipeline(AugmentationPreset.None, normalizer);
        var clock = Stopwatch.StartNew();
        using var trainer = new ContinualTrainer(settings, scenario, backend, DType.Float32, transform, transform, observer: null, devices);
        trainer.Run();
        double seconds = clock.Elapsed.TotalSeconds;
        return (trainer.Model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.ToArray<float>()), seconds);
    }
}
