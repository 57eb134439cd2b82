using DyTox.Kernels.Checks;
using DyTox.Kernels.Runtime;
using DyTox.Tensor;

namespace DyTox.Kernels.Tests.Attention;

using static HostTensors;

/// <summary>A GPSA shape under test: batch, tokens, model width, heads.</summary>
public sealed record GpsaShape(int Batch, int Tokens, int Dim, int Heads)
{
    public int HeadDim => Dim / Heads;
    public float Scale => 1f / MathF.Sqrt(HeadDim);
    public override string ToString() => $"B{Batch}-N{Tokens}-D{Dim}-H{Heads}";
}

/// <summary>
/// Runs one GPSA kernel version (positional forward/backward, fused forward, fused backward) on a driver and
/// checks every output against CpuBackend in float64 with the <see cref="Tolerance"/> rule. The backward
/// receives the float32-rounded reference forward's content/attn, so its check isolates the backward.
/// <paramref name="misalignFloats"/> offsets qk, v and dOut by that many floats (exercises the scalar staging path).
/// </summary>
internal static class GpsaCase
{
    public sealed record Outcome(CheckResult Result, IReadOnlyList<float[]> Outputs);

    public static Outcome Run(ICudaDriver driver, IGpsaVersion version, int threads, GpsaShape s, int misalignFloats = 0, int seed = 7)
    {
        int b = s.Batch, n = s.Tokens, dim = s.Dim, h = s.Heads, d = s.HeadDim;
        var qk = Uniform(seed, b * n * 2 * dim, -2f, 2f);
        var v = Uniform(seed + 1, b * n * dim);
        var gates = Uniform(seed + 2, h, -2f, 2f);
        var dOut = Uniform(seed + 3, b * n * dim);
        var rel = RelIndices(n, seed + 4);
        var w = Uniform(seed + 5, h * 3, -0.5f, 0.5f);
        var bias = Uniform(seed + 6, h);
        var dPosIn = Uniform(seed + 7, h * n * n);

        using var ctx = new CheckContext(driver);
        var results = new List<CheckResult>();
        var outputs = new List<float[]>();

        // Positional softmax forward and backward.
        var (pos64, pos32) = Both(dt => { using var r = Make(rel, dt, n, n, 3); using var ww = Make(w, dt, h, 3); using var bb = Make(bias, dt, h);
            var p = Empty(dt, h, n, n); Cpu.GpsaPositional(r, ww, bb, p); return [p]; });
        using (var rb = ctx.Upload(rel)) using (var wb = ctx.Upload(w)) using (var bb = ctx.Upload(bias)) using (var pb = ctx.Zeros(h * n * n))
        {
            version.Positional(driver, threads, rb.Pointer, wb.Pointer, bb.Pointer, pb.Pointer, h, n);
            var got = ctx.Download(pb, h * n * n);
            results.Add(Tolerance.Check("pos", got, pos64[0], pos32[0], n + 3));
            outputs.Add(got);
        }
        var posF = Array.ConvertAll(pos64[0], x => (float)x);
        var (dwb64, dwb32) = Both(dt => { using var g = Make(dPosIn, dt, h, n, n); using var p = Make(posF, dt, h, n, n); using var r = Make(rel, dt, n, n, 3);
            var dw = Empty(dt, h, 3); var db = Empty(dt, h); Cpu.GpsaPositionalBackward(g, p, r, dw, db); return [dw, db]; });
        using (var gb = ctx.Upload(dPosIn)) using (var pb = ctx.Upload(posF)) using (var rb = ctx.Upload(rel))
        using (var dwb = ctx.Zeros(h * 3)) using (var dbb = ctx.Zeros(h))
        {
            version.PositionalBackward(driver, threads, gb.Pointer, pb.Pointer, rb.Pointer, dwb.Pointer, dbb.Pointer, h, n);
            var dw = ctx.Download(dwb, h * 3);
            var db = ctx.Download(dbb, h);
            results.Add(Tolerance.Check("dW", dw, dwb64[0], dwb32[0], n * n));
            results.Add(Tolerance.Check("dB", db, dwb64[1], dwb32[1], n * n, PositionalTermScale(dPosIn, posF, h, n)));
            outputs.Add(dw); outputs.Add(db);
        }

        // Fused forward.
        var (fwd64, fwd32) = Both(dt => { using var q = Make(qk, dt, b, n, 2 * dim); using var vv = Make(v, dt, b, n, dim); using var p = Make(posF, dt, h, n, n);
            using var g = Make(gates, dt, h);
            var c = Empty(dt, b, h, n, n); var a = Empty(dt, b, h, n, n); var o = Empty(dt, b, n, dim);
            Cpu.GpsaForward(q, vv, p, g, h, s.Scale, c, a, o); return [c, a, o]; });
        int pad = misalignFloats;
        using (var qb = ctx.Upload(qk, pad)) using (var vb = ctx.Upload(v, pad)) using (var pb = ctx.Upload(posF)) using (var gb = ctx.Upload(gates))
        using (var cb = ctx.Zeros(b * h * n * n)) using (var ab = ctx.Zeros(b * h * n * n)) using (var ob = ctx.Zeros(b * n * dim))
        {
            version.Forward(driver, threads, CheckContext.At(qb, pad), CheckContext.At(vb, pad), pb.Pointer, gb.Pointer, cb.Pointer, ab.Pointer, ob.Pointer,
                            b, n, dim, h, s.Scale);
            float[] c = ctx.Download(cb, b * h * n * n), a = ctx.Download(ab, b * h * n * n), o = ctx.Download(ob, b * n * dim);
            results.Add(Tolerance.Check("content", c, fwd64[0], fwd32[0], n + d));
            results.Add(Tolerance.Check("attn", a, fwd64[1], fwd32[1], n + d));
            results.Add(Tolerance.Check("output", o, fwd64[2], fwd32[2], n + d));
            outputs.Add(c); outputs.Add(a); outputs.Add(o);
        }

        // Fused backward on the reference forward's (float32-rounded) content and attn.
        var cF = Array.ConvertAll(fwd64[0], x => (float)x);
        var aF = Array.ConvertAll(fwd64[1], x => (float)x);
        var (bwd64, bwd32) = Both(dt => { using var go = Make(dOut, dt, b, n, dim); using var q = Make(qk, dt, b, n, 2 * dim); using var vv = Make(v, dt, b, n, dim);
            using var p = Make(posF, dt, h, n, n); using var g = Make(gates, dt, h); using var c = Make(cF, dt, b, h, n, n); using var a = Make(aF, dt, b, h, n, n);
            var dq = Empty(dt, b, n, 2 * dim); var dvv = Empty(dt, b, n, dim); var dp = Empty(dt, h, n, n); var dg = Empty(dt, h);
            Cpu.GpsaBackward(go, q, vv, p, g, h, s.Scale, c, a, dq, dvv, dp, dg); return [dq, dvv, dp, dg]; });
        using (var dob = ctx.Upload(dOut, pad)) using (var qb = ctx.Upload(qk, pad)) using (var vb = ctx.Upload(v, pad)) using (var pb = ctx.Upload(posF))
        using (var gb = ctx.Upload(gates)) using (var cb = ctx.Upload(cF)) using (var ab = ctx.Upload(aF))
        using (var dqb = ctx.Zeros(b * n * 2 * dim)) using (var dvb = ctx.Zeros(b * n * dim)) using (var dpb = ctx.Zeros(h * n * n)) using (var dgb = ctx.Zeros(h))
        using (var scratch = ctx.Allocator.Allocate(version.ScratchBytes(b, n, h)))
        {
            version.Backward(driver, threads, CheckContext.At(dob, pad), CheckContext.At(qb, pad), CheckContext.At(vb, pad), pb.Pointer, gb.Pointer,
                             cb.Pointer, ab.Pointer, dqb.Pointer, dvb.Pointer, dpb.Pointer, dgb.Pointer, b, n, dim, h, s.Scale, scratch.Pointer);
            float[] dq = ctx.Download(dqb, b * n * 2 * dim), dvv = ctx.Download(dvb, b * n * dim), dp = ctx.Download(dpb, h * n * n), dg = ctx.Download(dgb, h);
            results.Add(Tolerance.Check("dqk", dq, bwd64[0], bwd32[0], n + d));
            results.Add(Tolerance.Check("dv", dvv, bwd64[1], bwd32[1], n + d));
            results.Add(Tolerance.Check("dPos", dp, bwd64[2], bwd32[2], n + d + b));
            results.Add(Tolerance.Check("dGates", dg, bwd64[3], bwd32[3], b * n * n));
            outputs.Add(dq); outputs.Add(dvv); outputs.Add(dp); outputs.Add(dg);
        }
        return new Outcome(Compare.All($"gpsa {version.Name} {s} threads {threads}{(pad != 0 ? " misaligned" : "")}", [.. results]), outputs);
    }

    /// <summary>Runs the CPU backend in float64 and float32; returns each output tensor's values as doubles.</summary>
    internal static (double[][] F64, double[][] F32) Both(Func<DType, DyTox.Tensor.Tensor[]> op)
    {
        double[][] Run(DType dt)
        {
            var outs = op(dt);
            try { return outs.Select(Doubles).ToArray(); }
            finally { foreach (var t in outs) t.Dispose(); }
        }
        return (Run(DType.Float64), Run(DType.Float32));
    }

    // Σ_ij |ds_ij| per head, max over heads: the size of the terms dB sums (it cancels to ~0).
    private static double PositionalTermScale(float[] dPos, float[] pos, int heads, int n)
    {
        double worst = 0;
        for (var h = 0; h < heads; h++)
        {
            double total = 0;
            for (var i = 0; i < n; i++)
            {
                double dot = 0;
                for (var j = 0; j < n; j++) dot += (double)dPos[(h * n + i) * n + j] * pos[(h * n + i) * n + j];
                for (var j = 0; j < n; j++)
                    total += Math.Abs(pos[(h * n + i) * n + j] * (dPos[(h * n + i) * n + j] - dot));
            }
            worst = Math.Max(worst, total);
        }
        return worst;
    }
}
