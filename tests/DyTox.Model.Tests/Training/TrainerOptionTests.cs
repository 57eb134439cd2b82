using DyTox.Data;
using DyTox.Data.Augmentation;
using DyTox.Model;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;
using DyTox.Training;

namespace DyTox.Model.Tests.Training;

/// <summary>The original's options that change a run here: max_task, debug, incremental_warmup_lr, head_div, distillation_tau.</summary>
[TestFixture]
public class TrainerOptionTests
{
    private static DyToxConfig Tiny => TrainerTests.Tiny;

    private static ClassIncrementalScenario Scenario()
    {
        var train = SyntheticImageDataset.Create(classes: 6, perClass: 40, height: 8, width: 8, channels: 1, seed: 7);
        var test = SyntheticImageDataset.Create(classes: 6, perClass: 8, height: 8, width: 8, channels: 1, seed: 8);
        return new ClassIncrementalScenario(train, test, initialIncrement: 2, increment: 2, classOrder: [2, 0, 3, 1, 5, 4]);
    }

    private static TrainerSettings Settings() => new()
    {
        Model = Tiny, Seed = 3, BaseEpochs = 2, IncrementalEpochs = 2, BatchSize = 16, IncrementalBatchSize = 16,
        LearningRate = 0.02, IncrementalLearningRate = 0.02, WarmupEpochs = 1, RepeatedAugmentations = 1, MemorySize = 12,
        FinetuningEpochs = 1, FinetuningLearningRate = 0.005, EvalEvery = 0, EvalBatchSize = 64,
    };

    private sealed class Recorder : ITrainingObserver
    {
        public List<(int Task, TrainerPhase Phase, int Epoch, int Batches)> Epochs { get; } = [];
        public List<(int Task, int Epoch, double LearningRate)> Rates { get; } = [];
        public List<int> TrainImages { get; } = [];
        public void OnTaskStart(int task, int tasks, int classesSeen, int trainImages) => TrainImages.Add(trainImages);
        public void OnEpochStart(int task, TrainerPhase phase, int epoch, int epochs, int batches) => Epochs.Add((task, phase, epoch, batches));
        public void OnEpochEnd(int task, TrainerPhase phase, int epoch, double meanLoss, double learningRate, double imagesPerSecond)
        {
            if (phase == TrainerPhase.Train) Rates.Add((task, epoch, learningRate));
        }
    }

    private static (DyTox.Metrics.ContinualMetricsHistory History, Recorder Observed, Dictionary<string, float[]> Weights) Run(TrainerSettings settings)
    {
        var scenario = Scenario();
        var normalizer = ImageNormalizer.FromDatasetStatistics(scenario.Train);
        var observed = new Recorder();
        using var trainer = new ContinualTrainer(settings, scenario, CpuBackend.Instance, DType.Float32,
            new AugmentationPipeline(AugmentationPreset.None, normalizer), new AugmentationPipeline(AugmentationPreset.None, normalizer), observed);
        var history = trainer.Run();
        var weights = trainer.Model.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter.Value.ToArray<float>());
        return (history, observed, weights);
    }

    [Test]
    public void MaxTaskStopsAfterThatManyTasks()
    {
        var (history, observed, _) = Run(Settings() with { MaxTasks = 2 });
        Assert.That(history.StepCount, Is.EqualTo(2), "3 tasks in the scenario, max_task 2");
        Assert.That(observed.Epochs.Max(e => e.Task), Is.EqualTo(1));
    }

    [Test]
    public void DebugRunsOneBatchPerEpoch()
    {
        var (history, observed, _) = Run(Settings() with { Debug = true });
        Assert.That(history.StepCount, Is.EqualTo(3));
        Assert.That(observed.Epochs.Select(e => e.Batches).Distinct(), Is.EqualTo(new[] { 1 }));
        Assert.That(observed.Epochs.Any(e => e.Phase == TrainerPhase.Finetune), "finetuning epochs run too");
        var (_, full, _) = Run(Settings() with { MaxTasks = 1 });
        Assert.That(full.Epochs[0].Batches, Is.GreaterThan(1), "without debug an epoch has every batch");
    }

    [Test]
    public void IncrementalWarmupLrStartsTheLaterTasksWarmup()
    {
        var (_, observed, _) = Run(Settings() with { MaxTasks = 2, WarmupLearningRate = 1e-6, IncrementalWarmupLearningRate = 3e-4 });
        Assert.That(observed.Rates.Single(r => r.Task == 0 && r.Epoch == 0).LearningRate, Is.EqualTo(1e-6));
        Assert.That(observed.Rates.Single(r => r.Task == 1 && r.Epoch == 0).LearningRate, Is.EqualTo(3e-4));
    }

    [Test]
    public void DivergenceWeightAndTemperatureReachTheLoss()
    {
        // Task 0 has neither loss: identical. Task 1 trains with them: the weights must differ from the default run.
        var (_, _, baseline) = Run(Settings() with { MaxTasks = 2 });
        var (_, _, heavier) = Run(Settings() with { MaxTasks = 2, DivergenceWeight = 0.5 });
        var (_, _, hotter) = Run(Settings() with { MaxTasks = 2, DistillationTemperature = 2 });
        Assert.That(heavier["head_div.head.weight"], Is.Not.EqualTo(baseline["head_div.head.weight"]));
        // The distillation reaches the old logits through the shared blocks (old tokens and heads are frozen).
        Assert.That(hotter["sabs.0.attn.qk.weight"], Is.Not.EqualTo(baseline["sabs.0.attn.qk.weight"]));
        var (_, _, again) = Run(Settings() with { MaxTasks = 2 });
        Assert.That(again["sabs.0.attn.qk.weight"], Is.EqualTo(baseline["sabs.0.attn.qk.weight"]), "the differences come from the settings, not from noise");
        Assert.That(again["head_div.head.weight"], Is.EqualTo(baseline["head_div.head.weight"]));
    }

    [Test]
    public void ClipGradLimitsTheStepsGradientsAndALooseLimitChangesNothing()
    {
        var (_, _, baseline) = Run(Settings() with { MaxTasks = 2 });
        // A limit far above any gradient norm: coefficient 1, the bits of the unclipped run.
        var (_, _, loose) = Run(Settings() with { MaxTasks = 2, ClipGradNorm = 1e9 });
        foreach (var (name, w) in baseline) Assert.That(loose[name], Is.EqualTo(w), name);
        // A limit below the gradient norms: every step is rescaled (AdamW then sees a different mix of steps).
        var (_, _, clipped) = Run(Settings() with { MaxTasks = 2, ClipGradNorm = 1e-3 });
        Assert.That(clipped["sabs.0.attn.qk.weight"], Is.Not.EqualTo(baseline["sabs.0.attn.qk.weight"]));
        var (_, _, again) = Run(Settings() with { MaxTasks = 2, ClipGradNorm = 1e-3 });
        foreach (var (name, w) in clipped) Assert.That(again[name], Is.EqualTo(w), name);
        Assert.That(() => Settings() with { ClipGradNorm = 0 }, Throws.Nothing);
        Assert.That(() => (Settings() with { ClipGradNorm = 0 }).Validate(), Throws.ArgumentException.With.Message.Contain("clipping norm"));
    }

    [Test]
    public void OversampleMemoryAppendsTheMemoryThatManyTimes()
    {
        // 80 images per task; the memory holds 12 after task 0 and 12 after task 1 (6 per class, then 3 per class).
        var (_, once, baseline) = Run(Settings() with { MaxTasks = 2 });
        var (_, thrice, _) = Run(Settings() with { MaxTasks = 2, MemoryOversampling = 3 });
        var (_, never, _) = Run(Settings() with { MaxTasks = 2, MemoryOversampling = 0 });
        Assert.That(once.TrainImages, Is.EqualTo(new[] { 80, 80 + 12 }));
        Assert.That(thrice.TrainImages, Is.EqualTo(new[] { 80, 80 + 3 * 12 }));
        Assert.That(never.TrainImages, Is.EqualTo(new[] { 80, 80 }));
        var (_, _, again) = Run(Settings() with { MaxTasks = 2, MemoryOversampling = 1 });
        foreach (var (name, w) in baseline) Assert.That(again[name], Is.EqualTo(w), name);
    }

    [Test]
    public void OversampleMemoryFtRepeatsEachOldExemplarInARowThenTheNewOnes()
    {
        var source = DyTox.Data.SyntheticImageDataset.Create(classes: 6, perClass: 2, height: 8, width: 8, channels: 1, seed: 1);
        // A memory of 3 tasks in its order: task ids 0, 0, 1, 2, 1.
        var set = new LabeledSubset(source, [4, 7, 1, 9, 3], [0, 1, 2, 4, 3], [0, 0, 1, 2, 1]);
        var atTask2 = ContinualTrainer.OversampleEarlierTasks(set, t: 2, k: 2);
        Assert.That(atTask2.Indices, Is.EqualTo(new[] { 4, 4, 7, 7, 1, 1, 3, 3, 9 }));
        Assert.That(atTask2.Labels, Is.EqualTo(new[] { 0, 0, 1, 1, 2, 2, 3, 3, 4 }));
        Assert.That(atTask2.TaskIds, Is.EqualTo(new[] { 0, 0, 0, 0, 1, 1, 1, 1, 2 }));
        Assert.That(ContinualTrainer.OversampleEarlierTasks(set, t: 2, k: 1), Is.SameAs(set));
        Assert.That(ContinualTrainer.OversampleEarlierTasks(set, t: 0, k: 3), Is.SameAs(set));

        // In a run: task 1's finetuning set is 6 old exemplars × 3 + 6 new = 24 images: 2 batches of 16 instead of 1.
        var (_, plain, _) = Run(Settings() with { MaxTasks = 2 });
        var (_, oversampled, _) = Run(Settings() with { MaxTasks = 2, FinetuningOldOversampling = 3 });
        Assert.That(plain.Epochs.Where(e => e.Phase == TrainerPhase.Finetune).Select(e => e.Batches), Is.EqualTo(new[] { 1 }));
        Assert.That(oversampled.Epochs.Where(e => e.Phase == TrainerPhase.Finetune).Select(e => e.Batches), Is.EqualTo(new[] { 2 }));
    }

    [Test]
    public void ValidationHoldsOutPartOfEachTaskAndEvaluatesOnIt()
    {
        // 80 training images per task, validation 0.25: 20 held out per task, 60 trained on (+ the memory of 12 in task 1).
        var (history, observed, _) = Run(Settings() with { MaxTasks = 2, ValidationFraction = 0.25 });
        Assert.That(observed.TrainImages, Is.EqualTo(new[] { 60, 60 + 12 }));
        Assert.That(history.Steps.Select(s => s.Evaluation.Samples), Is.EqualTo(new long[] { 20, 40 }), "the held-out images of the tasks seen so far");
        Assert.That(history.Steps[1].Evaluation.TotalPerTask, Is.EqualTo(new long[] { 20, 20 }));
        var (test, _, _) = Run(Settings() with { MaxTasks = 2 });
        Assert.That(test.Steps.Select(s => s.Evaluation.Samples), Is.EqualTo(new long[] { 16, 32 }), "the test images of the classes seen so far");
        Assert.That(() => Run(Settings() with { MaxTasks = 1, ValidationFraction = 0.01 }),
                    Throws.ArgumentException.With.Message.Contain("holds out no image of task 0"));
    }

    [Test]
    public void HeadDivModeAndFinetuningTeacherChooseTheLossTermsOfEachPhase()
    {
        var (_, _, baseline) = Run(Settings() with { MaxTasks = 2 });
        // [tr, ft]: the main training is the default's; the finetuning now trains the divergence head as well.
        var (_, _, both) = Run(Settings() with { MaxTasks = 2, DivergenceInFinetuning = true });
        Assert.That(both["head_div.head.weight"], Is.Not.EqualTo(baseline["head_div.head.weight"]));
        // [ft] alone: no divergence loss in the main training, so the shared blocks move differently.
        var (_, _, ftOnly) = Run(Settings() with { MaxTasks = 2, DivergenceInMainTraining = false, DivergenceInFinetuning = true });
        Assert.That(ftOnly["sabs.0.attn.qk.weight"], Is.Not.EqualTo(baseline["sabs.0.attn.qk.weight"]));
        // No divergence anywhere: the head is created but never trained, and the main training runs without its loss.
        var (_, _, none) = Run(Settings() with { MaxTasks = 2, DivergenceInMainTraining = false });
        Assert.That(none["head_div.head.weight"], Is.Not.EqualTo(baseline["head_div.head.weight"]));
        Assert.That(none["sabs.0.attn.qk.weight"], Is.EqualTo(ftOnly["sabs.0.attn.qk.weight"]), "[ft] and [] share the main training");
        // finetuning_teacher: distillation reaches the finetuned TAB, task tokens and heads; the frozen SABs keep the
        // bits of the main training (the same with or without it).
        var (_, _, distilled) = Run(Settings() with { MaxTasks = 2, FinetuningDistillation = true });
        Assert.That(distilled["tabs.0.attn.q.weight"], Is.Not.EqualTo(baseline["tabs.0.attn.q.weight"]));
        Assert.That(distilled["sabs.0.attn.qk.weight"], Is.EqualTo(baseline["sabs.0.attn.qk.weight"]));
    }

    [Test]
    public void FinetuningResetclfDrawsTheClassifiersAfreshBeforeTheFinetuning()
    {
        var (_, _, baseline) = Run(Settings() with { MaxTasks = 2 });
        var (_, _, reset) = Run(Settings() with { MaxTasks = 2, FinetuningResetClassifiers = true });
        // The main training is the same; after the reset and one finetuning epoch the heads differ.
        Assert.That(reset["sabs.0.attn.qk.weight"], Is.EqualTo(baseline["sabs.0.attn.qk.weight"]));
        Assert.That(reset["head.0.head.weight"], Is.Not.EqualTo(baseline["head.0.head.weight"]));
        // With no finetuning epoch there is nothing to reset for.
        var (_, _, noFinetuning) = Run(Settings() with { MaxTasks = 2, FinetuningEpochs = 0 });
        var (_, _, noFinetuningReset) = Run(Settings() with { MaxTasks = 2, FinetuningEpochs = 0, FinetuningResetClassifiers = true });
        Assert.That(noFinetuningReset["head.1.head.weight"], Is.EqualTo(noFinetuning["head.1.head.weight"]));
    }

    [Test]
    public void MixupModeAndProbabilityReachTheBatches()
    {
        var runs = new[] { MixUpMode.Batch, MixUpMode.Pair, MixUpMode.Elem }
            .Select(mode => Run(Settings() with { MaxTasks = 2, MixupAlpha = 0.8, MixupMode = mode }).Weights["sabs.0.attn.qk.weight"]).ToList();
        Assert.That(runs[1], Is.Not.EqualTo(runs[0]));
        Assert.That(runs[2], Is.Not.EqualTo(runs[0]));
        Assert.That(runs[2], Is.Not.EqualTo(runs[1]));
        var elemAgain = Run(Settings() with { MaxTasks = 2, MixupAlpha = 0.8, MixupMode = MixUpMode.Elem }).Weights["sabs.0.attn.qk.weight"];
        Assert.That(elemAgain, Is.EqualTo(runs[2]));
        var halfMixed = Run(Settings() with { MaxTasks = 2, MixupAlpha = 0.8, MixupMode = MixUpMode.Elem, MixupProbability = 0.5 });
        Assert.That(halfMixed.Weights["sabs.0.attn.qk.weight"], Is.Not.EqualTo(runs[2]));
        Assert.That(halfMixed.Weights.Values.All(w => w.All(float.IsFinite)));
        // CutMix alone, and switching between the two (DeiT's recipe: mixup 0.8, cutmix 1.0, switch 0.5).
        var cut = Run(Settings() with { MaxTasks = 2, CutmixAlpha = 1.0 }).Weights;
        var both = Run(Settings() with { MaxTasks = 2, MixupAlpha = 0.8, CutmixAlpha = 1.0 }).Weights;
        Assert.That(cut["sabs.0.attn.qk.weight"], Is.Not.EqualTo(runs[0]));
        Assert.That(both["sabs.0.attn.qk.weight"], Is.Not.EqualTo(cut["sabs.0.attn.qk.weight"]));
        Assert.That(both["sabs.0.attn.qk.weight"], Is.Not.EqualTo(runs[0]));
        Assert.That(cut.Values.Concat(both.Values).All(w => w.All(float.IsFinite)));
    }

    [Test]
    public void LrNoisePerturbsTheMainTrainingsRatesInItsRange()
    {
        // lr_noise [0.5]: the noise starts after epoch t = E/2 of each task's E epochs; epoch 0 never.
        var baseline = Run(Settings() with { MaxTasks = 2, IncrementalEpochs = 4 }).Observed.Rates;
        var noisy = Run(Settings() with { MaxTasks = 2, IncrementalEpochs = 4, LrNoise = [0.5], LrNoisePercent = 0.67 }).Observed.Rates;
        Assert.That(noisy.Select(r => (r.Task, r.Epoch)), Is.EqualTo(baseline.Select(r => (r.Task, r.Epoch))));
        for (int i = 0; i < baseline.Count; i++)
        {
            var (task, epoch, rate) = baseline[i];
            int epochs = task == 0 ? 2 : 4;
            bool inRange = epoch >= 1 && epoch - 1 >= 0.5 * epochs;
            double expected = inRange ? rate + rate * LearningRateNoise.Noise(3 + epoch - 1, 0.67) : rate;
            Assert.That(noisy[i].LearningRate, Is.EqualTo(expected), $"task {task}, epoch {epoch}");
        }
        // Task 0 (2 epochs): from t = 1, after the last epoch: none. Task 1 (epochs 0–3): from t = 2, i.e. epoch 3 only.
        Assert.That(noisy.Zip(baseline).Count(p => p.First.LearningRate != p.Second.LearningRate), Is.EqualTo(1));
    }

    [Test]
    public void FreezeListsChooseWhatEachPhaseTrains()
    {
        var baseline = Run(Settings() with { MaxTasks = 2 }).Weights;
        var noFinetuning = Run(Settings() with { MaxTasks = 2, FinetuningEpochs = 0 }).Weights;
        // freeze_ft [sab, tab]: the finetuning trains only tokens and heads; the TAB keeps its main-training weights.
        var tabFrozen = Run(Settings() with { MaxTasks = 2, FreezeFinetuning = ["sab", "tab"] }).Weights;
        Assert.That(tabFrozen["tabs.0.attn.q.weight"], Is.EqualTo(noFinetuning["tabs.0.attn.q.weight"]));
        Assert.That(baseline["tabs.0.attn.q.weight"], Is.Not.EqualTo(noFinetuning["tabs.0.attn.q.weight"]), "DyTox's [sab] finetunes the TAB");
        Assert.That(tabFrozen["head.1.head.weight"], Is.Not.EqualTo(noFinetuning["head.1.head.weight"]));
        // freeze_task [old_task_tokens]: the old head trains in task 1 too, the old token does not.
        var oldHeadTrained = Run(Settings() with { MaxTasks = 2, FreezeTask = ["old_task_tokens"], FinetuningEpochs = 0 }).Weights;
        Assert.That(oldHeadTrained["head.0.head.weight"], Is.Not.EqualTo(noFinetuning["head.0.head.weight"]));
        var tokenOnly = Run(Settings() with { MaxTasks = 1 }).Weights;
        Assert.That(oldHeadTrained["task_tokens.0"], Is.EqualTo(tokenOnly["task_tokens.0"]), "task 0's token as task 0 left it");
        Assert.That(() => (Settings() with { FreezeTask = ["encoder"] }).Validate(), Throws.ArgumentException.With.Message.Contain("freeze groups"));
    }

    [Test]
    public void FtNoSamplingFalseDrawsTheFinetuningBatchesLikeTheMainTraining()
    {
        var (_, plain, plainWeights) = Run(Settings() with { MaxTasks = 2, FinetuningEpochs = 2 });
        var (_, sampled, sampledWeights) = Run(Settings() with { MaxTasks = 2, FinetuningEpochs = 2, FinetuningSampling = true });
        int[] Steps(Recorder r) => r.Epochs.Where(e => e.Phase == TrainerPhase.Finetune).Select(e => e.Batches).ToArray();
        Assert.That(Steps(sampled), Is.EqualTo(Steps(plain)), "without repeated augmentation: a shuffle of the memory either way");
        Assert.That(sampledWeights["head.1.head.weight"], Is.Not.EqualTo(plainWeights["head.1.head.weight"]), "but another order");
        // With repeated augmentation the sampler keeps ⌊L/256⌋·256 of the 3× repeated list: a 12-image memory gives no step,
        // as the original's RASampler does.
        var (_, repeated, _) = Run(Settings() with { MaxTasks = 2, FinetuningEpochs = 2, FinetuningSampling = true, RepeatedAugmentations = 3 });
        Assert.That(Steps(repeated), Is.EqualTo(new[] { 0, 0 }));
    }

    [Test]
    public void AutoKdFalseDropsTheDistillationAndItsWeighting()
    {
        var baseline = Run(Settings() with { MaxTasks = 2 }).Weights;
        var withoutKd = Run(Settings() with { MaxTasks = 2, Distillation = false }).Weights;
        var again = Run(Settings() with { MaxTasks = 2, Distillation = false }).Weights;
        Assert.That(withoutKd["sabs.0.attn.qk.weight"], Is.Not.EqualTo(baseline["sabs.0.attn.qk.weight"]));
        Assert.That(again["sabs.0.attn.qk.weight"], Is.EqualTo(withoutKd["sabs.0.attn.qk.weight"]));
        // finetuning_teacher needs the teacher auto_kd creates: without it the finetuning has no distillation either.
        var ftTeacher = Run(Settings() with { MaxTasks = 2, Distillation = false, FinetuningDistillation = true }).Weights;
        foreach (var (name, w) in withoutKd) Assert.That(ftTeacher[name], Is.EqualTo(w), name);
    }
}
