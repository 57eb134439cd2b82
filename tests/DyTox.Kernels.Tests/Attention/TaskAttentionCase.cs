using DyTox.Kernels.Checks;
using DyTox.Kernels.Runtime;
using DyTox.Tensor;

namespace DyTox.Kernels.Tests.Attention;

using static HostTensors;

/// <summary>A task-attention shape under test: task tokens, batch, patches, width, heads.</summary>
public sealed record TaskShape(int Tasks, int Batch, int Patches, int Dim, int Heads)
{
    public int HeadDim => Dim / Heads;
    public float Scale => 1f / MathF.Sqrt(HeadDim);
    public override string ToString() => $"T{Tasks}-B{Batch}-N{Patches}-D{Dim}-H{Heads}";
}

/// <summary>
/// Runs one task-attention kernel version forward and backward and checks every output against CpuBackend in
/// float64 (<see cref="Tolerance"/> rule); the backward gets the float32-rounded reference attn.
/// <paramref name="misalignFloats"/> offsets kPatch and vPatch by that many floats (exercises v3's scalar staging path).
/// </summary>
internal static class TaskAttentionCase
{
    public static GpsaCase.Outcome Run(ICudaDriver driver, ITaskAttentionVersion version, int threads, TaskShape s, int misalignFloats = 0, int seed = 11)
    {
        int pad = misalignFloats;
        int t = s.Tasks, b = s.Batch, n = s.Patches, dim = s.Dim, h = s.Heads, d = s.HeadDim, keys = n + 1;
        var q = Uniform(seed, t * b * dim, -2f, 2f);
        var kTok = Uniform(seed + 1, t * b * dim, -2f, 2f);
        var vTok = Uniform(seed + 2, t * b * dim);
        var kPatch = Uniform(seed + 3, b * n * dim, -2f, 2f);
        var vPatch = Uniform(seed + 4, b * n * dim);
        var dOut = Uniform(seed + 5, t * b * dim);

        using var ctx = new CheckContext(driver);
        var results = new List<CheckResult>();
        var outputs = new List<float[]>();

        var (fwd64, fwd32) = GpsaCase.Both(dt => { using var qq = Make(q, dt, t, b, dim); using var kt = Make(kTok, dt, t, b, dim); using var vt = Make(vTok, dt, t, b, dim);
            using var kp = Make(kPatch, dt, b, n, dim); using var vp = Make(vPatch, dt, b, n, dim);
            var a = Empty(dt, t, b, h, keys); var o = Empty(dt, t, b, dim);
            Cpu.TaskAttentionForward(qq, kt, vt, kp, vp, h, s.Scale, a, o); return [a, o]; });
        using (var qb = ctx.Upload(q)) using (var ktb = ctx.Upload(kTok)) using (var vtb = ctx.Upload(vTok)) using (var kpb = ctx.Upload(kPatch, pad))
        using (var vpb = ctx.Upload(vPatch, pad)) using (var ab = ctx.Zeros(t * b * h * keys)) using (var ob = ctx.Zeros(t * b * dim))
        {
            version.Forward(driver, threads, qb.Pointer, ktb.Pointer, vtb.Pointer, CheckContext.At(kpb, pad), CheckContext.At(vpb, pad), ab.Pointer, ob.Pointer, t, b, n, dim, h, s.Scale);
            float[] a = ctx.Download(ab, t * b * h * keys), o = ctx.Download(ob, t * b * dim);
            results.Add(Tolerance.Check("attn", a, fwd64[0], fwd32[0], keys + d));
            results.Add(Tolerance.Check("output", o, fwd64[1], fwd32[1], keys + d));
            outputs.Add(a); outputs.Add(o);
        }

        var aF = Array.ConvertAll(fwd64[0], x => (float)x);
        var (bwd64, bwd32) = GpsaCase.Both(dt => { using var go = Make(dOut, dt, t, b, dim); using var qq = Make(q, dt, t, b, dim); using var kt = Make(kTok, dt, t, b, dim);
            using var vt = Make(vTok, dt, t, b, dim); using var kp = Make(kPatch, dt, b, n, dim); using var vp = Make(vPatch, dt, b, n, dim); using var a = Make(aF, dt, t, b, h, keys);
            var dq = Empty(dt, t, b, dim); var dkt = Empty(dt, t, b, dim); var dvt = Empty(dt, t, b, dim); var dkp = Empty(dt, b, n, dim); var dvp = Empty(dt, b, n, dim);
            Cpu.TaskAttentionBackward(go, qq, kt, vt, kp, vp, h, s.Scale, a, dq, dkt, dvt, dkp, dvp); return [dq, dkt, dvt, dkp, dvp]; });
        using (var dob = ctx.Upload(dOut)) using (var qb = ctx.Upload(q)) using (var ktb = ctx.Upload(kTok)) using (var vtb = ctx.Upload(vTok))
        using (var kpb = ctx.Upload(kPatch, pad)) using (var vpb = ctx.Upload(vPatch, pad)) using (var ab = ctx.Upload(aF))
        using (var dqb = ctx.Zeros(t * b * dim)) using (var dktb = ctx.Zeros(t * b * dim)) using (var dvtb = ctx.Zeros(t * b * dim))
        using (var dkpb = ctx.Zeros(b * n * dim)) using (var dvpb = ctx.Zeros(b * n * dim))
        using (var scratch = ctx.Allocator.Allocate(version.ScratchBytes(t, b, n, h)))
        {
            version.Backward(driver, threads, dob.Pointer, qb.Pointer, ktb.Pointer, vtb.Pointer, CheckContext.At(kpb, pad), CheckContext.At(vpb, pad), ab.Pointer,
                             dqb.Pointer, dktb.Pointer, dvtb.Pointer, dkpb.Pointer, dvpb.Pointer, t, b, n, dim, h, s.Scale, scratch.Pointer);
            float[] dq = ctx.Download(dqb, t * b * dim), dkt = ctx.Download(dktb, t * b * dim), dvt = ctx.Download(dvtb, t * b * dim);
            float[] dkp = ctx.Download(dkpb, b * n * dim), dvp = ctx.Download(dvpb, b * n * dim);
            results.Add(Tolerance.Check("dq", dq, bwd64[0], bwd32[0], keys + d));
            results.Add(Tolerance.Check("dkToken", dkt, bwd64[1], bwd32[1], keys + d));
            results.Add(Tolerance.Check("dvToken", dvt, bwd64[2], bwd32[2], keys + d));
            results.Add(Tolerance.Check("dkPatch", dkp, bwd64[3], bwd32[3], keys + d + t));
            results.Add(Tolerance.Check("dvPatch", dvp, bwd64[4], bwd32[4], keys + d + t));
            outputs.Add(dq); outputs.Add(dkt); outputs.Add(dvt); outputs.Add(dkp); outputs.Add(dvp);
        }
        return new GpsaCase.Outcome(Compare.All($"task attention {version.Name} {s} threads {threads}{(pad != 0 ? " misaligned" : "")}", [.. results]), outputs);
    }
}
