using System.Text.Json;
using System.Text.Json.Nodes;
using DyTox.Autograd;
using DyTox.Data;
using DyTox.Memory;
using DyTox.Metrics;
using DyTox.Model;
using DyTox.Tensor;

namespace DyTox.Training;

/// <summary>
/// A resumable snapshot of a continual run in <c>&lt;output&gt;/checkpoint/</c>: the model (safetensors,
/// the original's parameter names, so it loads in PyTorch too), the KD teacher, the optimiser state, the
/// rehearsal memory, the accuracy history and where to continue (task, phase, next epoch). Written into a
/// temporary folder that replaces the previous snapshot only once complete, so a crash never leaves a torn
/// checkpoint and never loses the last good one.
/// </summary>
public sealed class TrainerCheckpoint
{
    private const int FormatVersion = 1;

    public TrainerCheckpoint(string outputDirectory)
    {
        Directory = Path.Combine(outputDirectory, "checkpoint");
    }

    public string Directory { get; }

    /// <summary>Where to continue: <see cref="Task"/> in <see cref="Phase"/> from <see cref="NextEpoch"/>.</summary>
    public sealed record State(int Task, TrainerPhase Phase, int NextEpoch, StateDict? Optimizer);

    public sealed record Restored(DyToxModel Model, DyToxModel? Teacher, RehearsalMemory[] Memories);

    /// <summary>The file of rank <paramref name="rank"/>'s memory: <c>memory.json</c> (the one memory, or rank 0's), then
    /// <c>memory.rank1.json</c>, … with distributed memories.</summary>
    public static string MemoryFileName(int rank) => rank == 0 ? "memory.json" : $"memory.rank{rank}.json";

    public void Save(State state, TrainerSettings settings, DyToxModel model, DyToxModel? teacher, IReadOnlyList<RehearsalMemory> memories, ContinualMetricsHistory history)
    {
        string temp = Directory + ".tmp";
        if (System.IO.Directory.Exists(temp)) System.IO.Directory.Delete(temp, recursive: true);
        System.IO.Directory.CreateDirectory(temp);
        using (var weights = model.StateDict()) StateDictIO.Save(Path.Combine(temp, "model.safetensors"), weights);
        if (teacher is not null)
            using (var weights = teacher.StateDict()) StateDictIO.Save(Path.Combine(temp, "teacher.safetensors"), weights);
        if (state.Optimizer is not null) StateDictIO.Save(Path.Combine(temp, "optimizer.safetensors"), state.Optimizer);
        for (int rank = 0; rank < memories.Count; rank++) memories[rank].Save(Path.Combine(temp, MemoryFileName(rank)));
        var json = new JsonObject
        {
            ["format"] = FormatVersion,
            ["fingerprint"] = Fingerprint(settings),
            ["task"] = state.Task,
            ["phase"] = state.Phase.ToString(),
            ["next_epoch"] = state.NextEpoch,
            ["classes_per_task"] = new JsonArray(model.ClassesPerTask.Select(c => (JsonNode)c).ToArray()),
            ["teacher_tasks"] = teacher?.TaskCount ?? 0,
            ["history"] = new JsonArray(history.Steps.Select(s => (JsonNode)new JsonObject
            {
                ["classes_seen"] = s.ClassesSeen,
                ["correct"] = new JsonArray(s.Evaluation.CorrectPerTask.Select(v => (JsonNode)v).ToArray()),
                ["total"] = new JsonArray(s.Evaluation.TotalPerTask.Select(v => (JsonNode)v).ToArray()),
                ["top5_correct"] = s.Evaluation.TopKCorrect,
                ["top_k"] = s.Evaluation.TopK,
                ["parameters"] = s.ParameterCount,
                ["cost"] = s.Cost is { } c ? new JsonObject
                {
                    ["seconds"] = c.Seconds,
                    ["peak_host_bytes"] = c.PeakHostBytes,
                    ["peak_tensor_bytes"] = c.PeakTensorBytes,
                    ["tensor_pool_bytes"] = c.TensorPoolBytes,
                } : null,
            }).ToArray()),
        };
        File.WriteAllText(Path.Combine(temp, "state.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        string old = Directory + ".old";
        if (System.IO.Directory.Exists(old)) System.IO.Directory.Delete(old, recursive: true);
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Move(Directory, old);
        System.IO.Directory.Move(temp, Directory);
        if (System.IO.Directory.Exists(old)) System.IO.Directory.Delete(old, recursive: true);
    }

    /// <summary>The saved position, or null when there is no checkpoint. A checkpoint of other settings is an error.</summary>
    public State? TryLoad(TrainerSettings settings, ClassIncrementalScenario scenario)
    {
        string path = Path.Combine(Directory, "state.json");
        if (!File.Exists(path)) return null;
        JsonNode root;
        try { root = JsonNode.Parse(File.ReadAllText(path)) ?? throw new JsonException("empty document"); }
        catch (JsonException e) { throw new InvalidDataException($"checkpoint {path} is not valid JSON ({e.Message}); delete the folder to start over.", e); }
        if ((int?)root["format"] != FormatVersion)
            throw new InvalidDataException($"checkpoint {path} has format {root["format"]}; this version reads format {FormatVersion}.");
        if ((string?)root["fingerprint"] != Fingerprint(settings))
            throw new InvalidDataException($"checkpoint {Directory} was written with other settings (model, method, seed, schedule); use another --output-basedir/--name or delete it to start over.");
        int task = (int)root["task"]!;
        if (task > scenario.TaskCount) throw new InvalidDataException($"checkpoint {path} is at task {task}, but the scenario has {scenario.TaskCount} tasks.");
        var phase = Enum.Parse<TrainerPhase>((string)root["phase"]!);
        int next = (int)root["next_epoch"]!;
        string optimizerPath = Path.Combine(Directory, "optimizer.safetensors");
        StateDict? optimizer = File.Exists(optimizerPath) ? StateDictIO.Load(optimizerPath, Tensor.Cpu.CpuBackend.Instance) : null;
        return new State(task, phase, next, optimizer);
    }

    /// <summary>Rebuilds model, teacher, memory and history from the checkpoint.</summary>
    public Restored Restore(State state, TrainerSettings settings, IBackend backend, DType dtype, Rng modelRng,
                            ContinualMetricsHistory history)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, "state.json")))!;
        var classes = root["classes_per_task"]!.AsArray().Select(n => (int)n!).ToArray();
        var model = new DyToxModel(settings.Model, backend, dtype, modelRng);
        foreach (int c in classes)
            if (settings.Method == ContinualMethod.Naive) model.AddTask(c, newTaskToken: false);
            else model.AddTask(c);
        using (var weights = StateDictIO.Load(Path.Combine(Directory, "model.safetensors"), backend, dtype)) model.LoadStateDict(weights, strict: true);
        DyToxModel? teacher = null;
        int teacherTasks = (int)root["teacher_tasks"]!;
        if (teacherTasks > 0)
        {
            teacher = new DyToxModel(settings.Model, backend, dtype, new Rng(0));
            for (int t = 0; t < teacherTasks; t++) teacher.AddTask(classes[t]);
            using (var weights = StateDictIO.Load(Path.Combine(Directory, "teacher.safetensors"), backend, dtype)) teacher.LoadStateDict(weights, strict: false);
            teacher.Freeze();
            teacher.Eval();
        }
        var memories = Enumerable.Range(0, settings.DistributedMemory ? settings.WorldSize : 1).Select(rank =>
        {
            string file = Path.Combine(Directory, MemoryFileName(rank));
            if (!File.Exists(file))
                throw new InvalidDataException($"checkpoint {Directory} has no {MemoryFileName(rank)}: distributed_memory with world_size {settings.WorldSize} keeps one memory per rank.");
            return RehearsalMemory.Load(file);
        }).ToArray();
        foreach (var step in root["history"]!.AsArray())
        {
            var evaluation = new StepEvaluation(
                step!["correct"]!.AsArray().Select(n => (long)n!).ToArray(),
                step["total"]!.AsArray().Select(n => (long)n!).ToArray(),
                (long)step["top5_correct"]!, null, (int)step["top_k"]!);
            var cost = step["cost"] is JsonObject c
                ? new StepCost((double)c["seconds"]!, (long)c["peak_host_bytes"]!, (long)c["peak_tensor_bytes"]!, (long)c["tensor_pool_bytes"]!)
                : null;
            history.AddStep((int)step["classes_seen"]!, evaluation, (long?)step["parameters"], cost);
        }
        if (state.Phase == TrainerPhase.Train && state.NextEpoch == 0 && state.Task < classes.Length)
            throw new InvalidDataException($"checkpoint {Directory} is inconsistent: task {state.Task} has not started but the model has {classes.Length} tasks.");
        return new Restored(model, teacher, memories);
    }

    /// <summary>What must match for a checkpoint to resume under <paramref name="s"/>.</summary>
    internal static string Fingerprint(TrainerSettings s)
    {
        string core = string.Join('|', s.Method, s.Model, s.Seed, s.BaseEpochs, s.IncrementalEpochs, s.BatchSize, s.IncrementalBatchSize, s.LearningRate,
                                  s.IncrementalLearningRate, s.MemorySize, s.Rehearsal, s.FinetuningEpochs, s.MixupAlpha, s.SamRho, s.TrainFraction, s.RepeatedAugmentations);
        // Settings added later join only when they differ from their defaults, so older checkpoints still resume.
        var defaults = new TrainerSettings { Model = s.Model };
        var later = new (string Name, object? Value, object? Default)[]
        {
            ("incremental_warmup_lr", s.IncrementalWarmupLearningRate, defaults.IncrementalWarmupLearningRate),
            ("betas", (s.AdamBeta1, s.AdamBeta2), (defaults.AdamBeta1, defaults.AdamBeta2)),
            ("eps", s.AdamEpsilon, defaults.AdamEpsilon),
            ("head_div", s.DivergenceWeight, defaults.DivergenceWeight),
            ("tau", s.DistillationTemperature, defaults.DistillationTemperature),
            ("debug", s.Debug, defaults.Debug),
            ("world_size", s.WorldSize, defaults.WorldSize),
            ("clip_grad", s.ClipGradNorm, defaults.ClipGradNorm),
            ("oversample_memory", s.MemoryOversampling, defaults.MemoryOversampling),
            ("oversample_memory_ft", s.FinetuningOldOversampling, defaults.FinetuningOldOversampling),
            ("validation", s.ValidationFraction, defaults.ValidationFraction),
            ("head_div_tr", s.DivergenceInMainTraining, defaults.DivergenceInMainTraining),
            ("head_div_ft", s.DivergenceInFinetuning, defaults.DivergenceInFinetuning),
            ("finetuning_teacher", s.FinetuningDistillation, defaults.FinetuningDistillation),
            ("finetuning_resetclf", s.FinetuningResetClassifiers, defaults.FinetuningResetClassifiers),
            ("sam_adaptive", s.SamAdaptive, defaults.SamAdaptive),
            ("sam_skip_first", s.SamSkipFirstTask, defaults.SamSkipFirstTask),
            ("sam_tr", s.SamInMainTraining, defaults.SamInMainTraining),
            ("sam_final", s.SamFinalRho, defaults.SamFinalRho),
            ("look_sam_k", s.LookSamEvery, defaults.LookSamEvery),
            ("look_sam_alpha", s.LookSamAlpha, defaults.LookSamAlpha),
            ("mixup_mode", s.MixupMode, defaults.MixupMode),
            ("mixup_prob", s.MixupProbability, defaults.MixupProbability),
            ("cutmix", s.CutmixAlpha, defaults.CutmixAlpha),
            ("cutmix_minmax", s.CutmixMinMax is null ? null : string.Join(',', s.CutmixMinMax), null),
            ("switch_prob", s.MixupSwitchProbability, defaults.MixupSwitchProbability),
            ("distributed_memory", s.DistributedMemory, defaults.DistributedMemory),
            ("freeze_task", string.Join(',', s.FreezeTask), string.Join(',', defaults.FreezeTask)),
            ("freeze_ft", string.Join(',', s.FreezeFinetuning), string.Join(',', defaults.FreezeFinetuning)),
            ("ft_sampling", s.FinetuningSampling, defaults.FinetuningSampling),
            ("auto_kd", s.Distillation, defaults.Distillation),
            ("lr_noise", s.LrNoise is null ? null : string.Join(',', s.LrNoise) + "/" + s.LrNoisePercent, null),
        };
        return core + string.Concat(later.Where(l => !Equals(l.Value, l.Default)).Select(l => FormattableString.Invariant($"|{l.Name}={l.Value}")));
    }
}
