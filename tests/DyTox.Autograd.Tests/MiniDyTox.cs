using DyTox.Tensor;

namespace DyTox.Autograd.Tests;

/// <summary>
/// A DyTox built in the test project from the autograd layers, with the reference state-dict names
/// (pos_embed, patch_embed.proj.*, sabs.i.*, tabs.j.*, task_tokens.t, head.t.{norm, head}.*, head_div.*), to
/// replay the PyTorch fixtures end to end. Weights are loaded, so the init here is arbitrary.
/// </summary>
internal sealed class MiniDyTox : Module
{
    private readonly Tensor.Tensor relative;
    private readonly ParameterOptions options;
    private readonly Rng rng;
    private readonly int dim, heads;

    public MiniDyTox(ParameterOptions o, int imageSize, int patch, int dim, int heads, int sabCount, int tabCount, ulong seed = 1)
    {
        options = o;
        rng = new Rng(seed);
        this.dim = dim;
        this.heads = heads;
        int tokens = imageSize / patch * (imageSize / patch);
        PosEmbed = RegisterParameter("pos_embed", o.Create(1, tokens, dim));
        Init.TruncNormal(PosEmbed.Value, 0.02, rng);
        PatchEmbed = RegisterModule("patch_embed", new PatchEmbed(3, dim, patch, o, rng));
        Sabs = RegisterModule("sabs", new ModuleList<TinyTransformer.GpsaBlock>());
        for (int i = 0; i < sabCount; i++) Sabs.Add(new TinyTransformer.GpsaBlock(dim, heads, o, rng, 0));
        Tabs = RegisterModule("tabs", new ModuleList<TinyTransformer.TaskBlock>());
        for (int i = 0; i < tabCount; i++) Tabs.Add(new TinyTransformer.TaskBlock(dim, heads, o, rng, 0));
        TaskTokens = RegisterModule("task_tokens", new ParameterList());
        Heads = RegisterModule("head", new ModuleList<Classifier>());
        relative = TensorScope.Unscoped(() => F.GpsaRelativePositions(tokens, o.Backend, o.DType));
    }

    public Parameter PosEmbed { get; }
    public PatchEmbed PatchEmbed { get; }
    public ModuleList<TinyTransformer.GpsaBlock> Sabs { get; }
    public ModuleList<TinyTransformer.TaskBlock> Tabs { get; }
    public ParameterList TaskTokens { get; }
    public ModuleList<Classifier> Heads { get; }
    public Classifier? HeadDiv { get; private set; }

    /// <summary>Adds a task: a token and a head of <paramref name="classes"/> outputs; from the second task on, a
    /// divergence head with <paramref name="classes"/> + 1 outputs.</summary>
    public void AddTask(int classes)
    {
        var token = TaskTokens.Add(options.Create(1, 1, dim));
        Init.TruncNormal(token.Value, 0.02, rng);
        Heads.Add(new Classifier(dim, classes, options, rng));
        if (TaskTokens.Count >= 2)
        {
            var div = new Classifier(dim, classes + 1, options, rng);
            if (HeadDiv is null) RegisterModule("head_div", div); else ReplaceModule("head_div", div).Dispose();
            HeadDiv = div;
        }
    }

    /// <summary>Concatenated per-task logits [B, C_tot] and the divergence logits of the newest embedding.</summary>
    public (Variable Logits, Variable? DivLogits) Forward(Variable images)
    {
        var x = F.Add(PatchEmbed.Forward(images), PosEmbed);
        foreach (var sab in Sabs) x = sab.Forward(x, relative);
        int b = images.Size(0);
        var logits = new Variable[TaskTokens.Count];
        Variable last = null!;
        for (int t = 0; t < TaskTokens.Count; t++)
        {
            var e = F.Expand(TaskTokens[t], b, 1, dim);
            foreach (var tab in Tabs) e = tab.Forward(e, x);
            last = F.Reshape(e, b, dim);
            logits[t] = Heads[t].Forward(last);
        }
        var all = logits.Length == 1 ? logits[0] : F.Concat(1, logits);
        return (all, HeadDiv?.Forward(last));
    }

    public override void Dispose()
    {
        relative.Dispose();
        base.Dispose();
    }

    internal sealed class Classifier : Module
    {
        public Classifier(int dim, int classes, ParameterOptions o, Rng rng)
        {
            Norm = RegisterModule("norm", new LayerNorm(dim, o));
            Head = RegisterModule("head", new Linear(dim, classes, o, rng));
        }

        public LayerNorm Norm { get; }
        public Linear Head { get; }

        public Variable Forward(Variable e) => Head.Forward(Norm.Forward(e));
    }
}
