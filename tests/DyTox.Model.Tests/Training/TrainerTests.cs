using DyTox.Autograd;
using DyTox.Data;
using DyTox.Data.Augmentation;
using DyTox.Model;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;
using DyTox.Training;

namespace DyTox.Model.Tests.Training;

/// <summary>End-to-end runs of the continual trainer on a small synthetic scenario (2 tasks of 2 classes).</summary>
[TestFixture]
public class TrainerTests
{
    internal static readonly DyToxConfig Tiny = new()
    {
        ImageSize = 8, InChannels = 1, PatchSize = 2, EmbedDim = 16, NumHeads = 4, MlpRatio = 2,
        SelfAttentionBlocks = 1, TaskAttentionBlocks = 1, DropPathMax = 0.1,
    };

    internal static ClassIncrementalScenario Scenario()
    {
        var train = SyntheticImageDataset.Create(classes: 4, perClass: 96, height: 8, width: 8, channels: 1, seed: 7);
        var test = SyntheticImageDataset.Create(classes: 4, perClass: 16, height: 8, width: 8, channels: 1, seed: 8);
        return new ClassIncrementalScenario(train, test, initialIncrement: 2, increment: 2, classOrder: [2, 0, 3, 1]);
    }

    internal static TrainerSettings Settings(ContinualMethod method = ContinualMethod.DyTox, string? output = null) => new()
    {
        Method = method,
        Model = Tiny,
        Seed = 11,
        BaseEpochs = 6,
        IncrementalEpochs = 6,
        BatchSize = 32,
        IncrementalBatchSize = 32,
        LearningRate = 0.02,       // scaled by 32/512 → 1.25e-3
        IncrementalLearningRate = 0.02,
        WarmupEpochs = 0,
        RepeatedAugmentations = 1,
        MemorySize = 24,
        FinetuningEpochs = 2,
        FinetuningLearningRate = 0.005,
        EvalEvery = 0,
        EvalBatchSize = 64,
        OutputDirectory = output,
    };

    internal static (ContinualTrainer Trainer, AugmentationPipeline Train, AugmentationPipeline Test) NewTrainer(
        TrainerSettings settings, ClassIncrementalScenario scenario, DType dtype = DType.Float32, ITrainingObserver? observer = null,
        IReadOnlyList<IBackend>? devices = null)
    {
        var normalizer = ImageNormalizer.FromDatasetStatistics(scenario.Train);
        // No flips: the synthetic classes are bars at fixed positions, which a horizontal flip would swap.
        var train = new AugmentationPipeline(AugmentationPreset.None, normalizer);
        var test = new AugmentationPipeline(AugmentationPreset.None, normalizer);
        return (new ContinualTrainer(settings, scenario, devices?[0] ?? CpuBackend.Instance, dtype, train, test, observer, devices), train, test);
    }

    internal static Dictionary<string, double[]> Weights(DyToxModel model) =>
        model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.DType == DType.Float32
            ? p.Parameter.Value.ToArray<float>().Select(v => (double)v).ToArray()
            : p.Parameter.Value.ToArray<double>());

    [Test]
    public void DyToxLearnsTwoTasksAndKeepsAMemory()
    {
        var scenario = Scenario();
        var (trainer, _, _) = NewTrainer(Settings(), scenario);
        using (trainer)
        {
            var history = trainer.Run();
            Assert.That(history.StepCount, Is.EqualTo(2));
            Assert.That(trainer.Model.TaskCount, Is.EqualTo(2));
            Assert.That(trainer.Model.TaskTokens.Count, Is.EqualTo(2));
            Assert.That(trainer.Memory.Count, Is.LessThanOrEqualTo(24));
            Assert.That(trainer.Memory.Count, Is.EqualTo(24), "4 classes seen, quota 6 each");
            // Chance on 2 then 4 classes is 50% / 25%; the synthetic classes are separable.
            Assert.That(history.Steps[0].Evaluation.Top1, Is.GreaterThan(75));
            Assert.That(history.Steps[1].Evaluation.Top1, Is.GreaterThan(50));
            Assert.That(history.Steps[1].ParameterCount, Is.GreaterThan(history.Steps[0].ParameterCount!.Value));
        }
    }

    [Test]
    public void SameSeedGivesBitwiseIdenticalRuns()
    {
        var scenario = Scenario();
        Dictionary<string, double[]> first, second;
        double[] accFirst, accSecond;
        var (a, _, _) = NewTrainer(Settings() with { BaseEpochs = 2, IncrementalEpochs = 2 }, scenario);
        using (a) { accFirst = a.Run().Top1PerStep.ToArray(); first = Weights(a.Model); }
        var (b, _, _) = NewTrainer(Settings() with { BaseEpochs = 2, IncrementalEpochs = 2 }, scenario);
        using (b) { accSecond = b.Run().Top1PerStep.ToArray(); second = Weights(b.Model); }
        Assert.That(accSecond, Is.EqualTo(accFirst));
        Assert.That(second.Keys, Is.EquivalentTo(first.Keys));
        foreach (var (name, w) in first) Assert.That(second[name], Is.EqualTo(w), name);
    }

    internal sealed class StopAfter(int task, int epoch, CancellationTokenSource cancel, TrainerPhase stopPhase = TrainerPhase.Train) : ITrainingObserver
    {
        public void OnEpochEnd(int t, TrainerPhase phase, int e, double meanLoss, double learningRate, double imagesPerSecond)
        {
            if (t == task && e == epoch && phase == stopPhase) cancel.Cancel();
        }
    }

    /// <summary>
    /// Trains <paramref name="settings"/> without a stop (into a temporary folder's <c>full</c>), then again into <c>split</c>
    /// stopped after epoch <paramref name="epoch"/> of task <paramref name="task"/>'s <paramref name="phase"/> and resumed
    /// from its checkpoint; asserts both end with the same weights and accuracies, bit for bit. <paramref name="make"/>
    /// builds a trainer for settings and an observer (default: <see cref="NewTrainer"/> on <see cref="Scenario"/>).
    /// Returns the uninterrupted run's weights.
    /// </summary>
    internal static Dictionary<string, double[]> AssertStoppedRunResumesToTheSameBits(
        TrainerSettings settings, int task, int epoch, TrainerPhase phase = TrainerPhase.Train,
        Func<TrainerSettings, ITrainingObserver?, ContinualTrainer>? make = null)
    {
        make ??= (s, observer) => NewTrainer(s, Scenario(), observer: observer).Trainer;
        string dir = Path.Combine(Path.GetTempPath(), "dytox-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            Dictionary<string, double[]> uninterrupted, after;
            double[] accUninterrupted, accResumed;
            using (var full = make(settings with { OutputDirectory = Path.Combine(dir, "full") }, null))
            {
                accUninterrupted = full.Run().Top1PerStep.ToArray();
                uninterrupted = Weights(full.Model);
            }
            var split = settings with { OutputDirectory = Path.Combine(dir, "split") };
            using (var cancel = new CancellationTokenSource())
            using (var first = make(split, new StopAfter(task, epoch, cancel, phase)))
                Assert.Throws<OperationCanceledException>(() => first.Run(cancel.Token));
            Assert.That(File.Exists(Path.Combine(dir, "split", "checkpoint", "model.safetensors")), "the stopped run kept a checkpoint");
            using (var resumed = make(split, null))
            {
                accResumed = resumed.Run().Top1PerStep.ToArray();
                after = Weights(resumed.Model);
            }
            Assert.That(accResumed, Is.EqualTo(accUninterrupted));
            foreach (var (name, w) in uninterrupted) Assert.That(after[name], Is.EqualTo(w), name);
            return uninterrupted;
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ARunStoppedMidTaskResumesToTheSameBits() =>
        AssertStoppedRunResumesToTheSameBits(Settings() with { BaseEpochs = 2, IncrementalEpochs = 3 }, task: 1, epoch: 0);

    /// <summary>The finetuning options together (reset heads, distillation and the divergence head in the finetuning):
    /// a run stopped inside the finetuning resumes to the bits of the uninterrupted run (the heads are reset once).</summary>
    [Test]
    public void ARunStoppedInsideAFinetuningWithItsOptionsResumesToTheSameBits() =>
        AssertStoppedRunResumesToTheSameBits(Settings() with
        {
            BaseEpochs = 1, IncrementalEpochs = 1, FinetuningEpochs = 3,
            FinetuningResetClassifiers = true, FinetuningDistillation = true, DivergenceInFinetuning = true,
        }, task: 1, epoch: 0, TrainerPhase.Finetune);

    private sealed class StopAfterTask(int task, CancellationTokenSource cancel) : ITrainingObserver
    {
        public void OnTaskEnd(int t, DyTox.Metrics.StepEvaluation evaluation, DyTox.Metrics.ContinualMetricsHistory history)
        {
            if (t == task) cancel.Cancel();
        }
    }

    [Test]
    public void ARunStoppedBetweenTasksResumesToTheSameBits()
    {
        var scenario = Scenario();
        string dir = Path.Combine(Path.GetTempPath(), "dytox-resume-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = Settings(output: Path.Combine(dir, "full")) with { BaseEpochs = 2, IncrementalEpochs = 2 };
            Dictionary<string, double[]> uninterrupted;
            var (full, _, _) = NewTrainer(settings, scenario);
            using (full) { full.Run(); uninterrupted = Weights(full.Model); }

            var split = settings with { OutputDirectory = Path.Combine(dir, "split") };
            DyTox.Metrics.StepCost? firstCost;
            using (var cancel = new CancellationTokenSource())
            {
                var (first, _, _) = NewTrainer(split, scenario, observer: new StopAfterTask(task: 0, cancel));
                using (first) Assert.Throws<OperationCanceledException>(() => first.Run(cancel.Token));
                firstCost = first.History.Steps[0].Cost;
            }
            var (resumed, _, _) = NewTrainer(split, scenario);
            Dictionary<string, double[]> after;
            using (resumed)
            {
                resumed.Run();
                after = Weights(resumed.Model);
                Assert.That(resumed.Model.TaskCount, Is.EqualTo(2));
                // What each step cost survives the checkpoint; the resumed step measures its own.
                Assert.That(resumed.History.Steps[0].Cost, Is.EqualTo(firstCost).And.Not.Null);
                var second = resumed.History.Steps[1].Cost!;
                Assert.That(second.Seconds, Is.GreaterThan(0));
                Assert.That(second.PeakHostBytes, Is.GreaterThan(second.PeakTensorBytes).And.GreaterThan(0));
                Assert.That(second.TensorPoolBytes, Is.GreaterThan(0));
            }
            Assert.That(after.Keys, Is.EquivalentTo(uninterrupted.Keys));
            foreach (var (name, w) in uninterrupted) Assert.That(after[name], Is.EqualTo(w), name);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ANewRunStartsFromAnotherRunsTaskSnapshotLikeResumeWithStartTask()
    {
        var scenario = Scenario();
        string dir = Path.Combine(Path.GetTempPath(), "dytox-start-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = Settings(output: Path.Combine(dir, "a")) with { BaseEpochs = 2, IncrementalEpochs = 2 };
            Dictionary<string, double[]> whole;
            double[] wholeAcc;
            var (a, _, _) = NewTrainer(settings, scenario);
            using (a) { wholeAcc = a.Run().Top1PerStep.ToArray(); whole = Weights(a.Model); }
            foreach (int k in new[] { 1, 2 })
                Assert.That(File.Exists(Path.Combine(TaskSnapshots.PathOf(Path.Combine(dir, "a"), k), "model.safetensors")), $"snapshot of task {k}");

            // Same settings from A's task-1 snapshot: the same bits as A's uninterrupted run, and A's task-0 results.
            var fromA = settings with { OutputDirectory = Path.Combine(dir, "b"), StartTask = 1, ResumeFrom = Path.Combine(dir, "a") };
            var (b, _, _) = NewTrainer(fromA, scenario);
            using (b)
            {
                Assert.That(b.Run().Top1PerStep, Is.EqualTo(wholeAcc));
                foreach (var (name, w) in whole) Assert.That(Weights(b.Model)[name], Is.EqualTo(w), name);
            }
            Assert.That(File.ReadLines(Path.Combine(dir, "b", "log.jsonl")).First(), Does.StartWith("{\"task\": 0,"), "task 0's line comes from the source run");

            // Other settings for the later task (one more epoch) start from the same snapshot and give other weights.
            var longer = fromA with { OutputDirectory = Path.Combine(dir, "c"), IncrementalEpochs = 3 };
            var (c, _, _) = NewTrainer(longer, scenario);
            using (c) { c.Run(); Assert.That(Weights(c.Model)["task_tokens.1"], Is.Not.EqualTo(whole["task_tokens.1"])); }

            // A task without a snapshot names what exists.
            var missing = fromA with { OutputDirectory = Path.Combine(dir, "d"), ResumeFrom = Path.Combine(dir, "c") };
            Directory.Delete(Path.Combine(dir, "c", TaskSnapshots.FolderName, "task1"), recursive: true);
            var e = Assert.Throws<DirectoryNotFoundException>(() => NewTrainer(missing, scenario));
            Assert.That(e!.Message, Does.Contain("no snapshot of task 1").And.Contain("available: task2"));

            // A snapshot of another split of the classes is refused: A's task 2 holds tasks of 2 + 2 classes.
            var other = new ClassIncrementalScenario(scenario.Train, scenario.Test, initialIncrement: 2, increment: 1, classOrder: [2, 0, 3, 1]);
            var split = settings with { OutputDirectory = Path.Combine(dir, "e"), StartTask = 2, ResumeFrom = Path.Combine(dir, "a") };
            var bad = Assert.Throws<InvalidDataException>(() => NewTrainer(split, other));
            Assert.That(bad!.Message, Does.Contain("[2, 2]").And.Contain("needs [2, 1]"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ACheckpointOfOtherSettingsIsRefusedByName()
    {
        var scenario = Scenario();
        string dir = Path.Combine(Path.GetTempPath(), "dytox-ckpt-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = Settings(output: dir) with { BaseEpochs = 1, IncrementalEpochs = 1, FinetuningEpochs = 1 };
            var (first, _, _) = NewTrainer(settings, scenario);
            using (first) first.Run();
            var (other, _, _) = NewTrainer(settings with { Seed = 99 }, scenario);
            using (other)
            {
                var e = Assert.Throws<InvalidDataException>(() => other.Run());
                Assert.That(e!.Message, Does.Contain("other settings"));
            }
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void NaiveBaselineUsesOneTokenNoMemoryAndForgets()
    {
        var scenario = Scenario();
        var (trainer, _, _) = NewTrainer(Settings(ContinualMethod.Naive), scenario);
        using (trainer)
        {
            var history = trainer.Run();
            Assert.That(trainer.Model.TaskTokens.Count, Is.EqualTo(1));
            Assert.That(trainer.Model.Heads.Count, Is.EqualTo(2));
            Assert.That(trainer.Model.DivergenceHead, Is.Null);
            Assert.That(trainer.Memory.Count, Is.Zero);
            Assert.That(history.Steps[1].Evaluation.PerTaskAccuracy()[1], Is.GreaterThan(50), "the newest task is learned");
        }
    }

    [Test]
    public void JointTrainingIsOneTaskOverAllClasses()
    {
        var s = Scenario();
        var joint = new ClassIncrementalScenario(s.Train, s.Test, 4, 4, s.ClassOrder);
        var (trainer, _, _) = NewTrainer(Settings(ContinualMethod.Joint) with { BaseEpochs = 4 }, joint);
        using (trainer)
        {
            var history = trainer.Run();
            Assert.That(history.StepCount, Is.EqualTo(1));
            Assert.That(history.Last, Is.GreaterThan(50));
        }
    }

    [Test]
    public void DyToxPlusAndPlusPlusRun()
    {
        var scenario = Scenario();
        var settings = Settings() with { BaseEpochs = 1, IncrementalEpochs = 1, FinetuningEpochs = 1, MixupAlpha = 0.8, SamRho = 3.0 };
        var (trainer, _, _) = NewTrainer(settings, scenario);
        using (trainer)
        {
            var history = trainer.Run();
            Assert.That(history.StepCount, Is.EqualTo(2));
            foreach (var (name, p) in trainer.Model.NamedParameters())
                Assert.That(p.Value.ToArray<float>().All(float.IsFinite), name);
        }
    }

    [Test]
    public void MismatchedImageSizeIsAClearError()
    {
        var scenario = Scenario();
        var settings = Settings() with { Model = Tiny with { ImageSize = 16 } };
        var e = Assert.Throws<ArgumentException>(() => NewTrainer(settings, scenario));
        Assert.That(e!.Message, Does.Contain("1×16×16").And.Contain("1×8×8"));
    }
}
