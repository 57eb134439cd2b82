using DyTox.Tensor;

namespace DyTox.Autograd.Tests;

/// <summary>
/// A miniature DyTox built only from the autograd ops and layers: patch embedding + positional embedding,
/// one GPSA block, one task-attention block on a task token, a LayerNorm + Linear head.
/// </summary>
internal sealed class TinyTransformer : Module
{
    private readonly Tensor.Tensor relative;

    public TinyTransformer(ParameterOptions o, ulong seed, int imageSize = 16, int patch = 4, int dim = 32, int heads = 4, int classes = 4, double dropPath = 0.1)
    {
        var rng = new Rng(seed);
        Tokens = imageSize / patch * (imageSize / patch);
        Dim = dim;
        Heads = heads;
        PatchEmbed = RegisterModule("patch_embed", new PatchEmbed(3, dim, patch, o, rng.Fork("patch")));
        PosEmbed = RegisterParameter("pos_embed", o.Create(1, Tokens, dim));
        Init.TruncNormal(PosEmbed.Value, 0.02, rng.Fork("pos"));
        Sab = RegisterModule("sab", new GpsaBlock(dim, heads, o, rng.Fork("sab"), dropPath));
        Tab = RegisterModule("tab", new TaskBlock(dim, heads, o, rng.Fork("tab"), dropPath));
        TaskToken = RegisterParameter("task_token", o.Create(1, 1, dim));
        Init.TruncNormal(TaskToken.Value, 0.02, rng.Fork("token"));
        HeadNorm = RegisterModule("head_norm", new LayerNorm(dim, o));
        Head = RegisterModule("head", new Linear(dim, classes, o, rng.Fork("head")));
        relative = TensorScope.Unscoped(() => F.GpsaRelativePositions(Tokens, o.Backend, o.DType));
    }

    public int Tokens { get; }
    public int Dim { get; }
    public int Heads { get; }
    public PatchEmbed PatchEmbed { get; }
    public Parameter PosEmbed { get; }
    public GpsaBlock Sab { get; }
    public TaskBlock Tab { get; }
    public Parameter TaskToken { get; }
    public LayerNorm HeadNorm { get; }
    public Linear Head { get; }

    public Variable Forward(Variable images)
    {
        var x = F.Add(PatchEmbed.Forward(images), PosEmbed);
        x = Sab.Forward(x, relative);
        int b = images.Size(0);
        var e = Tab.Forward(F.Expand(TaskToken, b, 1, Dim), x);
        return Head.Forward(HeadNorm.Forward(F.Reshape(e, b, Dim)));
    }

    public override void Dispose()
    {
        relative.Dispose();
        base.Dispose();
    }

    /// <summary>A ConViT/DyTox SAB with the reference parameter names (norm1, attn.{gating_param, qk, v, proj,
    /// pos_proj}, norm2, mlp.{fc1, fc2}).</summary>
    internal sealed class GpsaBlock : Module
    {
        public GpsaBlock(int dim, int heads, ParameterOptions o, Rng rng, double dropPath)
        {
            var init = LinearInit.TruncNormal(0.02);
            Norm1 = RegisterModule("norm1", new LayerNorm(dim, o));
            Attn = RegisterModule("attn", new GpsaAttention(dim, heads, o, rng));
            Norm2 = RegisterModule("norm2", new LayerNorm(dim, o));
            Mlp = RegisterModule("mlp", new Mlp(dim, 4 * dim, dim, o, rng, init));
            DropPath = RegisterModule("drop_path", new DropPath(dropPath, rng.Fork("drop_path")));
        }

        public LayerNorm Norm1 { get; }
        public GpsaAttention Attn { get; }
        public LayerNorm Norm2 { get; }
        public Mlp Mlp { get; }
        public DropPath DropPath { get; }

        public Variable Forward(Variable x, Tensor.Tensor relative)
        {
            x = F.Add(x, DropPath.Forward(Attn.Forward(Norm1.Forward(x), relative)));
            return F.Add(x, DropPath.Forward(Mlp.Forward(Norm2.Forward(x))));
        }
    }

    internal sealed class GpsaAttention : Module
    {
        private readonly int heads;

        public GpsaAttention(int dim, int heads, ParameterOptions o, Rng rng)
        {
            this.heads = heads;
            var init = LinearInit.TruncNormal(0.02);
            Gates = RegisterParameter("gating_param", o.Create(heads));
            Init.Ones(Gates.Value);
            Qk = RegisterModule("qk", new Linear(dim, 2 * dim, o, rng, bias: false, init));
            V = RegisterModule("v", new Linear(dim, dim, o, rng, bias: false, init));
            Proj = RegisterModule("proj", new Linear(dim, dim, o, rng, bias: true, init));
            PosProj = RegisterModule("pos_proj", new Linear(3, heads, o, rng, bias: true, init));
        }

        public Parameter Gates { get; }
        public Linear Qk { get; }
        public Linear V { get; }
        public Linear Proj { get; }
        public Linear PosProj { get; }

        public Variable Forward(Variable z, Tensor.Tensor relative)
        {
            double scale = 1 / Math.Sqrt(z.Size(-1) / heads);
            return Proj.Forward(F.Gpsa(Qk.Forward(z), V.Forward(z), PosProj.Weight, PosProj.Bias!, Gates, relative, heads, scale));
        }
    }

    /// <summary>A CaiT/DyTox TAB with the reference parameter names (norm1, attn.{q, k, v, proj}, norm2, mlp).</summary>
    internal sealed class TaskBlock : Module
    {
        private readonly int heads;

        public TaskBlock(int dim, int heads, ParameterOptions o, Rng rng, double dropPath)
        {
            this.heads = heads;
            var init = LinearInit.TruncNormal(0.02);
            Norm1 = RegisterModule("norm1", new LayerNorm(dim, o));
            Attn = RegisterModule("attn", new ClassAttention(dim, o, rng));
            Norm2 = RegisterModule("norm2", new LayerNorm(dim, o));
            Mlp = RegisterModule("mlp", new Mlp(dim, 4 * dim, dim, o, rng, init));
            DropPath = RegisterModule("drop_path", new DropPath(dropPath, rng.Fork("drop_path")));
        }

        public LayerNorm Norm1 { get; }
        public ClassAttention Attn { get; }
        public LayerNorm Norm2 { get; }
        public Mlp Mlp { get; }
        public DropPath DropPath { get; }

        /// <summary>token [B, 1, D], patches [B, N, D] → the updated token [B, 1, D].</summary>
        public Variable Forward(Variable token, Variable patches)
        {
            int b = token.Size(0), n = patches.Size(1), d = token.Size(2);
            var z = Norm1.Forward(F.Concat(1, token, patches));
            var zt = F.Slice(z, 1, 0, 1);
            var zp = F.Slice(z, 1, 1, n);
            var q = F.Reshape(Attn.Q.Forward(zt), 1, b, d);
            var kt = F.Reshape(Attn.K.Forward(zt), 1, b, d);
            var vt = F.Reshape(Attn.V.Forward(zt), 1, b, d);
            var o = F.TaskAttention(q, kt, vt, Attn.K.Forward(zp), Attn.V.Forward(zp), heads, 1 / Math.Sqrt(d / heads));
            var u = F.Add(token, DropPath.Forward(F.Reshape(Attn.Proj.Forward(o), b, 1, d)));
            return F.Add(u, DropPath.Forward(Mlp.Forward(Norm2.Forward(u))));
        }
    }

    internal sealed class ClassAttention : Module
    {
        public ClassAttention(int dim, ParameterOptions o, Rng rng)
        {
            var init = LinearInit.TruncNormal(0.02);
            Q = RegisterModule("q", new Linear(dim, dim, o, rng, bias: false, init));
            K = RegisterModule("k", new Linear(dim, dim, o, rng, bias: false, init));
            V = RegisterModule("v", new Linear(dim, dim, o, rng, bias: false, init));
            Proj = RegisterModule("proj", new Linear(dim, dim, o, rng, bias: true, init));
        }

        public Linear Q { get; }
        public Linear K { get; }
        public Linear V { get; }
        public Linear Proj { get; }
    }
}
