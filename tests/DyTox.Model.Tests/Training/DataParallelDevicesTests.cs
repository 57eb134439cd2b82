using DyTox.Autograd;
using DyTox.Kernels.Backend;
using DyTox.Kernels.Emulator;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;
using DyTox.Training;
using static DyTox.Model.Tests.Training.TrainerTests;

namespace DyTox.Model.Tests.Training;

/// <summary>
/// Data parallelism over devices: with a device per replica the world_size replicas run at once, each on its own
/// device with its own copy of the model and teacher, and their gradients are summed on rank 0's device in rank order.
/// The results must not depend on the number of devices: they are the bits of the same replicas taking turns on one
/// device. The devices here are separate CPU backends (what CI has); the executor is backend-agnostic.
/// </summary>
[TestFixture]
public class DataParallelDevicesTests
{
    private sealed class Recorder : ITrainingObserver
    {
        public readonly List<double> Losses = [];

        public void OnEpochEnd(int task, TrainerPhase phase, int epoch, double meanLoss, double learningRate, double imagesPerSecond) =>
            Losses.Add(meanLoss);
    }

    // Everything that is drawn per replica on: MixUp, label smoothing, drop-path, and DyTox++'s ASAM (two passes per step);
    // and gradient clipping of the replicas' mean, whose norm is a reduction over every parameter.
    private static TrainerSettings Replicated(string? output = null) => Settings(output: output) with
    {
        BaseEpochs = 2, IncrementalEpochs = 2, WorldSize = 2, BatchSize = 16, IncrementalBatchSize = 16,
        MixupAlpha = 0.8, LabelSmoothing = 0.1, SamRho = 3.0, ClipGradNorm = 0.05,
    };

    private static IBackend[] Devices(int count) => [CpuBackend.Instance, .. Enumerable.Range(1, count - 1).Select(_ => new CpuBackend())];

    /// <summary>With three replicas the rank order of the gradient sum matters ((g₀ + g₁) + g₂ is not (g₁ + g₂) + g₀
    /// in floating point), so this also checks that the devices' gradients are summed in rank order.
    /// With <paramref name="finetuningOptions"/> the finetuning also distils from the teacher (which then goes to every
    /// device), trains the divergence head and starts from reset classifiers.</summary>
    [TestCase(2, false)]
    [TestCase(3, false)]
    [TestCase(2, true)]
    public void DevicesGiveTheBitsOfTheReplicasTakingTurnsOnOne(int replicas, bool finetuningOptions)
    {
        var scenario = Scenario();
        var settings = Replicated() with
        {
            WorldSize = replicas,
            FinetuningDistillation = finetuningOptions, DivergenceInFinetuning = finetuningOptions, FinetuningResetClassifiers = finetuningOptions,
        };
        var oneLog = new Recorder();
        var twoLog = new Recorder();
        Dictionary<string, double[]> oneDevice, twoDevices;
        double[] accOne, accTwo;
        var (a, _, _) = NewTrainer(settings, scenario, observer: oneLog);
        using (a) { accOne = a.Run().Top1PerStep.ToArray(); oneDevice = Weights(a.Model); }
        var (b, _, _) = NewTrainer(settings, scenario, observer: twoLog, devices: Devices(replicas));
        using (b) { accTwo = b.Run().Top1PerStep.ToArray(); twoDevices = Weights(b.Model); }

        Assert.That(twoLog.Losses, Has.Count.EqualTo(2 + 2 + 2), "main training of both tasks and the finetuning");
        Assert.That(twoLog.Losses, Is.EqualTo(oneLog.Losses), "every epoch's mean loss, to the bit");
        Assert.That(accTwo, Is.EqualTo(accOne));
        Assert.That(twoDevices.Keys, Is.EquivalentTo(oneDevice.Keys));
        foreach (var (name, w) in oneDevice) Assert.That(twoDevices[name], Is.EqualTo(w), name);
    }

    /// <summary>A checkpoint does not depend on the device count: a run stopped mid-task on two devices resumes on one,
    /// and one stopped on one device resumes on two, both to the bits of the uninterrupted run.</summary>
    [TestCase(2, 1)]
    [TestCase(1, 2)]
    public void ARunStoppedMidTaskResumesOnAnotherNumberOfDevicesToTheSameBits(int stoppedOn, int resumedOn)
    {
        var scenario = Scenario();
        string dir = Path.Combine(Path.GetTempPath(), "dytox-devices-" + Guid.NewGuid().ToString("N"));
        try
        {
            Dictionary<string, double[]> uninterrupted, resumedWeights;
            var (full, _, _) = NewTrainer(Replicated(), scenario);
            using (full) { full.Run(); uninterrupted = Weights(full.Model); }

            var split = Replicated(Path.Combine(dir, "split"));
            using (var cancel = new CancellationTokenSource())
            {
                var (first, _, _) = NewTrainer(split, scenario, observer: new StopAfter(task: 1, epoch: 0, cancel), devices: DevicesOrNone(stoppedOn));
                using (first) Assert.Throws<OperationCanceledException>(() => first.Run(cancel.Token));
            }
            var (resumed, _, _) = NewTrainer(split, scenario, devices: DevicesOrNone(resumedOn));
            using (resumed) { resumed.Run(); resumedWeights = Weights(resumed.Model); }
            foreach (var (name, w) in uninterrupted) Assert.That(resumedWeights[name], Is.EqualTo(w), name);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    private static IBackend[]? DevicesOrNone(int count) => count == 1 ? null : Devices(count);

    /// <summary>The same on the CUDA backend, on two emulated GPUs (one CudaBackend and driver each, run on two threads at
    /// once): the CUDA path's per-thread contexts and device-to-device gradient transfers, in CI.</summary>
    [Test]
    public void TwoEmulatedGpusGiveTheBitsOfTwoReplicasTakingTurnsOnOne()
    {
        EmulatorDriver first, second;
        try { first = new EmulatorDriver(); second = new EmulatorDriver(); }
        catch (EmulatorUnavailableException e) { Assert.Ignore($"no CPU emulator: {e.Message}"); return; }
        using (first)
        using (second)
        using (var gpu0 = new CudaBackend(first))
        using (var gpu1 = new CudaBackend(second))
        {
            var train = DyTox.Data.SyntheticImageDataset.Create(classes: 4, perClass: 48, height: 8, width: 8, channels: 1, seed: 7); // 3 steps per epoch of task 0
            var test = DyTox.Data.SyntheticImageDataset.Create(classes: 4, perClass: 4, height: 8, width: 8, channels: 1, seed: 8);
            var scenario = new DyTox.Data.ClassIncrementalScenario(train, test, initialIncrement: 2, increment: 2, classOrder: [2, 0, 3, 1]);
            var settings = Replicated() with { BaseEpochs = 1, IncrementalEpochs = 1, FinetuningEpochs = 1, MemorySize = 8, SamRho = 0 };
            Dictionary<string, double[]> inTurn, atOnce;
            var transform = new DyTox.Data.Augmentation.AugmentationPipeline(DyTox.Data.Augmentation.AugmentationPreset.None,
                DyTox.Data.Augmentation.ImageNormalizer.FromDatasetStatistics(train));
            using (var a = new ContinualTrainer(settings, scenario, gpu0, DType.Float32, transform, transform))
            {
                a.Run();
                inTurn = Weights(a.Model);
            }
            using (var b = new ContinualTrainer(settings, scenario, gpu0, DType.Float32, transform, transform, devices: [gpu0, gpu1]))
            {
                b.Run();
                atOnce = Weights(b.Model);
            }
            foreach (var (name, w) in inTurn) Assert.That(atOnce[name], Is.EqualTo(w), name);
        }
    }

    [Test]
    public void TheDevicesMustBeOnePerReplicaWithTheTrainersBackendFirst()
    {
        var scenario = Scenario();
        var settings = Replicated();
        var other = new CpuBackend();
        Assert.That(() => NewTrainer(settings with { WorldSize = 1, BatchSize = 32 }, scenario, devices: [CpuBackend.Instance, other]),
                    Throws.ArgumentException.With.Message.Contain("2 devices for world size 1"));
        Assert.That(() => new ContinualTrainer(settings, scenario, CpuBackend.Instance, DType.Float32, Augmentations(), Augmentations(), null, [other, CpuBackend.Instance]),
                    Throws.ArgumentException.With.Message.Contain("devices[0] must be the trainer's backend"));
        Assert.That(() => NewTrainer(settings, scenario, devices: [CpuBackend.Instance, CpuBackend.Instance]),
                    Throws.ArgumentException.With.Message.Contain("a device of its own"));
    }

    private static DyTox.Data.Augmentation.AugmentationPipeline Augmentations() =>
        new(DyTox.Data.Augmentation.AugmentationPreset.None, DyTox.Data.Augmentation.ImageNormalizer.FromDatasetStatistics(Scenario().Train));

    /// <summary>A replica is the model on another device: same parameters and bits, same trainable set, same module modes,
    /// the same logits; and it owns its weights.</summary>
    [Test]
    public void CloneToCopiesStructureWeightsTrainableSetAndModes()
    {
        using var scope = TensorScope.Begin();
        var model = new DyToxModel(Tiny, CpuBackend.Instance, DType.Float32, new Rng(5));
        model.AddTask(2);
        model.AddTask(3);
        model.SetTrainablePhase(DyTox.Model.TrainingPhase.Finetune);
        foreach (var sab in model.Sabs) sab.Eval();
        var device = new CpuBackend();
        var transfer = new DeviceTransfer();
        using var replica = model.CloneTo(device, transfer);

        Assert.That(replica.Backend, Is.SameAs(device));
        Assert.That(replica.DivergenceHead, Is.Not.Null);
        var mine = model.NamedParameters().ToList();
        var theirs = replica.NamedParameters().ToList();
        Assert.That(theirs.Select(p => p.Name), Is.EqualTo(mine.Select(p => p.Name)));
        for (int i = 0; i < mine.Count; i++)
        {
            Assert.That(theirs[i].Parameter.Value.ToArray<float>(), Is.EqualTo(mine[i].Parameter.Value.ToArray<float>()), mine[i].Name);
            Assert.That(theirs[i].Parameter.RequiresGrad, Is.EqualTo(mine[i].Parameter.RequiresGrad), mine[i].Name);
            Assert.That(theirs[i].Parameter.Value.Address, Is.Not.EqualTo(mine[i].Parameter.Value.Address), "its own storage");
        }
        Assert.That(replica.NamedModules().Select(m => (m.Name, m.Module.Training)), Is.EqualTo(model.NamedModules().Select(m => (m.Name, m.Module.Training))));
        Assert.That(model.Sabs[0].Training, Is.False, "the test covers mixed modes");
        Assert.That(model.Training, Is.True);

        var images = new float[3 * 8 * 8];
        for (int i = 0; i < images.Length; i++) images[i] = MathF.Sin(i);
        using var x = CpuBackend.Instance.Empty(DType.Float32, [3, 1, 8, 8]);
        x.Span<float>().Fill(0);
        images.CopyTo(x.Span<float>());
        using var y = device.Empty(DType.Float32, [3, 1, 8, 8]);
        images.CopyTo(y.Span<float>());
        using (GradMode.NoGrad())
        using (model.TrainingMode(false))
        using (replica.TrainingMode(false))
        {
            var mineLogits = model.Forward(new Variable(x), withDivergence: false).Logits.Value.ToArray<float>();
            var theirLogits = replica.Forward(new Variable(y), withDivergence: false).Logits.Value.ToArray<float>();
            Assert.That(theirLogits, Is.EqualTo(mineLogits));
        }
    }
}
