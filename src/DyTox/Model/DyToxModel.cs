using DyTox.Autograd;
using DyTox.Tensor;

namespace DyTox.Model;

/// <summary>
/// The DyTox network (dytox-spec §1): patch embedding + positional embedding → SABs (GPSA) → TABs applied to every
/// task token → one classifier per task, plus the divergence head for tasks t ≥ 1. Parameter names and order follow
/// the original's state dict (docs/dytox-state-dict.md): <c>pos_embed</c>, <c>patch_embed.proj.*</c>,
/// <c>sabs.{i}.*</c>, <c>tabs.{j}.*</c>, <c>task_tokens.{t}</c>, <c>head.{t}.{head,norm}.*</c>, <c>head_div.*</c>.
/// Forward passes allocate in the caller's <see cref="TensorScope"/>.
/// </summary>
public sealed class DyToxModel : Module
{
    private readonly ParameterOptions options;
    private readonly Rng initRng;
    private readonly List<int> classesPerTask = new();

    /// <summary>Builds the trunk (no task yet: call <see cref="AddTask"/>). <paramref name="rng"/> seeds two
    /// independent streams: parameter initialisation and drop-path masks.</summary>
    public DyToxModel(DyToxConfig config, IBackend backend, DType dtype, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(rng);
        if (!dtype.IsFloating()) throw new ArgumentException($"DyToxModel needs a floating dtype; got {dtype}.", nameof(dtype));
        Config = config.Validate();
        options = new ParameterOptions(backend, dtype);
        initRng = rng.Fork("dytox.init");
        var dropPathRng = rng.Fork("dytox.drop_path");
        int d = config.EmbedDim;

        PosEmbed = RegisterParameter("pos_embed", options.Create(1, config.NumPatches, d));
        Init.TruncNormal(PosEmbed.Value, 0.02, initRng);
        PatchEmbed = RegisterModule("patch_embed", new PatchEmbed(config.InChannels, d, config.PatchSize, options, initRng));
        Sabs = RegisterModule("sabs", new ModuleList<SelfAttentionBlock>());
        for (int i = 0; i < config.SelfAttentionBlocks; i++)
            Sabs.Add(new SelfAttentionBlock(config, config.DropPathRate(i), options, initRng, dropPathRng.Fork((ulong)i)));
        Tabs = RegisterModule("tabs", new ModuleList<TaskAttentionBlock>());
        for (int j = 0; j < config.TaskAttentionBlocks; j++)
        {
            int block = config.SelfAttentionBlocks + j;
            Tabs.Add(new TaskAttentionBlock(config, config.DropPathRate(block), options, initRng, dropPathRng.Fork((ulong)block)));
        }
        TaskTokens = RegisterModule("task_tokens", new ParameterList());
        Heads = RegisterModule("head", new ModuleList<ContinualClassifier>());
    }

    public DyToxConfig Config { get; }
    public IBackend Backend => options.Backend;
    public DType DType => options.DType;

    public Parameter PosEmbed { get; }
    public PatchEmbed PatchEmbed { get; }
    public ModuleList<SelfAttentionBlock> Sabs { get; }
    public ModuleList<TaskAttentionBlock> Tabs { get; }
    public ParameterList TaskTokens { get; }
    public ModuleList<ContinualClassifier> Heads { get; }

    /// <summary>The divergence head of the current task (t ≥ 1); null during task 0 and in teachers.</summary>
    public ContinualClassifier? DivergenceHead { get; private set; }

    public int TaskCount => classesPerTask.Count;
    public IReadOnlyList<int> ClassesPerTask => classesPerTask;
    public int TotalClasses => classesPerTask.Sum();

    /// <summary>Classes of all tasks before the newest one (C_old).</summary>
    public int OldClasses => TotalClasses - (TaskCount == 0 ? 0 : classesPerTask[^1]);

    /// <summary>
    /// Starts a new task with <paramref name="classes"/> classes (dytox-spec §1.6–1.8): a task token drawn fresh from
    /// N(0, 0.02²) and a new classifier; from the second task on also a fresh divergence head with classes + 1 outputs
    /// (replacing the previous one).
    /// </summary>
    public void AddTask(int classes) => AddTask(classes, withDivergenceHead: true, newTaskToken: true);

    /// <summary>
    /// With <paramref name="newTaskToken"/> false, the task gets a new classifier but no task token and no
    /// divergence head: every classifier reads the first token's embedding, i.e. one token with a classifier that
    /// grows with the classes (the naive fine-tuning baseline).
    /// </summary>
    public void AddTask(int classes, bool newTaskToken) => AddTask(classes, withDivergenceHead: newTaskToken, newTaskToken);

    private void AddTask(int classes, bool withDivergenceHead, bool newTaskToken = true)
    {
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "a task needs at least one class.");
        int d = Config.EmbedDim;
        if (newTaskToken || TaskTokens.Count == 0)
        {
            var token = options.Create(1, 1, d);
            Init.TruncNormal(token.Value, 0.02, initRng);
            TaskTokens.Add(token);
        }
        Heads.Add(new ContinualClassifier(d, classes, Config.LayerNormEps, options, initRng));
        classesPerTask.Add(classes);
        if (TaskCount >= 2 && withDivergenceHead)
        {
            var fresh = new ContinualClassifier(d, classes + 1, Config.LayerNormEps, options, initRng);
            fresh.Train(Training);
            if (DivergenceHead is null) RegisterModule("head_div", fresh);
            else ReplaceModule("head_div", fresh).Dispose();
            DivergenceHead = fresh;
        }
    }

    /// <summary>Every task's classifier drawn afresh, in task order (the original's <c>reset_classifier</c>, for
    /// <c>finetuning_resetclf</c>); the divergence head is left as it is, as there.</summary>
    public void ResetClassifiers(Rng rng)
    {
        foreach (var head in Heads) head.ResetParameters(rng);
    }

    /// <summary>
    /// images [B, C, H, W] → logits [B, C_tot], the task embeddings [T, B, D] and, when
    /// <paramref name="withDivergence"/> and in training mode, the divergence logits [B, C_t + 1]. Evaluation mode
    /// always skips the divergence head (its output is unused at inference). A <paramref name="recorder"/> (gradient
    /// recording off) collects every SAB's and TAB's attention maps; see <see cref="DyToxInspection.ForwardWithAttention"/>.
    /// </summary>
    public DyToxOutput Forward(Variable images, bool withDivergence, AttentionRecorder? recorder = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (TaskCount == 0) throw new InvalidOperationException("DyToxModel has no task yet: call AddTask before Forward.");
        var c = Config;
        if (images.Rank != 4 || images.Size(1) != c.InChannels || images.Size(2) != c.ImageSize || images.Size(3) != c.ImageSize)
            throw new ArgumentException($"DyToxModel expects images [B, {c.InChannels}, {c.ImageSize}, {c.ImageSize}]; got {images.Value.Describe()}.", nameof(images));
        bool divergence = withDivergence && Training;
        if (divergence && DivergenceHead is null)
            throw new InvalidOperationException($"the divergence head exists from the second task on; this model has {TaskCount} task(s).");

        var x = F.Add(PatchEmbed.Forward(images), PosEmbed);
        foreach (var sab in Sabs) x = sab.Forward(x, recorder);

        var tokens = TaskTokens.Count == 1 ? (Variable)TaskTokens[0] : F.Concat(0, AllTaskTokens());
        foreach (var tab in Tabs) tokens = tab.Forward(x, tokens, recorder);
        var embeddings = tokens; // [T, B, D]

        var perTask = new Variable[TaskCount];
        for (int t = 0; t < TaskCount; t++) perTask[t] = Heads[t].Forward(F.Select(embeddings, 0, Math.Min(t, TaskTokens.Count - 1)));
        var logits = TaskCount == 1 ? perTask[0] : F.Concat(1, perTask);
        var divergenceLogits = divergence ? DivergenceHead!.Forward(F.Select(embeddings, 0, TaskTokens.Count - 1)) : null;
        return new DyToxOutput(logits, divergenceLogits, embeddings);
    }

    /// <summary>The groups DyTox's files freeze in each phase (dytox-spec §2.6): nothing in task 0, the old task tokens and
    /// heads in the main training of later tasks (<c>freeze_task</c>), the encoder in the finetuning (<c>freeze_ft</c>).</summary>
    public static IReadOnlyList<string> FrozenGroups(TrainingPhase phase) => phase switch
    {
        TrainingPhase.Task0 => [],
        TrainingPhase.TaskMain => ["old_task_tokens", "old_heads"],
        TrainingPhase.Finetune => ["sab"],
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "unknown training phase."),
    };

    /// <summary>The group names the original's <c>freeze()</c> knows.</summary>
    public static readonly IReadOnlyList<string> FreezeGroupNames = ["all", "old_task_tokens", "task_tokens", "sab", "tab", "old_heads", "heads", "head_div"];

    /// <summary>
    /// Sets what is trainable with DyTox's own lists (<see cref="FrozenGroups"/>). Like the original <c>freeze()</c> it first
    /// makes every parameter trainable and the model train-mode, then freezes the groups. Frozen modules stay in train
    /// mode (the original's training loop puts the whole model back in train mode, dytox-spec §7.10); the trainer sets
    /// frozen blocks to evaluation mode itself.
    /// </summary>
    public void SetTrainablePhase(TrainingPhase phase) => SetTrainable(FrozenGroups(phase));

    /// <summary>
    /// Makes every parameter trainable, then freezes the named groups (the original's <c>freeze(names)</c>): <c>all</c>,
    /// <c>old_task_tokens</c> (every task token but the newest), <c>task_tokens</c>, <c>sab</c> (patch embedding, positional
    /// embedding and the SABs), <c>tab</c>, <c>old_heads</c> (every classifier but the newest), <c>heads</c>, <c>head_div</c>.
    /// Returns whether SABs resp. TABs are frozen.
    /// </summary>
    public (bool Sabs, bool Tabs) SetTrainable(IEnumerable<string> frozenGroups)
    {
        Unfreeze();
        Train();
        bool sabs = false, tabs = false;
        foreach (string group in frozenGroups)
        {
            switch (group)
            {
                case "all":
                    Freeze();
                    sabs = tabs = true;
                    break;
                case "old_task_tokens":
                    for (int t = 0; t < TaskTokens.Count - 1; t++) Freeze($"task_tokens.{t}");
                    break;
                case "task_tokens":
                    Freeze("task_tokens");
                    break;
                case "sab":
                    Freeze("patch_embed");
                    Freeze("pos_embed");
                    Freeze("sabs");
                    sabs = true;
                    break;
                case "tab":
                    Freeze("tabs");
                    tabs = true;
                    break;
                case "old_heads":
                    for (int t = 0; t < TaskCount - 1; t++) Freeze($"head.{t}");
                    break;
                case "heads":
                    Freeze("head");
                    break;
                case "head_div":
                    if (DivergenceHead is not null) Freeze("head_div");
                    break;
                default:
                    throw new ArgumentException($"unknown freeze group \"{group}\"; expected one of {string.Join(", ", FreezeGroupNames)}.", nameof(frozenGroups));
            }
        }
        return (sabs, tabs);
    }

    /// <summary>
    /// A deep copy of the weights (all tasks, no divergence head), every parameter frozen, in evaluation mode: the
    /// KD teacher of the next task.
    /// </summary>
    public DyToxModel CloneAsTeacher()
    {
        var teacher = new DyToxModel(Config, Backend, DType, new Rng(0));
        foreach (int classes in classesPerTask) teacher.AddTask(classes, withDivergenceHead: false);
        var mine = NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
        foreach (var (name, p) in teacher.NamedParameters()) Backend.Copy(mine[name].Value, p.Value);
        teacher.Freeze();
        teacher.Eval();
        return teacher;
    }

    /// <summary>
    /// An exact replica of this model on <paramref name="device"/> (a data-parallel rank's copy): the same tasks, task
    /// tokens and heads, the divergence head too; the same weights bit for bit; the same trainable parameters; the same
    /// train/eval mode of every module. The replica owns its weights (and, once trained, its gradients).
    /// </summary>
    public DyToxModel CloneTo(IBackend device, DeviceTransfer transfer)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(transfer);
        var replica = new DyToxModel(Config, device, DType, new Rng(0));
        bool tokenPerTask = TaskTokens.Count == TaskCount; // DyTox; the naive baseline has one token for all tasks
        try
        {
            foreach (int classes in classesPerTask)
                replica.AddTask(classes, withDivergenceHead: DivergenceHead is not null, newTaskToken: tokenPerTask);
            var mine = NamedParameters().ToList();
            var theirs = replica.NamedParameters().ToList();
            if (theirs.Count != mine.Count || theirs.Where((p, i) => p.Name != mine[i].Name).Any())
                throw new InvalidOperationException("the replica's parameters do not line up with the model's.");
            for (int i = 0; i < mine.Count; i++)
            {
                transfer.Copy(mine[i].Parameter.Value, theirs[i].Parameter.Value);
                theirs[i].Parameter.RequiresGrad = mine[i].Parameter.RequiresGrad;
            }
            // Depth first, parents before children: Train(bool) sets a whole subtree, the children then take their own mode.
            var myModules = NamedModules().ToList();
            var theirModules = replica.NamedModules().ToList();
            for (int i = 0; i < myModules.Count; i++) theirModules[i].Module.Train(myModules[i].Module.Training);
            return replica;
        }
        catch
        {
            replica.Dispose();
            throw;
        }
    }

    /// <summary>Number of scalars in the parameters, optionally without the (training-only) divergence head.</summary>
    public new long ParameterCount(bool includeDivergenceHead) =>
        NamedParameters()
            .Where(p => includeDivergenceHead || !p.Name.StartsWith("head_div.", StringComparison.Ordinal))
            .Sum(p => p.Parameter.Numel);

    /// <summary>
    /// Mean, minimum and maximum L2 distance between pairs of task tokens: the reference's <c>epoch_log</c>
    /// (logged as token_mean_dist / token_min_dist / token_max_dist); all zero with fewer than two tokens.
    /// </summary>
    public (double Mean, double Min, double Max) TaskTokenDistances()
    {
        var tokens = new double[TaskTokens.Count][];
        for (int t = 0; t < tokens.Length; t++) tokens[t] = GpsaAttention.ReadDoubles(TaskTokens[t].Value);
        double sum = 0, min = double.PositiveInfinity, max = 0;
        int pairs = 0;
        for (int i = 0; i < tokens.Length; i++)
        {
            for (int j = i + 1; j < tokens.Length; j++)
            {
                double squares = 0;
                for (int k = 0; k < tokens[i].Length; k++) squares += (tokens[i][k] - tokens[j][k]) * (tokens[i][k] - tokens[j][k]);
                double distance = Math.Sqrt(squares);
                sum += distance;
                min = Math.Min(min, distance);
                max = Math.Max(max, distance);
                pairs++;
            }
        }
        return pairs == 0 ? (0, 0, 0) : (sum / pairs, min, max);
    }

    private Variable[] AllTaskTokens()
    {
        var all = new Variable[TaskTokens.Count];
        for (int t = 0; t < all.Length; t++) all[t] = TaskTokens[t];
        return all;
    }
}
