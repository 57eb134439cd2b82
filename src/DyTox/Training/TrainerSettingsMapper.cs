using DyTox.Model;
using DyTox.Options;

namespace DyTox.Training;

/// <summary>
/// Maps the original's options (YAML files + flags, <see cref="DyToxOptions"/>) onto the trainer. Options
/// of the original that this implementation does not provide (CutMix, random erasing, ResNet encoder, POD,
/// joint tokens, a separate memory loader, …) are rejected with the key's name rather than ignored
/// (<see cref="OptionConformance"/> holds the keys whose other values are not implemented).
/// </summary>
public static class TrainerSettingsMapper
{
    public static DyToxConfig ModelConfig(DyToxOptions o)
    {
        if (!o.ClassAttention) throw Unsupported(o, "class_attention", "false", "DyTox needs class_attention: true (its TAB)");
        if (o.MlpRatio != Math.Floor(o.MlpRatio)) throw Unsupported(o, "mlp_ratio", o.MlpRatio.ToString(System.Globalization.CultureInfo.InvariantCulture), "an integer ratio");
        return new DyToxConfig
        {
            ImageSize = o.InputSize,
            InChannels = o.InChans,
            PatchSize = o.PatchSize,
            EmbedDim = o.EmbedDim,
            NumHeads = o.NumHeads,
            MlpRatio = (int)o.MlpRatio,
            SelfAttentionBlocks = o.LocalUpToLayer,
            TaskAttentionBlocks = o.Depth - o.LocalUpToLayer,
            DropPathMax = o.DropPath,
            LocalityStrength = o.LocalityStrength,
        }.Validate();
    }

    public static TrainerSettings Settings(DyToxOptions o, ContinualMethod method, string? outputDirectory)
    {
        Reject(o.Resnet, o, "resnet", o.Resnet, "false (the ResNet encoder ablation is not implemented)");
        Reject(o.Pod is > 0, o, "pod", o.Pod, "unset (POD distillation is not implemented)");
        Reject(o.JointTokens, o, "joint_tokens", o.JointTokens, "false (the buggy joint-tokens path is not reproduced; tasks are batched exactly)");
        Reject(o.RehearsalModes != 1, o, "rehearsal_modes", o.RehearsalModes, "1");
        Reject(o.Drop > 0, o, "drop", o.Drop, "0 (DyTox uses no dropout)");
        Reject(o.Opt != "adamw", o, "opt", o.Opt, "adamw");
        Reject(o.Sched != "cosine", o, "sched", o.Sched, "cosine");
        Reject(o.Dytox && o.IndClf != "1-1", o, "ind_clf", o.IndClf, "1-1 (independent classifiers)");
        Reject(o.Dytox && !o.BceLoss, o, "bce_loss", o.BceLoss, "true");
        Reject(o.Finetuning is not ("" or "balanced"), o, "finetuning", o.Finetuning, "balanced");
        OptionConformance.Check(o, method);
        return new TrainerSettings
        {
            Method = method,
            Model = ModelConfig(o),
            Seed = (ulong)o.Seed,
            BaseEpochs = o.BaseEpochs,
            IncrementalEpochs = o.Epochs,
            BatchSize = o.BatchSize,
            IncrementalBatchSize = o.IncrementalBatchSize ?? o.BatchSize,
            WorldSize = o.WorldSize,
            LearningRate = o.Lr,
            IncrementalLearningRate = o.IncrementalLr ?? o.Lr,
            WeightDecay = o.WeightDecay,
            MinLearningRate = o.MinLr,
            WarmupEpochs = o.WarmupEpochs,
            WarmupLearningRate = o.WarmupLr,
            IncrementalWarmupLearningRate = o.IncrementalWarmupLr,
            AdamBeta1 = o.OptBetas?[0] ?? 0.9,
            AdamBeta2 = o.OptBetas?[1] ?? 0.999,
            AdamEpsilon = o.OptEps,
            DivergenceWeight = o.SourceOf("head_div") == "default" ? DyToxLoss.DivergenceWeight : o.HeadDiv,
            DistillationTemperature = o.DistillationTau,
            ClipGradNorm = o.ClipGrad,
            LrNoise = o.LrNoise,
            LrNoisePercent = o.LrNoisePct,
            MaxTasks = o.MaxTask,
            Debug = o.Debug,
            StartTask = o.StartTask,
            ResumeFrom = o.Resume == "" ? null : o.Resume,
            CheckpointEvery = o.SaveEveryEpoch ?? 1,
            RepeatedAugmentations = o.RepeatedAug ? 3 : 1,
            MixupAlpha = Unset(o, "mixup") ? 0 : o.Mixup,
            LabelSmoothing = o.Smoothing,
            MixupMode = Enum.Parse<MixUpMode>(o.MixupMode, ignoreCase: true),
            MixupProbability = o.MixupProb,
            CutmixAlpha = Unset(o, "cutmix") ? 0 : o.Cutmix,
            CutmixMinMax = o.CutmixMinmax,
            MixupSwitchProbability = o.MixupSwitchProb,
            SamRho = o.SamRho,
            // Unset SAM keys behave as in DyTox++'s files (adaptive, skip the first task, main training), not as argparse.
            SamAdaptive = o.SourceOf("sam_adaptive") == "default" || o.SamAdaptive,
            SamSkipFirstTask = o.SourceOf("sam_skip_first") == "default" || o.SamSkipFirst,
            SamInMainTraining = o.SourceOf("sam_mode") == "default" || o.SamMode.Contains("tr"),
            SamFinalRho = o.SamFinal,
            LookSamEvery = o.LookSamK,
            LookSamAlpha = o.LookSamAlpha,
            MemorySize = o.MemorySize,
            Rehearsal = o.Rehearsal,
            FixedMemory = o.FixedMemory,
            RehearsalTestTransform = o.RehearsalTestTrsf,
            // The original defaults to one memory per process (a defect its erratum corrects); here only when asked for.
            DistributedMemory = o.SourceOf("distributed_memory") != "default" && o.DistributedMemory && o.WorldSize > 1,
            // sep_memory keeps the memory out of the task's data (the original then reads it only through a separate loader,
            // which only its 'memory' SAM steps and MixUp 'old' use, refused here): the main training without rehearsal.
            MemoryOversampling = o.SepMemory ? 0 : o.OversampleMemory,
            FinetuningOldOversampling = o.OversampleMemoryFt,
            // Unset, head_div_mode is DyTox's files' [tr], not the argparse default [tr, ft] (OptionConformance).
            DivergenceInMainTraining = o.SourceOf("head_div_mode") == "default" || o.HeadDivMode.Contains("tr"),
            DivergenceInFinetuning = o.SourceOf("head_div_mode") != "default" && o.HeadDivMode.Contains("ft"),
            // Unset, the freeze lists are DyTox's files' (the argparse defaults freeze nothing).
            FreezeTask = o.SourceOf("freeze_task") == "default" ? DyToxModel.FrozenGroups(TrainingPhase.TaskMain) : o.FreezeTask,
            FreezeFinetuning = o.SourceOf("freeze_ft") == "default" ? DyToxModel.FrozenGroups(TrainingPhase.Finetune) : o.FreezeFt,
            FinetuningSampling = !Unset(o, "ft_no_sampling") && !o.FtNoSampling,
            Distillation = Unset(o, "auto_kd") || o.AutoKd,
            FinetuningDistillation = o.FinetuningTeacher,
            FinetuningResetClassifiers = o.FinetuningResetclf,
            Finetuning = o.Finetuning == "balanced",
            FinetuningEpochs = o.FinetuningEpochs,
            FinetuningLearningRate = o.FinetuningLr,
            ReferenceSamplerDefect = o.ReferenceSampler,
            ReferenceFinetuningLoader = o.ReferenceFinetuning,
            ReferenceFinetuneDropPath = o.ReferenceFinetuning,
            EvalEvery = o.EvalEvery ?? 0,
            OutputDirectory = outputDirectory,
            TrainFraction = o.TrainFraction,
            ValidationFraction = o.Validation,
        }.Validate();
    }

    // Keys no file sets take the value of DyTox's model files, not the argparse default (DeiT's recipe: mixup 0.8,
    // cutmix 1.0, reprob 0.25), which every DyTox file overrides.
    private static bool Unset(DyToxOptions o, string key) => o.SourceOf(key) == "default";

    /// <summary>The training transform's random erasing (<c>reprob</c>, <c>remode</c>, <c>recount</c>), or null when off
    /// (also when no file sets <c>reprob</c>: DyTox's files turn it off).</summary>
    public static Data.Augmentation.RandomErasingOptions? RandomErasing(DyToxOptions o) =>
        Unset(o, "reprob") || !(o.Reprob > 0)
            ? null
            : new Data.Augmentation.RandomErasingOptions(o.Reprob, Data.Augmentation.RandomErasingOptions.ParseFill(o.Remode), o.Recount);

    private static void Reject(bool condition, DyToxOptions o, string key, object? value, string expected)
    {
        if (condition) throw Unsupported(o, key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "null", expected);
    }

    private static OptionsException Unsupported(DyToxOptions o, string key, string value, string expected) =>
        new($"option \"{key}\" = {value} (from {o.SourceOf(key)}) is not supported: expected {expected}.");
}
