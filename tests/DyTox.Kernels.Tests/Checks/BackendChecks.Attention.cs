using DyTox.Kernels.Backend;
using DyTox.Tensor;
using static DyTox.Kernels.Checks.BackendData;

namespace DyTox.Kernels.Checks;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>GPSA and task attention on both CUDA attention paths against the CPU backend, and the paths against each other.</summary>
public static partial class BackendChecks
{
    private static readonly AttentionPath[] Paths = [AttentionPath.Fused, AttentionPath.Reference];

    /// <summary>ConViT relative indices (dx, dy, dx²+dy²) for N tokens on a ⌈√N⌉-wide grid.</summary>
    private static float[] RelIndices(int n)
    {
        int g = (int)Math.Ceiling(Math.Sqrt(n));
        var rel = new float[n * n * 3];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                float dx = j % g - i % g, dy = j / g - i / g;
                rel[(i * n + j) * 3] = dx;
                rel[(i * n + j) * 3 + 1] = dy;
                rel[(i * n + j) * 3 + 2] = dx * dx + dy * dy;
            }
        return rel;
    }

    /// <summary>Gates spanning σ ≈ 0.1 … 0.9, one per head.</summary>
    private static float[] Gates(int heads) => Enumerable.Range(0, heads).Select(h => -2f + 4f * h / Math.Max(1, heads - 1)).ToArray();

    private static IEnumerable<BackendCheck> AttentionChecks()
    {
        foreach (var path in Paths)
        {
            yield return new($"GpsaPositional and backward ({path})", c => c.WithPath(path, () => GpsaPositional(c)));
            yield return new($"GpsaForward and backward ({path})", c => c.WithPath(path, () => GpsaForwardBackward(c)));
            yield return new($"TaskAttention forward and backward ({path})", c => c.WithPath(path, () => TaskAttention(c)));
        }
        yield return new("GPSA fused vs reference path", FusedVersusReferenceGpsa);
        // The tensor-core kernels (v4) apply up to N = 64: checked at min(N, 64) tokens, against the CPU and the reference path.
        yield return new("GpsaForward and backward (Fused, v4 tensor cores)", c => TensorCores(c, GpsaForwardBackward));
        yield return new("GPSA v4 tensor cores vs reference path", c => TensorCores(c, FusedVersusReferenceGpsa));
        yield return new("task attention fused vs reference path", FusedVersusReferenceTask);
        yield return new("TaskAttention forward and backward (Fused, v3 block per head)", c => AtTaskVersion(c, 3, () => TaskAttention(c)));
        yield return new("task attention v3 has the bits of v2", TaskV3MatchesV2);
    }

    /// <summary>Runs <paramref name="body"/> on the fused task-attention kernels of <paramref name="version"/>.</summary>
    private static T AtTaskVersion<T>(BackendCheckContext c, int version, Func<T> body)
    {
        var saved = c.Gpu.TaskAttentionVersion;
        c.Gpu.TaskAttentionVersion = version;
        try { return c.WithPath(AttentionPath.Fused, body); }
        finally { c.Gpu.TaskAttentionVersion = saved; }
    }

    /// <summary>v3 evaluates every task's row with v2's expressions in v2's order: all seven outputs bit for bit.</summary>
    private static CheckResult TaskV3MatchesV2(BackendCheckContext c)
    {
        var (_, xg) = TaskData(c, 450);
        var v2 = AtTaskVersion(c, 2, () => RunTask(c.Gpu, xg, c.Shapes.Heads));
        var v3 = AtTaskVersion(c, 3, () => RunTask(c.Gpu, xg, c.Shapes.Heads));
        return All([.. TaskNames.Select((name, i) => Compare.Bitwise(name, v3[i].ToArray<float>(), v2[i].ToArray<float>()))]);
    }

    /// <summary>Runs <paramref name="check"/> with GPSA on the tensor-core kernels at a token count they take.</summary>
    private static CheckResult TensorCores(BackendCheckContext c, Func<BackendCheckContext, CheckResult> check)
    {
        var shapes = c.Shapes with { Tokens = Math.Min(c.Shapes.Tokens, Runtime.Launchers.GpsaKernels.TensorCoreMaxSequence) };
        var saved = c.Gpu.GpsaTensorCores;
        c.Gpu.GpsaTensorCores = true;
        try
        {
            if (!c.Gpu.GpsaUsesTensorCores(shapes.Tokens, shapes.Dim / shapes.Heads))
                return new CheckResult("tensor cores", false, $"v4 does not apply at N={shapes.Tokens}, head dim {shapes.Dim / shapes.Heads} on this device");
            return check(new BackendCheckContext(c.Gpu, shapes));
        }
        finally { c.Gpu.GpsaTensorCores = saved; }
    }

    private static CheckResult GpsaPositional(BackendCheckContext c)
    {
        int n = c.Shapes.Tokens, h = c.Shapes.Heads;
        var (rc, rg) = c.Both(RelIndices(n), n, n, 3);
        var (wc, wg) = c.BothRandom(400, h, 3);
        var (bc, bg) = c.BothRandom(401, h);
        var (pc, pg) = c.BothEmpty(h, n, n);
        c.Cpu.GpsaPositional(rc, wc, bc, pc);
        c.Gpu.GpsaPositional(rg, wg, bg, pg);
        // The logits w·rel + b reach |w|·(dx² + dy²) ≈ 2(g−1)² (weights in ±1): their rounding, eps·|logit|, becomes
        // a relative error of the probabilities, on top of the softmax's own Rtol(N).
        int g = (int)Math.Ceiling(Math.Sqrt(n));
        double logitMax = 2.0 * (g - 1) * (g - 1) + 2 * (g - 1) + 1;
        var pos = Close("posAttn", pg, pc, Rtol(n, 16) + 8 * Eps * logitMax, 1e-8);
        var (dpc, dpg) = c.BothRandom(402, h, n, n);
        var (dwc, dwg) = c.BothEmpty(h, 3);
        var (dbc, dbg) = c.BothEmpty(h);
        c.Cpu.GpsaPositionalBackward(dpc, pc, rc, dwc, dbc);
        c.Gpu.GpsaPositionalBackward(dpg, pg, rg, dwg, dbg);
        // dW sums N² terms of size up to |dPos|·|rel| ≤ 2(g−1)²: absolute error scales with that sum.
        double k = (double)n * n, rel = logitMax;
        return All(pos, Close("dW", dwg, dwc, Rtol(k, 16), Rtol(k, 16) * rel * Math.Sqrt(k)), Close("dB", dbg, dbc, Rtol(k, 16), Rtol(k, 16) * Math.Sqrt(k)));
    }

    private sealed record GpsaInputs(Tensor Qk, Tensor V, Tensor Pos, Tensor Gates, Tensor DOut, double Scale);

    private static (GpsaInputs Cpu, GpsaInputs Gpu) GpsaData(BackendCheckContext c, int seed)
    {
        int b = c.Shapes.Batch, n = c.Shapes.Tokens, d = c.Shapes.Dim, h = c.Shapes.Heads;
        var (qkc, qkg) = c.BothRandom(seed, b, n, 2 * d);
        var (vc, vg) = c.BothRandom(seed + 1, b, n, d);
        // posAttn: rows of a softmax (the CPU's, on both) like GpsaPositional produces.
        var posCpu = Upload(c.Cpu, Random(h * n * n, seed + 2, -3, 3), h, n, n);
        using (var rows = posCpu.Reshape(h * n, n)) c.Cpu.Softmax(rows, rows);
        var pg = Upload(c.Gpu, posCpu.ToArray<float>(), h, n, n);
        var (gc, gg) = c.Both(Gates(h), h);
        var (dc, dg) = c.BothRandom(seed + 3, b, n, d);
        double scale = 1 / Math.Sqrt(d / h);
        return (new(qkc, vc, posCpu, gc, dc, scale), new(qkg, vg, pg, gg, dg, scale));
    }

    /// <summary>Forward then backward; returns [content, attn, output, dqk, dv, dPosAttn, dGates].</summary>
    private static Tensor[] RunGpsa(IBackend be, GpsaInputs x, int heads)
    {
        int b = x.Qk.Shape[0], n = x.Qk.Shape[1], d = x.V.Shape[2];
        var content = be.Empty(DType.Float32, [b, heads, n, n]);
        var attn = be.Empty(DType.Float32, [b, heads, n, n]);
        var output = be.Empty(DType.Float32, [b, n, d]);
        be.GpsaForward(x.Qk, x.V, x.Pos, x.Gates, heads, x.Scale, content, attn, output);
        var dqk = be.Empty(DType.Float32, [b, n, 2 * d]);
        var dv = be.Empty(DType.Float32, [b, n, d]);
        var dPos = be.Empty(DType.Float32, [heads, n, n]);
        var dGates = be.Empty(DType.Float32, [heads]);
        be.GpsaBackward(x.DOut, x.Qk, x.V, x.Pos, x.Gates, heads, x.Scale, content, attn, dqk, dv, dPos, dGates);
        return [content, attn, output, dqk, dv, dPos, dGates];
    }

    private static readonly string[] GpsaNames = ["content", "attn", "output", "dqk", "dv", "dPosAttn", "dGates"];

    private static CheckResult GpsaForwardBackward(BackendCheckContext c)
    {
        int b = c.Shapes.Batch, n = c.Shapes.Tokens, hd = c.Shapes.Dim / c.Shapes.Heads;
        var (xc, xg) = GpsaData(c, 410);
        var cpu = RunGpsa(c.Cpu, xc, c.Shapes.Heads);
        var gpu = RunGpsa(c.Gpu, xg, c.Shapes.Heads);
        // Forward: scores sum d terms, the output N; backward: dqk sums N·d, dPosAttn/dGates sum B·N² terms.
        double rf = Rtol(n + hd, 16), rb = Rtol(b * n * n, 32);
        return All(
            Close("content", gpu[0], cpu[0], rf, 1e-7), Close("attn", gpu[1], cpu[1], rf, 1e-7), Close("output", gpu[2], cpu[2], rf, rf),
            Close("dqk", gpu[3], cpu[3], rb, rb), Close("dv", gpu[4], cpu[4], rb, rb),
            Close("dPosAttn", gpu[5], cpu[5], rb, rb), Close("dGates", gpu[6], cpu[6], rb, rb * Math.Sqrt(b * n * n)));
    }

    private sealed record TaskInputs(Tensor Q, Tensor KToken, Tensor VToken, Tensor KPatch, Tensor VPatch, Tensor DOut, double Scale);

    private static (TaskInputs Cpu, TaskInputs Gpu) TaskData(BackendCheckContext c, int seed)
    {
        int t = c.Shapes.Tasks, b = c.Shapes.Batch, n = c.Shapes.Tokens, d = c.Shapes.Dim;
        var (qc, qg) = c.BothRandom(seed, t, b, d);
        var (ktc, ktg) = c.BothRandom(seed + 1, t, b, d);
        var (vtc, vtg) = c.BothRandom(seed + 2, t, b, d);
        var (kpc, kpg) = c.BothRandom(seed + 3, b, n, d);
        var (vpc, vpg) = c.BothRandom(seed + 4, b, n, d);
        var (dc, dg) = c.BothRandom(seed + 5, t, b, d);
        double scale = 1 / Math.Sqrt(d / c.Shapes.Heads);
        return (new(qc, ktc, vtc, kpc, vpc, dc, scale), new(qg, ktg, vtg, kpg, vpg, dg, scale));
    }

    /// <summary>Forward then backward; returns [attn, output, dq, dkToken, dvToken, dkPatch, dvPatch].</summary>
    private static Tensor[] RunTask(IBackend be, TaskInputs x, int heads)
    {
        int t = x.Q.Shape[0], b = x.Q.Shape[1], d = x.Q.Shape[2], n = x.KPatch.Shape[1];
        var attn = be.Empty(DType.Float32, [t, b, heads, 1 + n]);
        var output = be.Empty(DType.Float32, [t, b, d]);
        be.TaskAttentionForward(x.Q, x.KToken, x.VToken, x.KPatch, x.VPatch, heads, x.Scale, attn, output);
        var dq = be.Empty(DType.Float32, [t, b, d]);
        var dkt = be.Empty(DType.Float32, [t, b, d]);
        var dvt = be.Empty(DType.Float32, [t, b, d]);
        var dkp = be.Empty(DType.Float32, [b, n, d]);
        var dvp = be.Empty(DType.Float32, [b, n, d]);
        be.TaskAttentionBackward(x.DOut, x.Q, x.KToken, x.VToken, x.KPatch, x.VPatch, heads, x.Scale, attn, dq, dkt, dvt, dkp, dvp);
        return [attn, output, dq, dkt, dvt, dkp, dvp];
    }

    private static readonly string[] TaskNames = ["attn", "output", "dq", "dkToken", "dvToken", "dkPatch", "dvPatch"];

    private static CheckResult TaskAttention(BackendCheckContext c)
    {
        int n = c.Shapes.Tokens, t = c.Shapes.Tasks, hd = c.Shapes.Dim / c.Shapes.Heads;
        var (xc, xg) = TaskData(c, 420);
        var cpu = RunTask(c.Cpu, xc, c.Shapes.Heads);
        var gpu = RunTask(c.Gpu, xg, c.Shapes.Heads);
        double rf = Rtol(n + hd, 16), rb = Rtol(t * (n + hd), 32);
        var parts = new List<CheckResult>();
        for (int i = 0; i < TaskNames.Length; i++)
            parts.Add(Close(TaskNames[i], gpu[i], cpu[i], i < 2 ? rf : rb, i == 0 ? 1e-7 : (i < 2 ? rf : rb)));
        return All([.. parts]);
    }

    /// <summary>Both float32 with different summation orders: bounded by the float32 rule for the longest reduction, on the tensor's scale.</summary>
    private static CheckResult PathsAgree(string name, Tensor fused, Tensor reference, double k)
    {
        double max = reference.ToArray<float>().Max(x => Math.Abs((double)x));
        return Close(name, fused, reference, 0, Rtol(k, 32) * Math.Max(1, max) + 1e-6);
    }

    private static CheckResult FusedVersusReferenceGpsa(BackendCheckContext c)
    {
        int b = c.Shapes.Batch, n = c.Shapes.Tokens;
        var (_, xg) = GpsaData(c, 430);
        var fused = c.WithPath(AttentionPath.Fused, () => RunGpsa(c.Gpu, xg, c.Shapes.Heads));
        var reference = c.WithPath(AttentionPath.Reference, () => RunGpsa(c.Gpu, xg, c.Shapes.Heads));
        return All([.. GpsaNames.Select((name, i) => PathsAgree(name, fused[i], reference[i], b * n * n))]);
    }

    private static CheckResult FusedVersusReferenceTask(BackendCheckContext c)
    {
        int t = c.Shapes.Tasks, n = c.Shapes.Tokens, d = c.Shapes.Dim;
        var (_, xg) = TaskData(c, 440);
        var fused = c.WithPath(AttentionPath.Fused, () => RunTask(c.Gpu, xg, c.Shapes.Heads));
        var reference = c.WithPath(AttentionPath.Reference, () => RunTask(c.Gpu, xg, c.Shapes.Heads));
        return All([.. TaskNames.Select((name, i) => PathsAgree(name, fused[i], reference[i], t * (n + d)))]);
    }
}
