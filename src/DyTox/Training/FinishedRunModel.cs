using System.Text.Json;
using System.Text.Json.Nodes;
using DyTox.Autograd;
using DyTox.Model;
using DyTox.Tensor;

namespace DyTox.Training;

/// <summary>
/// The model of a training run's checkpoint (<c>&lt;run&gt;/checkpoint/</c>, written by <see cref="TrainerCheckpoint"/>)
/// at a task boundary, for analysis: the tasks of <c>classes_per_task</c> added in order and <c>model.safetensors</c>
/// loaded strictly. A checkpoint taken inside a task (mid-training or mid-finetuning) is refused: its weights are
/// not a model the protocol ever evaluates.
/// </summary>
public static class FinishedRunModel
{
    /// <summary>What was loaded: the model (evaluation mode, frozen) and the run's progress.</summary>
    public sealed record Loaded(DyToxModel Model, int TasksCompleted, bool SingleTaskToken, string CheckpointDirectory);

    /// <summary>
    /// Loads the model of <paramref name="runDirectory"/> built with <paramref name="config"/> (the options the run
    /// was trained with). The naive baseline (one task token shared by growing heads) is recognised from the saved
    /// weights. Throws <see cref="FileNotFoundException"/> without a checkpoint and <see cref="InvalidDataException"/>
    /// for a mid-task or unreadable one, or one whose shapes are not those of <paramref name="config"/>.
    /// </summary>
    public static Loaded Load(string runDirectory, DyToxConfig config, IBackend backend, DType dtype)
    {
        ArgumentException.ThrowIfNullOrEmpty(runDirectory);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(backend);
        string directory = new TrainerCheckpoint(runDirectory).Directory;
        string statePath = Path.Combine(directory, "state.json");
        string modelPath = Path.Combine(directory, "model.safetensors");
        if (!File.Exists(statePath) || !File.Exists(modelPath))
            throw new FileNotFoundException(
                $"no checkpoint in {directory} (expected state.json and model.safetensors): pass the output folder of a `train` run (e.g. runs/fmnist/2-2/dytox-seed0).",
                File.Exists(statePath) ? modelPath : statePath);

        JsonNode root;
        try { root = JsonNode.Parse(File.ReadAllText(statePath)) ?? throw new JsonException("empty document"); }
        catch (JsonException e) { throw new InvalidDataException($"checkpoint {statePath} is not valid JSON ({e.Message}).", e); }
        int[] classes;
        int task, nextEpoch;
        string phase;
        try
        {
            classes = root["classes_per_task"]!.AsArray().Select(n => (int)n!).ToArray();
            task = (int)root["task"]!;
            nextEpoch = (int)root["next_epoch"]!;
            phase = (string)root["phase"]!;
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"checkpoint {statePath} lacks task, phase, next_epoch or classes_per_task.", e);
        }
        // A boundary checkpoint is "task t, Train, epoch 0" with exactly the t finished tasks in the model.
        if (phase != nameof(TrainerPhase.Train) || nextEpoch != 0 || task != classes.Length)
            throw new InvalidDataException(
                $"checkpoint {directory} is in the middle of task {task} ({phase}, next epoch {nextEpoch}, model of {classes.Length} task(s)); " +
                "finish the run with `train` (it resumes) before inspecting it.");
        if (classes.Length == 0) throw new InvalidDataException($"checkpoint {directory} holds no finished task yet.");

        using var weights = StateDictIO.Load(modelPath, backend, dtype);
        return Build(weights, classes, config, backend, dtype, modelPath, directory,
                     "pass the --options the run was trained with");
    }

    /// <summary>
    /// Loads a bare state dict in the original's names (<paramref name="safetensorsPath"/>: our checkpoint's
    /// model.safetensors, or a PyTorch DyTox checkpoint converted with tools/convert_checkpoint.py): the tasks and
    /// their classes are read from the heads (<c>head.{t}.head.weight</c> is [C_t, D]); one task token for several heads
    /// is the naive baseline. The model is loaded strictly, so every tensor must fit <paramref name="config"/>.
    /// </summary>
    public static Loaded LoadWeights(string safetensorsPath, DyToxConfig config, IBackend backend, DType dtype)
    {
        ArgumentException.ThrowIfNullOrEmpty(safetensorsPath);
        ArgumentNullException.ThrowIfNull(config);
        if (!File.Exists(safetensorsPath)) throw new FileNotFoundException($"weights file {safetensorsPath} does not exist.", safetensorsPath);
        using var weights = StateDictIO.Load(safetensorsPath, backend, dtype);
        var classes = new List<int>();
        while (weights.TryGetValue($"head.{classes.Count}.head.weight", out var head))
        {
            if (head.Rank != 2) throw new InvalidDataException($"{safetensorsPath}: head.{classes.Count}.head.weight has shape {head.Describe()}; expected [classes, D].");
            classes.Add(head.Size(0));
        }
        if (classes.Count == 0)
            throw new InvalidDataException($"{safetensorsPath} holds no head.0.head.weight: not a DyTox state dict in the original's names (dytox-state-dict.md).");
        return Build(weights, classes.ToArray(), config, backend, dtype, safetensorsPath, Path.GetDirectoryName(Path.GetFullPath(safetensorsPath))!,
                     "pass the --options of the model's configuration");
    }

    private static Loaded Build(StateDict weights, int[] classes, DyToxConfig config, IBackend backend, DType dtype, string modelPath,
                                string directory, string hint)
    {
        int tokens = weights.Keys.Count(k => k.StartsWith("task_tokens.", StringComparison.Ordinal));
        bool singleToken = tokens == 1 && classes.Length > 1;
        var model = new DyToxModel(config, backend, dtype, new Rng(0));
        try
        {
            foreach (int c in classes)
                if (singleToken) model.AddTask(c, newTaskToken: false);
                else model.AddTask(c);
            model.LoadStateDict(weights, strict: true);
        }
        catch (InvalidOperationException e)
        {
            model.Dispose();
            throw new InvalidDataException($"{modelPath} does not fit the model of the given options ({hint}).{Environment.NewLine}{e.Message}", e);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.Freeze();
        model.Eval();
        return new Loaded(model, classes.Length, singleToken, directory);
    }
}
