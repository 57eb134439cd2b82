using DyTox.Model;

namespace DyTox.Training;

/// <summary>
/// Everything the continual trainer needs, resolved from the option files and flags (the CLI maps
/// <see cref="Options.DyToxOptions"/> onto this). Defaults are the original protocol's (dytox-spec §2).
/// </summary>
public sealed record TrainerSettings
{
    public ContinualMethod Method { get; init; } = ContinualMethod.DyTox;
    public required DyToxConfig Model { get; init; }
    public ulong Seed { get; init; }

    // ---- main training (dytox-spec §2.3–2.5) ----
    public int BaseEpochs { get; init; } = 500;
    public int IncrementalEpochs { get; init; } = 500;
    public int BatchSize { get; init; } = 128;
    public int IncrementalBatchSize { get; init; } = 128;

    /// <summary>
    /// Number of data-parallel replicas whose batches of <see cref="BatchSize"/> form one global batch: the
    /// original's world size (its number of GPUs). The replicas run one after another on this run's device with
    /// DistributedDataParallel's semantics (each its share of the sampler, its own MixUp, augmentation and
    /// drop-path streams, its own batch-mean loss; the step's gradient is the mean of the replicas' gradients,
    /// summed in rank order), so a run's results depend on this setting, not on the hardware. The learning rate
    /// scales with BatchSize·WorldSize/512. The rehearsal memory is global: it does not scale with this.
    /// </summary>
    public int WorldSize { get; init; } = 1;

    public double LearningRate { get; init; } = 5e-4;
    public double IncrementalLearningRate { get; init; } = 5e-4;
    public double WeightDecay { get; init; } = 1e-6;
    public double MinLearningRate { get; init; } = 1e-5;
    public int WarmupEpochs { get; init; } = 5;
    public double WarmupLearningRate { get; init; } = 1e-6;

    /// <summary>Warmup start rate for tasks t ≥ 1 (<c>incremental_warmup_lr</c>); null = <see cref="WarmupLearningRate"/>.</summary>
    public double? IncrementalWarmupLearningRate { get; init; }

    /// <summary>AdamW's β1, β2 and ε (<c>opt_betas</c>, <c>opt_eps</c>).</summary>
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Weight of the divergence head's loss (<c>head_div</c>).</summary>
    public double DivergenceWeight { get; init; } = DyToxLoss.DivergenceWeight;

    /// <summary>Temperature τ of the distillation (<c>distillation_tau</c>).</summary>
    public double DistillationTemperature { get; init; } = 1.0;

    /// <summary><c>lr_noise</c>: one or two fractions of a task's epochs between which timm's scheduler noise perturbs the
    /// main training's rate (<see cref="LearningRateNoise"/>); null = none, as in every DyTox file.</summary>
    public IReadOnlyList<double>? LrNoise { get; init; }

    /// <summary><c>lr_noise_pct</c>: the noise's bound (values drawn until below it).</summary>
    public double LrNoisePercent { get; init; } = 0.67;

    /// <summary><c>clip_grad</c>: before every optimizer step (and before SAM's perturbation), the step's gradient is
    /// scaled to at most this global L2 norm (<see cref="GradientClipping"/>); null = no clipping, as in DyTox's files.</summary>
    public double? ClipGradNorm { get; init; }

    /// <summary>Repeated augmentation factor (DeiT's RASampler: 3); 1 = plain shuffling.</summary>
    public int RepeatedAugmentations { get; init; } = 3;

    /// <summary>Reproduce the reference's single-process sampler defect (dytox-spec §2.3): same
    /// permutation every epoch, ⌊L/256⌋·128 samples per epoch. Off by default.</summary>
    public bool ReferenceSamplerDefect { get; init; }


    // ---- DyTox+ / DyTox++ ----
    /// <summary>MixUp Beta(α, α); 0 disables it (plain DyTox).</summary>
    public double MixupAlpha { get; init; }

    /// <summary><c>mixup_mode</c>: one λ per batch (DyTox+), per pair or per sample.</summary>
    public MixUpMode MixupMode { get; init; } = MixUpMode.Batch;

    /// <summary><c>mixup_prob</c>: the probability that a batch (or pair, or sample) is mixed.</summary>
    public double MixupProbability { get; init; } = 1.0;

    /// <summary><c>cutmix</c>: CutMix's Beta(α, α); 0 disables it (every DyTox file).</summary>
    public double CutmixAlpha { get; init; }

    /// <summary><c>cutmix_minmax</c>: CutMix boxes with sides uniform between these fractions of the image (null: boxes
    /// of area (1 − λ)).</summary>
    public IReadOnlyList<double>? CutmixMinMax { get; init; }

    /// <summary><c>mixup_switch_prob</c>: with MixUp and CutMix both on, the chance that a batch (or sample) takes CutMix.</summary>
    public double MixupSwitchProbability { get; init; } = 0.5;

    /// <summary>MixUp or CutMix is on: targets are soft (smoothed) and the divergence targets follow them.</summary>
    public bool MixesImages => MixupAlpha > 0 || CutmixAlpha > 0 || CutmixMinMax is not null;
    public double LabelSmoothing { get; init; } = 0.1;

    /// <summary>SAM radius ρ (<c>sam_rho</c>); 0 disables it (DyTox++ uses 3.0, skipped on task 0, main phase only).</summary>
    public double SamRho { get; init; }

    /// <summary><c>sam_adaptive</c>: ASAM's e = s·w²⊙g (DyTox++'s files) or plain SAM's e = s·g.</summary>
    public bool SamAdaptive { get; init; } = true;

    /// <summary><c>sam_skip_first</c>: no SAM in task 0 (DyTox++'s files).</summary>
    public bool SamSkipFirstTask { get; init; } = true;

    /// <summary><c>sam_mode</c> holds <c>tr</c>: SAM in the main training (<c>ft</c> has no effect, as in the original,
    /// whose finetuning never hands its SAM to the training loop).</summary>
    public bool SamInMainTraining { get; init; } = true;

    /// <summary><c>sam_final</c>: the radius of the last task; ρ moves linearly from <see cref="SamRho"/> (null = constant).</summary>
    public double? SamFinalRho { get; init; }

    /// <summary><c>look_sam_k</c>: LookSAM's interval k (0 = SAM's two passes on every step).</summary>
    public int LookSamEvery { get; init; }

    /// <summary><c>look_sam_alpha</c>: LookSAM's α.</summary>
    public double LookSamAlpha { get; init; } = 0.7;

    // ---- rehearsal (dytox-spec §2.7) ----
    /// <summary>Total number of stored images, whatever the number of devices (global memory).</summary>
    public int MemorySize { get; init; } = 2000;
    public string Rehearsal { get; init; } = "icarl_all";
    public bool FixedMemory { get; init; }

    /// <summary>Herding features from the test transform instead of the training augmentation.</summary>
    public bool RehearsalTestTransform { get; init; }

    /// <summary><c>distributed_memory</c> with world_size R > 1: every rank keeps a memory of its own of
    /// <see cref="MemorySize"/> images, herded from the task under its own augmentations and trained on by that rank
    /// alone (the original's default, whose effective budget is up to R·M distinct images: the erratum's "gray rows").
    /// Off: one memory of <see cref="MemorySize"/> in total, whatever the number of ranks.</summary>
    public bool DistributedMemory { get; init; }

    /// <summary><c>oversample_memory</c>: how many times the memory is appended to a task's data in its main training
    /// (the original's <c>for _ in range(oversample_memory): dataset_train.add_samples(*memory.get())</c>; 0 = the memory
    /// serves the finetuning only).</summary>
    public int MemoryOversampling { get; init; } = 1;

    // ---- balanced finetuning (dytox-spec §2.8) ----
    public bool Finetuning { get; init; } = true;
    public int FinetuningEpochs { get; init; } = 20;
    public double FinetuningLearningRate { get; init; } = 5e-5;

    /// <summary><c>auto_kd</c>: distillation from the previous task's model in the main training of t ≥ 1, weighted
    /// (1 − α)·BCE + α·KD (DyTox's files). Off: no teacher at all, and the loss is the unscaled BCE (+ the divergence
    /// term), as in the original, which then creates no teacher.</summary>
    public bool Distillation { get; init; } = true;

    /// <summary><c>freeze_task</c>: the groups frozen in the main training of tasks t ≥ 1 (the original's <c>freeze()</c> names).</summary>
    public IReadOnlyList<string> FreezeTask { get; init; } = DyTox.Model.DyToxModel.FrozenGroups(DyTox.Model.TrainingPhase.TaskMain);

    /// <summary><c>freeze_ft</c>: the groups frozen in the finetuning.</summary>
    public IReadOnlyList<string> FreezeFinetuning { get; init; } = DyTox.Model.DyToxModel.FrozenGroups(DyTox.Model.TrainingPhase.Finetune);

    /// <summary><c>head_div_mode</c> holds <c>tr</c>: the divergence head's loss in the main training of t ≥ 1 (DyTox's files).</summary>
    public bool DivergenceInMainTraining { get; init; } = true;

    /// <summary><c>head_div_mode</c> holds <c>ft</c>: the divergence head's loss in the finetuning too (the head is trainable
    /// there; its targets are built from the finetuning batch as in the main training).</summary>
    public bool DivergenceInFinetuning { get; init; }

    /// <summary><c>ft_no_sampling: false</c>: the finetuning samples its batches as the main training does (repeated
    /// augmentation), as the paper's first runs did before the original added the flag; DyTox's files set it true.</summary>
    public bool FinetuningSampling { get; init; }

    /// <summary><c>finetuning_teacher</c>: distillation from the task's teacher in the finetuning, with the main training's
    /// weighting (1 − α)·BCE + α·KD.</summary>
    public bool FinetuningDistillation { get; init; }

    /// <summary><c>finetuning_resetclf</c>: every task's classifier drawn afresh (torch's default Linear init, LayerNorm
    /// 1/0) before the finetuning starts.</summary>
    public bool FinetuningResetClassifiers { get; init; }

    /// <summary><c>oversample_memory_ft</c>: in the finetuning set of task t ≥ 1, each exemplar of an earlier task appears
    /// this many times in a row, then the exemplars of task t once (the original's <c>get_finetuning_dataset</c>).</summary>
    public int FinetuningOldOversampling { get; init; } = 1;

    /// <summary>Reproduce the reference's finetuning loader (sequential in class order, drops the last
    /// partial batch: dytox-spec §7.11). Off by default: shuffle and keep the tail.</summary>
    public bool ReferenceFinetuningLoader { get; init; }

    /// <summary>Reproduce the reference's drop-path inside the frozen SABs during finetuning (§7.10).
    /// Off by default: frozen SABs run in evaluation mode.</summary>
    public bool ReferenceFinetuneDropPath { get; init; }

    // ---- evaluation and output ----
    public int EvalEvery { get; init; } = 50;
    public int EvalBatchSize { get; init; } = 256;

    /// <summary>Save a resumable checkpoint every this many epochs within a task (and at each task end).</summary>
    public int CheckpointEvery { get; init; } = 1;
    public string? OutputDirectory { get; init; }

    /// <summary><c>validation</c>: the fraction of each task's training images held out (Continuum's
    /// <c>split_train_val</c>, <see cref="DyTox.Data.ValidationSplit"/>); the held-out images of the tasks seen so far
    /// replace the test set in every evaluation. 0 = evaluate on the test set.</summary>
    public double ValidationFraction { get; init; }

    /// <summary>Use only this fraction of each task's training images (fast smoke runs); 1 = all.</summary>
    public double TrainFraction { get; init; } = 1.0;

    /// <summary>Stop after this many tasks (<c>max_task</c>); null = all of the scenario's tasks.</summary>
    public int? MaxTasks { get; init; }

    /// <summary>Start a fresh run at this task from another run's snapshot (<c>start_task</c> with <c>resume</c>); 0 = from the start.</summary>
    public int StartTask { get; init; }

    /// <summary>The run folder (or its <c>checkpoint-tasks</c> / <c>task{k}</c> folder) to start from (<c>resume</c>).</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Prepare the next step's augmented images on a worker thread while a step runs (null: on for an asynchronous
    /// device such as CUDA, off on the CPU). Results are the same bits either way.</summary>
    public bool? PrefetchBatches { get; init; }

    /// <summary>One batch per training and finetuning epoch (the original's <c>--debug</c>), for a quick pass through the protocol.</summary>
    public bool Debug { get; init; }

    public int EpochsFor(int task) => task == 0 ? BaseEpochs : IncrementalEpochs;
    public int BatchSizeFor(int task) => task == 0 ? BatchSize : IncrementalBatchSize;

    /// <summary>Linear LR scaling of the original: lr·batch·world size/512.</summary>
    public double ScaledLearningRate(int task) =>
        (task == 0 ? LearningRate : IncrementalLearningRate) * BatchSizeFor(task) * WorldSize / 512.0;

    public double WarmupLearningRateFor(int task) => task > 0 && IncrementalWarmupLearningRate is { } rate ? rate : WarmupLearningRate;

    public double ScaledFinetuningLearningRate(int task) => FinetuningLearningRate * BatchSizeFor(task) * WorldSize / 512.0;

    public TrainerSettings Validate()
    {
        void Require(bool ok, string message) { if (!ok) throw new ArgumentException($"invalid trainer settings: {message}"); }
        Require(BaseEpochs >= 0 && IncrementalEpochs >= 0, "epochs must be non-negative");
        Require(BatchSize > 0 && IncrementalBatchSize > 0, "batch sizes must be positive");
        Require(WorldSize > 0, "world size must be positive");
        Require(WorldSize == 1 || !ReferenceSamplerDefect, "the reference sampler defect is a single-process one: it needs world size 1");
        Require(RepeatedAugmentations >= 1, "repeated augmentations must be at least 1");
        Require(MemorySize >= 0, "memory size must be non-negative");
        Require(!DistributedMemory || WorldSize > 1, "distributed memories need world size > 1 (with one rank the memory is global)");
        Require(FreezeTask.Concat(FreezeFinetuning).All(g => DyTox.Model.DyToxModel.FreezeGroupNames.Contains(g)),
                $"freeze groups must be among {string.Join(", ", DyTox.Model.DyToxModel.FreezeGroupNames)}");
        Require(MemoryOversampling >= 0 && FinetuningOldOversampling >= 1, "memory oversampling must be at least 0 (main training) and 1 (finetuning)");
        Require(TrainFraction > 0 && TrainFraction <= 1, "train fraction must be in (0, 1]");
        Require(ValidationFraction is >= 0 and < 1, "the validation fraction must be in [0, 1)");
        Require(MixupAlpha >= 0 && SamRho >= 0, "mixup alpha and SAM rho must be non-negative");
        Require(MixupProbability is >= 0 and <= 1 && MixupSwitchProbability is >= 0 and <= 1, "the MixUp and switch probabilities must be in [0, 1]");
        Require(CutmixAlpha >= 0 && (CutmixMinMax is null || (CutmixMinMax.Count == 2 && CutmixMinMax[0] >= 0 && CutmixMinMax[0] < CutmixMinMax[1] && CutmixMinMax[1] <= 1)),
                "cutmix must be non-negative and cutmix_minmax two fractions 0 ≤ min < max ≤ 1");
        Require(SamFinalRho is null or >= 0 && LookSamEvery >= 0 && double.IsFinite(LookSamAlpha), "sam_final must be non-negative, look_sam_k non-negative and look_sam_alpha finite");
        Require(EvalBatchSize > 0, "eval batch size must be positive");
        Require(CheckpointEvery > 0, "checkpoint interval must be positive");
        Require(MaxTasks is null or > 0, "max tasks must be positive");
        Require((StartTask == 0) == (ResumeFrom is null), "start_task and resume go together: the task to start at and the run to start from");
        Require(AdamBeta1 is >= 0 and < 1 && AdamBeta2 is >= 0 and < 1 && AdamEpsilon > 0, "AdamW needs 0 ≤ β1, β2 < 1 and ε > 0");
        Require(LrNoise is null || (LrNoise.Count is 1 or 2 && LrNoise.All(f => f >= 0)) && LrNoisePercent > 0, "lr_noise must be one or two non-negative fractions and lr_noise_pct positive");
        Require(ClipGradNorm is null || (ClipGradNorm > 0 && double.IsFinite(ClipGradNorm.Value)), "the gradient clipping norm must be positive and finite (or null)");
        Require(DivergenceWeight >= 0 && DistillationTemperature > 0, "the divergence weight must be non-negative and the distillation temperature positive");
        Model.Validate();
        return this;
    }
}
