using DyTox.Tensor;
using DyTox.Training;
using static DyTox.Model.Tests.Training.TrainerTests;

namespace DyTox.Model.Tests.Training;

/// <summary>
/// <c>world_size</c>: R data-parallel replicas of <c>batch_size</c> form one global batch, run one after another
/// with DistributedDataParallel's semantics (TrainerSettings.WorldSize).
/// </summary>
[TestFixture]
public class WorldSizeTests
{
    private sealed class Recorder : ITrainingObserver
    {
        public readonly List<(int Task, TrainerPhase Phase, int Epoch, int Steps)> Epochs = [];
        public readonly List<double> Losses = [];
        public readonly List<double> LearningRates = [];

        public void OnEpochStart(int task, TrainerPhase phase, int epoch, int epochs, int steps) => Epochs.Add((task, phase, epoch, steps));

        public void OnEpochEnd(int task, TrainerPhase phase, int epoch, double meanLoss, double learningRate, double imagesPerSecond)
        {
            Losses.Add(meanLoss);
            LearningRates.Add(learningRate);
        }
    }

    /// <summary>Without the draws that are per replica (MixUp, drop-path), two replicas of 16 see the same samples
    /// with the same augmentations as one batch of 32, and the mean of their batch-mean gradients is the
    /// gradient of the 32-sample mean: the runs agree to float64 rounding, step for step, through both tasks,
    /// the herding and the finetuning.</summary>
    [Test]
    public void TwoReplicasOfHalfTheBatchTrainLikeOneBatchOfTheWhole()
    {
        var scenario = Scenario();
        var settings = Settings() with { Model = Tiny with { DropPathMax = 0 }, BaseEpochs = 3, IncrementalEpochs = 3 };
        var one = new Recorder();
        var two = new Recorder();
        Dictionary<string, double[]> wOne, wTwo;
        double[] accOne, accTwo;
        var (a, _, _) = NewTrainer(settings, scenario, DType.Float64, one);
        using (a) { accOne = a.Run().Top1PerStep.ToArray(); wOne = Weights(a.Model); }
        var (b, _, _) = NewTrainer(settings with { WorldSize = 2, BatchSize = 16, IncrementalBatchSize = 16 }, scenario, DType.Float64, two);
        using (b) { accTwo = b.Run().Top1PerStep.ToArray(); wTwo = Weights(b.Model); }

        Assert.That(two.Epochs, Is.EqualTo(one.Epochs), "same steps per epoch");
        Assert.That(two.LearningRates, Is.EqualTo(one.LearningRates), "lr · 16 · 2 / 512 = lr · 32 / 512");
        Assert.That(two.Losses, Is.EqualTo(one.Losses).Within(1e-12));
        Assert.That(accTwo, Is.EqualTo(accOne));
        foreach (var (name, w) in wOne)
        {
            double scale = Math.Max(1, w.Max(Math.Abs));
            Assert.That(wTwo[name], Is.EqualTo(w).Within(1e-10 * scale), name);
        }
        // Not the same bits: the sums run in another order, which is why the agreement above is a real check.
        Assert.That(wOne.Any(kv => !kv.Value.SequenceEqual(wTwo[kv.Key])), Is.True);
    }

    /// <summary>With everything per replica on (MixUp, drop-path, DyTox++'s ASAM), a two-replica run repeats to the bit,
    /// resumes mid-task to the bit, and is not the one-replica run.</summary>
    [Test]
    public void ReplicatedRunsRepeatAndResumeToTheSameBits()
    {
        var scenario = Scenario();
        string dir = Path.Combine(Path.GetTempPath(), "dytox-worldsize-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = Settings(output: Path.Combine(dir, "full")) with
            {
                BaseEpochs = 2, IncrementalEpochs = 3, WorldSize = 2, BatchSize = 16, IncrementalBatchSize = 16,
                MixupAlpha = 0.8, LabelSmoothing = 0.1, SamRho = 3.0,
            };
            Dictionary<string, double[]> uninterrupted, again, resumedWeights, single;
            var (full, _, _) = NewTrainer(settings, scenario);
            using (full) { full.Run(); uninterrupted = Weights(full.Model); }
            var (repeat, _, _) = NewTrainer(settings with { OutputDirectory = null }, scenario);
            using (repeat) { repeat.Run(); again = Weights(repeat.Model); }

            var split = settings with { OutputDirectory = Path.Combine(dir, "split") };
            using (var cancel = new CancellationTokenSource())
            {
                var (first, _, _) = NewTrainer(split, scenario, observer: new StopAfter(task: 1, epoch: 0, cancel));
                using (first) Assert.Throws<OperationCanceledException>(() => first.Run(cancel.Token));
            }
            var (resumed, _, _) = NewTrainer(split, scenario);
            using (resumed) { resumed.Run(); resumedWeights = Weights(resumed.Model); }

            var (oneReplica, _, _) = NewTrainer(settings with { OutputDirectory = null, WorldSize = 1, BatchSize = 32, IncrementalBatchSize = 32 }, scenario);
            using (oneReplica) { oneReplica.Run(); single = Weights(oneReplica.Model); }

            foreach (var (name, w) in uninterrupted)
            {
                Assert.That(again[name], Is.EqualTo(w), name);
                Assert.That(resumedWeights[name], Is.EqualTo(w), name);
            }
            Assert.That(uninterrupted.Any(kv => !kv.Value.SequenceEqual(single[kv.Key])), Is.True,
                        "per-replica MixUp and drop-path draws make world size 2 a different run from one batch of 32");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Preparing the next step's images on a worker thread (the default on CUDA) changes no bit: augmentations are
    /// keyed by position and the MixUp streams are drawn in step order.</summary>
    [Test]
    public void PrefetchingTheNextBatchChangesNoBit()
    {
        var scenario = Scenario();
        var settings = Settings() with
        {
            BaseEpochs = 2, IncrementalEpochs = 2, WorldSize = 2, BatchSize = 16, IncrementalBatchSize = 16, MixupAlpha = 0.8, LabelSmoothing = 0.1,
        };
        Dictionary<string, double[]> plain, prefetched;
        double[] accPlain, accPrefetched;
        var (a, _, _) = NewTrainer(settings with { PrefetchBatches = false }, scenario);
        using (a) { accPlain = a.Run().Top1PerStep.ToArray(); plain = Weights(a.Model); }
        var (b, _, _) = NewTrainer(settings with { PrefetchBatches = true }, scenario);
        using (b) { accPrefetched = b.Run().Top1PerStep.ToArray(); prefetched = Weights(b.Model); }
        Assert.That(accPrefetched, Is.EqualTo(accPlain));
        foreach (var (name, w) in plain) Assert.That(prefetched[name], Is.EqualTo(w), name);
    }

    [Test]
    public void ACheckpointOfAnotherWorldSizeIsRefused()
    {
        var scenario = Scenario();
        string dir = Path.Combine(Path.GetTempPath(), "dytox-worldsize-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = Settings(output: dir) with { BaseEpochs = 1, IncrementalEpochs = 1, MaxTasks = 1 };
            var (first, _, _) = NewTrainer(settings, scenario);
            using (first) first.Run();
            var (other, _, _) = NewTrainer(settings with { MaxTasks = null, WorldSize = 2, BatchSize = 16, IncrementalBatchSize = 16 }, scenario);
            using (other) Assert.That(() => other.Run(), Throws.TypeOf<InvalidDataException>().With.Message.Contain("other settings"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void TheLearningRateScalesWithTheGlobalBatch()
    {
        var s = Settings() with { LearningRate = 5e-4, BatchSize = 128, IncrementalBatchSize = 128, WorldSize = 2, FinetuningLearningRate = 5e-5 };
        Assert.That(s.ScaledLearningRate(0), Is.EqualTo(2.5e-4).Within(1e-18));
        Assert.That(s.ScaledFinetuningLearningRate(1), Is.EqualTo(2.5e-5).Within(1e-18));
        Assert.That(() => (s with { WorldSize = 0 }).Validate(), Throws.ArgumentException);
        Assert.That(() => (s with { ReferenceSamplerDefect = true, RepeatedAugmentations = 3 }).Validate(),
                    Throws.ArgumentException.With.Message.Contain("single-process"));
    }
}
