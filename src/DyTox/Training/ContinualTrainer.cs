using System.Buffers;
using System.Diagnostics;
using DyTox.Autograd;
using DyTox.Data;
using DyTox.Data.Augmentation;
using DyTox.Data.Sampling;
using DyTox.Memory;
using DyTox.Metrics;
using DyTox.Metrics.Results;
using DyTox.Model;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Training;

/// <summary>
/// The class-incremental protocol of DyTox (dytox-spec §2.1), per task: teacher copy, model expansion,
/// freezing, a fresh AdamW with a cosine/warm-up schedule, the main training with BCE + α·KD + 0.1·divergence,
/// the rehearsal update, balanced finetuning, and the evaluation on all classes seen. Also runs the naive
/// fine-tuning and joint baselines. Deterministic: every random draw derives from the run seed and the
/// (task, phase, epoch, position) it belongs to; checkpoints at epoch ends make a run resumable mid-task.
/// </summary>
public sealed partial class ContinualTrainer : IDisposable
{
    private readonly TrainerSettings settings;
    private readonly ClassIncrementalScenario scenario;
    private readonly IBackend backend;
    private readonly DType dtype;
    private readonly ITrainingObserver observer;
    private readonly BatchAssembler trainImages, testImages, featureImages;
    private RehearsalMemory[] memories; // one, or with distributed_memory one per data-parallel rank
    private readonly ContinualMetricsHistory history = new();
    private readonly Rng rootRng;
    private readonly DyToxJsonLogWriter? log;
    private readonly TrainerCheckpoint? checkpoint;
    private DyToxModel model;
    private DyToxModel? teacher;
    private readonly DeviceReplicas? replicas; // one replica per device; null when the replicas take turns on `backend`
    private double lastTrainLoss, lastLearningRate; // of the latest epoch, for the log line of a final evaluation

    /// <param name="devices">One device per data-parallel replica (rank r runs on <c>devices[r]</c>; <c>devices[0]</c> is
    /// <paramref name="backend"/>), or null: the <see cref="TrainerSettings.WorldSize"/> replicas take turns on
    /// <paramref name="backend"/>. Either way the same bits: each replica's gradient is formed on its own and they are
    /// summed in rank order.</param>
    public ContinualTrainer(TrainerSettings settings, ClassIncrementalScenario scenario, IBackend backend, DType dtype,
                            AugmentationPipeline trainTransform, AugmentationPipeline testTransform, ITrainingObserver? observer = null,
                            IReadOnlyList<IBackend>? devices = null)
    {
        this.settings = settings.Validate();
        this.scenario = scenario;
        this.backend = backend;
        this.dtype = dtype;
        this.observer = observer ?? SilentObserver.Instance;
        var c = settings.Model;
        // The transforms decide the input size (ImageNet: stored images with shorter side 256 are cropped to 224×224).
        var (trainH, trainW) = trainTransform.OutputShape(scenario.Train);
        if (scenario.Train.Channels != c.InChannels || trainH != c.ImageSize || trainW != c.ImageSize)
            throw new ArgumentException(
                $"the model expects {c.InChannels}×{c.ImageSize}×{c.ImageSize} images; dataset {scenario.Train.Name} has {BatchAssembler.DescribeShape(scenario.Train)} images, which the training transform makes {trainH}×{trainW}.");
        trainImages = new BatchAssembler(trainTransform, c.InChannels, c.ImageSize, c.ImageSize, backend, dtype);
        if (devices is not null)
        {
            if (devices.Count != settings.WorldSize)
                throw new ArgumentException($"{devices.Count} devices for world size {settings.WorldSize}: data parallelism over devices runs one replica per device.", nameof(devices));
            if (!ReferenceEquals(devices[0], backend))
                throw new ArgumentException("devices[0] must be the trainer's backend (rank 0 trains the model itself).", nameof(devices));
            if (devices.Distinct(ReferenceEqualityComparer.Instance).Count() != devices.Count)
                throw new ArgumentException("each replica needs a device of its own (a backend instance appears twice).", nameof(devices));
            if (devices.Count > 1) replicas = new DeviceReplicas(devices, trainImages);
        }
        testImages = new BatchAssembler(testTransform, c.InChannels, c.ImageSize, c.ImageSize, backend, dtype);
        if (settings.ValidationFraction > 0)
            for (int t = 0; t < scenario.TaskCount; t++)
                if (ValidationSplit.Split(scenario.TrainSubset(t), settings.ValidationFraction).Validation.Count == 0)
                    throw new ArgumentException($"validation {settings.ValidationFraction} holds out no image of task {t} ({scenario.TrainSubset(t).Count} training images): raise it or turn it off (0).");
        featureImages = settings.RehearsalTestTransform ? testImages : trainImages;
        memories = Enumerable.Range(0, settings.DistributedMemory ? settings.WorldSize : 1)
            .Select(_ => new RehearsalMemory(settings.Method == ContinualMethod.DyTox ? settings.MemorySize : 0, settings.FixedMemory, scenario.ClassCount)).ToArray();
        rootRng = new Rng(settings.Seed);
        model = new DyToxModel(c, backend, dtype, rootRng.Fork("model"));
        if (settings.OutputDirectory is { } dir)
        {
            Directory.CreateDirectory(dir);
            checkpoint = new TrainerCheckpoint(dir);
            // A new run started from another run's task snapshot (the original's --resume DIR --start-task k).
            if (settings.ResumeFrom is { } source && !Directory.Exists(checkpoint.Directory))
                TaskSnapshots.SeedRun(source, settings.StartTask, dir, checkpoint.Directory, () => TrainerCheckpoint.Fingerprint(this.settings), scenario);
            log = new DyToxJsonLogWriter(Path.Combine(dir, "log.jsonl"), append: true);
        }
    }

    public DyToxModel Model => model;

    /// <summary>Whether the next step's images are prepared while a step runs: <see cref="TrainerSettings.PrefetchBatches"/>,
    /// by default on for an asynchronous device (CUDA) and off on the CPU, whose cores the step itself uses.</summary>
    private bool Prefetch => settings.PrefetchBatches ?? backend.Device.Kind != DeviceKind.Cpu;
    public ContinualMetricsHistory History => history;
    /// <summary>The rehearsal memory (rank 0's with distributed memories).</summary>
    public RehearsalMemory Memory => memories[0];

    /// <summary>Every rank's memory with <c>distributed_memory</c>, else the one memory.</summary>
    public IReadOnlyList<RehearsalMemory> Memories => memories;

    /// <summary>Rank r's rehearsal memory: its own with distributed memories, else the one they share.</summary>
    private RehearsalMemory MemoryOf(int rank) => memories[memories.Length == 1 ? 0 : rank];

    /// <summary>Runs every task (resuming from the output directory's checkpoint when there is one).</summary>
    public ContinualMetricsHistory Run(CancellationToken cancel = default)
    {
        var resume = checkpoint?.TryLoad(settings, scenario);
        int firstTask = 0;
        if (resume is not null) firstTask = Restore(resume);
        int lastTask = Math.Min(scenario.TaskCount, settings.MaxTasks ?? int.MaxValue);
        for (int t = firstTask; t < lastTask; t++)
        {
            cancel.ThrowIfCancellationRequested();
            // A checkpoint taken at a task boundary (task t, epoch 0 of its main training) starts task t afresh:
            // teacher copy and expansion happen as in an uninterrupted run.
            bool inside = resume is not null && resume.Task == t && !(resume.Phase == TrainerPhase.Train && resume.NextEpoch == 0);
            RunTask(t, inside ? resume : null, cancel);
            resume = null;
        }
        return history;
    }

    private void RunTask(int t, TrainerCheckpoint.State? resume, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        var task = scenario.Task(t);
        var taskData = TaskTrainingData(t);
        var trainSets = MainTrainingSets(taskData);
        var trainSet = trainSets[0];
        observer.OnTaskStart(t, scenario.TaskCount, task.ClassEnd, trainSet.Count);

        if (resume is null)
        {
            // The teacher is the model after the previous task (including its finetuning), frozen, eval mode.
            teacher?.Dispose();
            teacher = t > 0 && settings.Method == ContinualMethod.DyTox && settings.Distillation ? model.CloneAsTeacher() : null;
            AddTask(task.ClassCount);
        }
        int startEpoch = resume?.Phase == TrainerPhase.Train ? resume.NextEpoch : 0;
        bool trainDone = resume is not null && resume.Phase != TrainerPhase.Train;

        if (!trainDone)
        {
            var frozen = model.SetTrainable(t == 0 || settings.Method != ContinualMethod.DyTox ? [] : settings.FreezeTask);
            EvalFrozenBlocks(frozen);
            replicas?.Mirror(model, teacher);
            var lr = settings.ScaledLearningRate(t);
            ILearningRateSchedule schedule = new CosineWithWarmup(lr, settings.EpochsFor(t), settings.MinLearningRate, settings.WarmupEpochs, settings.WarmupLearningRateFor(t));
            if (settings.LrNoise is { } noiseRange)
                schedule = new LearningRateNoise(schedule, noiseRange, settings.EpochsFor(t), settings.LrNoisePercent, (long)settings.Seed);
            using var optimizer = NewOptimizer(lr);
            if (resume?.Optimizer is { } state) optimizer.ImportState(state);
            var samplers = MainSamplers(trainSet.Count, t);
            using var gradients = new ReplicaGradients(settings.WorldSize);
            using var sam = SamFor(t);
            for (int epoch = startEpoch; epoch < settings.EpochsFor(t); epoch++)
            {
                cancel.ThrowIfCancellationRequested();
                optimizer.SetLearningRate(schedule.LearningRate(epoch));
                var (loss, lrUsed) = RunEpoch(t, TrainerPhase.Train, epoch, settings.EpochsFor(t), trainSets, samplers, settings.BatchSizeFor(t), optimizer, gradients, sam);
                bool last = epoch == settings.EpochsFor(t) - 1;
                if (!last && settings.EvalEvery > 0 && (epoch + 1) % settings.EvalEvery == 0) LogEvaluation(t, epoch, loss, lrUsed, final: false);
                if (checkpoint is not null && !last && (epoch + 1) % settings.CheckpointEvery == 0)
                    Save(t, TrainerPhase.Train, epoch + 1, optimizer);
            }
        }

        // Rehearsal update after the main training (dytox-spec §2.7), then balanced finetuning (§2.8).
        bool memoryDone = resume is not null && resume.Phase == TrainerPhase.Finetune;
        if (!memoryDone && settings.Method == ContinualMethod.DyTox && settings.MemorySize > 0)
        {
            observer.OnMessage(memories.Length == 1
                ? $"task {t}: herding {taskData.Count} images into the rehearsal memory ({settings.Rehearsal})"
                : $"task {t}: herding {taskData.Count} images into each of the {memories.Length} ranks' rehearsal memories ({settings.Rehearsal}, distributed_memory)");
            // With distributed memories every rank herds the whole task under augmentations of its own (the original's
            // processes draw theirs from their own seeds), so their exemplars differ; rank 0 herds as a global memory does.
            for (int rank = 0; rank < memories.Length; rank++)
                new MemoryUpdater(featureImages, settings.EvalBatchSize).Update(memories[rank], model, taskData, settings.Rehearsal,
                                                                               rank == 0 ? SeedOf(t, 3) : SeedMixer.Mix(SeedOf(t, 3), rank, 0));
            if (checkpoint is not null) Save(t, TrainerPhase.Finetune, 0, null);
        }
        if (t > 0 && settings.Method == ContinualMethod.DyTox && settings.Finetuning && memories[0].Count > 0 && settings.FinetuningEpochs > 0)
            Finetune(t, resume?.Phase == TrainerPhase.Finetune ? resume : null, cancel);

        var evaluation = new Evaluator(testImages, settings.EvalBatchSize).Evaluate(model, EvaluationSet(t), t + 1);
        observer.OnEvaluation(t, settings.EpochsFor(t) - 1, evaluation, final: true);
        WriteLog(t, settings.EpochsFor(t) - 1, evaluation, 0, 0);
        WriteConfusion(t, evaluation);
        if (settings.OutputDirectory is { } outputDir) GatesCsv.Update(Path.Combine(outputDir, GatesCsv.FileName), t, Gates());
        history.AddStep(task.ClassEnd, evaluation, model.ParameterCount(includeDivergenceHead: false), Cost(clock.Elapsed.TotalSeconds));
        if (checkpoint is not null)
        {
            Save(t + 1, TrainerPhase.Train, 0, null);
            TaskSnapshots.Keep(checkpoint.Directory, settings.OutputDirectory!, t + 1);
        }
        observer.OnTaskEnd(t, evaluation, history);
    }

    /// <summary>Frozen blocks run without stochastic depth (dytox-spec §7.10 fixed: the original's training loop puts
    /// the whole model back in train mode, so its frozen SABs keep drawing drop-path masks in the finetuning).</summary>
    private void EvalFrozenBlocks((bool Sabs, bool Tabs) frozen)
    {
        if (frozen.Sabs) foreach (var sab in model.Sabs) sab.Eval();
        if (frozen.Tabs) foreach (var tab in model.Tabs) tab.Eval();
    }

    /// <summary>DyTox++'s SAM for task t's main training, or null: off without sam_rho, without tr in sam_mode, and on task 0
    /// with sam_skip_first. With sam_final the radius moves linearly, ρ_t = ρ + t·(ρ_final − ρ)/T over the T tasks.</summary>
    private SharpnessAwareMinimization? SamFor(int t)
    {
        if (!(settings.SamRho > 0) || !settings.SamInMainTraining || (t == 0 && settings.SamSkipFirstTask)) return null;
        double rho = settings.SamFinalRho is double final ? settings.SamRho + t * (final - settings.SamRho) / scenario.TaskCount : settings.SamRho;
        return new SharpnessAwareMinimization(rho, settings.SamAdaptive, settings.LookSamEvery, settings.LookSamAlpha);
    }

    private void Finetune(int t, TrainerCheckpoint.State? resume, CancellationToken cancel)
    {
        // finetuning_resetclf, once: a run resumed inside the finetuning has the reset heads in its checkpoint already.
        if (settings.FinetuningResetClassifiers && (resume is null || resume.NextEpoch == 0))
            model.ResetClassifiers(rootRng.Fork($"reset-classifiers/{t}"));
        var frozen = model.SetTrainable(settings.FreezeFinetuning);
        if (!settings.ReferenceFinetuneDropPath) EvalFrozenBlocks(frozen); // reference_finetuning keeps the §7.10 defect
        replicas?.Mirror(model, teacher: settings.FinetuningDistillation ? teacher : null); // distillation only with finetuning_teacher
        var sets = Enumerable.Range(0, settings.WorldSize).Select(rank => FinetuningSet(t, rank)).ToArray();
        var set = sets[0];
        var lr = settings.ScaledFinetuningLearningRate(t);
        using var optimizer = NewOptimizer(lr);
        if (resume?.Optimizer is { } state) optimizer.ImportState(state);
        // The original's finetuning loader has no sampler: in a multi-GPU run every process reads the whole memory
        // in order. Ours shuffles, and the replicas share each epoch's order as DistributedSampler deals it; with
        // distributed memories each rank reads all of its own memory (shuffled), as there every process reads its own.
        using var gradients = new ReplicaGradients(settings.WorldSize);
        // ft_no_sampling: false (the paper's first runs): the finetuning draws its batches like the main training.
        var samplers = settings.FinetuningSampling ? MainSamplers(set.Count, t, purpose: 4) : Enumerable.Range(0, settings.WorldSize).Select(rank => settings.ReferenceFinetuningLoader
            ? new SequentialSampler(set.Count)
            : memories.Length > 1 ? new ShuffledSampler(set.Count, SeedOf(t, 2))
            : (IIndexSampler)new RankSampler(new ShuffledSampler(set.Count, SeedOf(t, 2)), settings.WorldSize, rank)).ToArray();
        for (int epoch = resume?.NextEpoch ?? 0; epoch < settings.FinetuningEpochs; epoch++)
        {
            cancel.ThrowIfCancellationRequested();
            RunEpoch(t, TrainerPhase.Finetune, epoch, settings.FinetuningEpochs, sets, samplers, settings.BatchSizeFor(t), optimizer, gradients, sam: null,
                     dropLast: settings.ReferenceFinetuningLoader);
            if (checkpoint is not null && epoch + 1 < settings.FinetuningEpochs && (epoch + 1) % settings.CheckpointEvery == 0)
                Save(t, TrainerPhase.Finetune, epoch + 1, optimizer);
        }
    }

    private (double Loss, double LearningRate) RunEpoch(int t, TrainerPhase phase, int epoch, int epochs, IReadOnlyList<LabeledSubset> sets,
                                                        IReadOnlyList<IIndexSampler> samplers, int batchSize, Optimizer optimizer,
                                                        ReplicaGradients gradients, SharpnessAwareMinimization? sam, bool? dropLast = null)
    {
        // One sampler per data-parallel replica (rank); step i trains on every replica's i-th batch.
        int replicas = samplers.Count;
        var batches = new List<int[]>[replicas];
        for (int r = 0; r < replicas; r++)
        {
            var order = samplers[r].EpochIndices(epoch);
            batches[r] = Batching.MakeBatches(order, batchSize, dropLast ?? Batching.ReferenceDropLast(samplers[r], batchSize));
        }
        int steps = batches[0].Count;
        if (batches.Any(b => b.Count != steps))
            throw new InvalidOperationException($"the {replicas} replicas' samplers give different numbers of batches ({string.Join(", ", batches.Select(b => b.Count))}).");
        if (settings.Debug && steps > 1) steps = 1;
        observer.OnEpochStart(t, phase, epoch, epochs, steps);
        double lr = optimizer.Groups[0].LearningRate, lossSum = 0;
        long images = 0;
        var clock = Stopwatch.StartNew();
        // Each epoch's drop-path masks and MixUp draws come from streams keyed by (task, phase, epoch, module, rank),
        // so a run resumed at an epoch boundary draws exactly what the uninterrupted run drew.
        var streams = new ReplicaStreams(ModelsByRank(replicas), rootRng, t, phase, epoch);
        var trainable = StepParameters.Of(model.Parameters().Where(p => p.RequiresGrad).ToList(), this.replicas);
        if (steps < batches[0].Count) for (int r = 0; r < replicas; r++) batches[r] = batches[r].GetRange(0, steps);
        using var host = new EpochBatches(trainImages, sets, batches, SeedOf(t, (int)phase), epoch, model.TotalClasses,
                                          new MixUpSettings(settings.MixupAlpha, settings.LabelSmoothing, settings.MixupMode, settings.MixupProbability,
                                                            settings.CutmixAlpha, settings.CutmixMinMax, settings.MixupSwitchProbability),
                                          streams.MixUp, Prefetch);
        for (int i = 0; i < steps; i++)
        {
            var stepBatches = host.Take(i);
            double loss;
            try { loss = TrainStep(t, phase, stepBatches, epoch, i, optimizer, gradients, trainable, sam, streams); }
            finally { foreach (var b in stepBatches) b.Dispose(); }
            foreach (var b in stepBatches) images += b.Count;
            lossSum += loss;
            observer.OnStep(new StepProgress(t, phase, epoch, epochs, i, steps, loss, lr, images / Math.Max(clock.Elapsed.TotalSeconds, 1e-9)));
        }
        double mean = steps == 0 ? 0 : lossSum / steps;
        observer.OnEpochEnd(t, phase, epoch, mean, lr, images / Math.Max(clock.Elapsed.TotalSeconds, 1e-9));
        if (settings.OutputDirectory is { } dir)
            EpochsCsv.Update(Path.Combine(dir, EpochsCsv.FileName), new EpochsCsv.Row(t, phase == TrainerPhase.Train ? "train" : "finetune", epoch, mean, lr,
                                                                                   images / Math.Max(clock.Elapsed.TotalSeconds, 1e-9), clock.Elapsed.TotalSeconds));
        lastTrainLoss = mean;
        lastLearningRate = lr;
        return (mean, lr);
    }

    private StepCost Cost(double seconds)
    {
        var tensors = backend.Allocator.Stats;
        using var process = Process.GetCurrentProcess();
        return new StepCost(seconds, process.PeakWorkingSet64, tensors.PeakInUseBytes, tensors.InUseBytes + tensors.CachedBytes);
    }

        private void AddTask(int classes)
    {
        if (settings.Method == ContinualMethod.Naive) model.AddTask(classes, newTaskToken: false);
        else model.AddTask(classes);
    }

    private AdamW NewOptimizer(double lr)
    {
        var trainable = model.NamedParameters().Where(p => p.Parameter.RequiresGrad).ToList();
        return new AdamW(ParamGroup.WeightDecayGroups(trainable, lr, settings.WeightDecay), settings.AdamBeta1, settings.AdamBeta2, settings.AdamEpsilon);
    }

    /// <summary>Each replica's sampler of the main training: the repeated-augmentation sampler's ranks (DeiT's
    /// RASampler deals its list round-robin), or DistributedSampler's share of a plain shuffle.</summary>
    private IIndexSampler[] MainSamplers(int count, int t, int purpose = 1)
    {
        long seed = SeedOf(t, purpose);
        int replicas = settings.WorldSize;
        return Enumerable.Range(0, replicas).Select(rank => settings.RepeatedAugmentations <= 1
            ? new RankSampler(new ShuffledSampler(count, seed), replicas, rank)
            : (IIndexSampler)new RepeatedAugmentationSampler(count, seed, settings.RepeatedAugmentations, numReplicas: replicas, rank: rank,
                mode: settings.ReferenceSamplerDefect ? RepeatedAugmentationMode.ReferenceSingleProcess : RepeatedAugmentationMode.Distributed)).ToArray();
    }

    private long SeedOf(int t, int purpose) => SeedMixer.Mix((long)settings.Seed, t, purpose);

    private void LogEvaluation(int t, int epoch, double loss, double lr, bool final)
    {
        var evaluation = new Evaluator(testImages, settings.EvalBatchSize).Evaluate(model, EvaluationSet(t), t + 1);
        observer.OnEvaluation(t, epoch, evaluation, final);
        WriteLog(t, epoch, evaluation, loss, lr);
    }

    private void WriteLog(int t, int epoch, StepEvaluation evaluation, double loss, double lr)
    {
        if (log is null) return;
        var line = DyToxLogLine.Build(history, evaluation, t, epoch,
            new TrainingStats(lr == 0 ? lastLearningRate : lr, loss == 0 ? lastTrainLoss : loss), extra: ModelLogEntries());
        log.Write(line);
    }

    /// <summary>σ(gating_param) of every SAB's heads.</summary>
    private List<IReadOnlyList<double>> Gates()
    {
        var gates = new List<IReadOnlyList<double>>();
        foreach (var sab in model.Sabs)
            gates.Add(Array.ConvertAll(GpsaAttention.ReadDoubles(sab.Attn.GatingParam.Value), g => 1 / (1 + Math.Exp(-g))));
        return gates;
    }

        /// <summary><c>confusion/step{t}.csv</c> in the output folder: the final evaluation's (label, prediction) counts,
    /// rows named by the data set's class names in class order.</summary>
    private void WriteConfusion(int t, StepEvaluation evaluation)
    {
        if (settings.OutputDirectory is not { } dir || evaluation.Confusion is not { } confusion) return;
        var names = Enumerable.Range(0, confusion.ClassCount).Select(label =>
        {
            int id = scenario.OriginalLabel(label);
            var all = scenario.Train.ClassNames;
            return id < all.Count ? all[id] : id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }).ToArray();
        string folder = Path.Combine(dir, "confusion"), path = Path.Combine(folder, $"step{t}.csv");
        Directory.CreateDirectory(folder);
        File.WriteAllText(path + ".tmp", confusion.ToCsv(names));
        File.Move(path + ".tmp", path, overwrite: true);
    }

        /// <summary>The model's own log entries (the reference's DyTox epoch_log: distances between task tokens).</summary>
    private KeyValuePair<string, double>[] ModelLogEntries()
    {
        if (settings.Method != ContinualMethod.DyTox) return [];
        var (mean, min, max) = model.TaskTokenDistances();
        return [new("token_mean_dist", PythonJson.Round(mean, 5)), new("token_min_dist", PythonJson.Round(min, 5)), new("token_max_dist", PythonJson.Round(max, 5))];
    }

    private void Save(int task, TrainerPhase phase, int nextEpoch, Optimizer? optimizer) =>
        checkpoint!.Save(new TrainerCheckpoint.State(task, phase, nextEpoch, optimizer?.ExportState()), settings, model, teacher, memories, history);

    private int Restore(TrainerCheckpoint.State state)
    {
        var restored = checkpoint!.Restore(state, settings, backend, dtype, rootRng.Fork("model"), history);
        model.Dispose();
        model = restored.Model;
        teacher = restored.Teacher;
        memories = restored.Memories;
        observer.OnMessage($"resumed from {checkpoint.Directory}: task {state.Task}, {state.Phase}, epoch {state.NextEpoch}");
        return state.Task;
    }

    public void Dispose()
    {
        replicas?.Dispose();
        log?.Dispose();
        teacher?.Dispose();
        model.Dispose();
    }
}
