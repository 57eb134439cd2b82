using DyTox.Autograd;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Model;

/// <summary>
/// Gated positional self-attention (dytox-spec §1.4), the attention of a SAB. Parameters in state-dict order:
/// <c>gating_param</c> [H], <c>qk.weight</c> [2D, D], <c>v.weight</c> [D, D], <c>proj.weight</c>/<c>proj.bias</c>,
/// <c>pos_proj.weight</c> [H, 3] / <c>pos_proj.bias</c> [H]. The relative-position table [N, N, 3] is a fixed tensor
/// built from N (not a parameter, not in the state dict).
/// </summary>
public sealed class GpsaAttention : Module
{
    private readonly TensorT relativePositions;

    public GpsaAttention(int dim, int heads, int tokens, double localityStrength, ParameterOptions options, Rng rng)
    {
        if (heads <= 0 || dim % heads != 0) throw new ArgumentException($"GpsaAttention: dim {dim} is not a multiple of the head count {heads}.");
        Dim = dim;
        Heads = heads;
        Tokens = tokens;
        Scale = 1.0 / Math.Sqrt(dim / heads);
        GatingParam = RegisterParameter("gating_param", options.Create(heads));
        Qk = RegisterModule("qk", new Linear(dim, 2 * dim, options, rng, bias: false, LinearInit.TruncNormal()));
        V = RegisterModule("v", new Linear(dim, dim, options, rng, bias: false, LinearInit.TruncNormal()));
        Proj = RegisterModule("proj", new Linear(dim, dim, options, rng, bias: true, LinearInit.TruncNormal()));
        PosProj = RegisterModule("pos_proj", new Linear(3, heads, options, rng, bias: true, LinearInit.TruncNormal()));
        Init.Ones(GatingParam.Value);
        Init.Identity(V.Weight.Value);
        var pos = ReadDoubles(PosProj.Weight.Value);
        GpsaLocalInit.Apply(pos, heads, localityStrength);
        Init.Write(PosProj.Weight.Value, pos);
        var backend = options.Backend;
        var dtype = options.DType;
        relativePositions = TensorScope.Unscoped(() => F.GpsaRelativePositions(tokens, backend, dtype));
    }

    public int Dim { get; }
    public int Heads { get; }
    public int Tokens { get; }
    public double Scale { get; }
    public Parameter GatingParam { get; }
    public Linear Qk { get; }
    public Linear V { get; }
    public Linear Proj { get; }
    public Linear PosProj { get; }

    /// <summary>The fixed [N, N, 3] table (Δx, Δy, Δx² + Δy²), key minus query.</summary>
    public TensorT RelativePositions => relativePositions;

    /// <summary>
    /// x [B, N, D] (already normalised) → [B, N, D]. With a <paramref name="recorder"/> (gradient recording off) the
    /// maps the GPSA op computes anyway (positional, content, mixed) are kept there: the same backend ops on the same
    /// inputs as <see cref="F.Gpsa"/>, so the output is bitwise the same.
    /// </summary>
    public Variable Forward(Variable x, AttentionRecorder? recorder = null)
    {
        if (x.Rank != 3 || x.Size(1) != Tokens || x.Size(2) != Dim)
            throw new ArgumentException($"GpsaAttention expects x [B, {Tokens}, {Dim}]; got {x.Value.Describe()}.", nameof(x));
        var qk = Qk.Forward(x);
        var v = V.Forward(x);
        var mixed = recorder is null
            ? F.Gpsa(qk, v, PosProj.Weight, PosProj.Bias!, GatingParam, relativePositions, Heads, Scale)
            : Recorded(qk, v, recorder);
        return Proj.Forward(mixed);
    }

    /// <summary>The body of F.Gpsa without the tape, its maps copied to the recorder.</summary>
    private Variable Recorded(Variable qk, Variable v, AttentionRecorder recorder)
    {
        if (GradMode.IsEnabled) throw new InvalidOperationException("recording attention maps needs gradient recording off (GradMode.NoGrad).");
        var be = qk.Backend;
        int b = qk.Size(0), n = qk.Size(1), h = Heads;
        using var posAttn = be.Empty(qk.DType, [h, n, n]);
        using var content = be.Empty(qk.DType, [b, h, n, n]);
        using var mixed = be.Empty(qk.DType, [b, h, n, n]);
        be.GpsaPositional(relativePositions, PosProj.Weight.Value, PosProj.Bias!.Value, posAttn);
        var y = be.Empty(qk.DType, [b, n, Dim]);
        be.GpsaForward(qk.Value, v.Value, posAttn, GatingParam.Value, h, Scale, content, mixed, y);
        var gates = Array.ConvertAll(ReadDoubles(GatingParam.Value), g => (float)(1.0 / (1.0 + Math.Exp(-g))));
        recorder.Add(new SabAttentionSnapshot(recorder.NextSab, new AttentionMap(gates, [h]), AttentionMap.FromTensor(posAttn),
                                              AttentionMap.FromTensor(content), AttentionMap.FromTensor(mixed)));
        return new Variable(y);
    }

    public override void Dispose()
    {
        relativePositions.Dispose();
        base.Dispose();
    }

    internal static double[] ReadDoubles(TensorT t) => t.DType switch
    {
        DType.Float64 => t.ToArray<double>(),
        DType.Float32 => Array.ConvertAll(t.ToArray<float>(), f => (double)f),
        _ => throw new ArgumentException($"expected a floating tensor; got {t.Describe()}.", nameof(t)),
    };
}
