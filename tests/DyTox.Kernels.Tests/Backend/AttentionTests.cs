using DyTox.Kernels.Backend;
using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>The attention ops of the CUDA backend, on both paths (fused kernels and the cuBLAS reference path),
/// against the CPU backend's fused ops, and the two GPU paths against each other.</summary>
[NonParallelizable] // switches the shared backend's attention path
public class AttentionTests
{
    private static IDisposable Using(AttentionPath path)
    {
        var previous = Gpu.AttentionPath;
        Gpu.AttentionPath = path;
        return new Restore(() => Gpu.AttentionPath = previous);
    }

    private sealed class Restore(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    private const int B = 2, N = 9, H = 3, D = 12; // d = 4 per head

    private static (Tensor Cpu, Tensor Gpu) RelIndices()
    {
        var rel = new float[N * N * 3];
        int g = 3;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
            {
                float dx = j % g - i % g, dy = j / g - i / g;
                rel[(i * N + j) * 3] = dx;
                rel[(i * N + j) * 3 + 1] = dy;
                rel[(i * N + j) * 3 + 2] = dx * dx + dy * dy;
            }
        return Both(rel, N, N, 3);
    }

    [TestCase(AttentionPath.Fused)]
    [TestCase(AttentionPath.Reference)]
    public void GpsaPositionalAndBackward(AttentionPath path)
    {
        using var paths = Using(path);
        using var scope = TensorScope.Begin();
        var (rc, rg) = RelIndices();
        var (wc, wg) = BothRandom(400, H, 3);
        var (bc, bg) = BothRandom(401, H);
        var (pc, pg) = BothEmpty(H, N, N);
        Cpu.GpsaPositional(rc, wc, bc, pc);
        Gpu.GpsaPositional(rg, wg, bg, pg);
        AssertClose(pg, pc, Rtol(N, 16), 1e-8, "posAttn");
        var (dpc, dpg) = BothRandom(402, H, N, N);
        var (dwc, dwg) = BothEmpty(H, 3);
        var (dbc, dbg) = BothEmpty(H);
        Cpu.GpsaPositionalBackward(dpc, pc, rc, dwc, dbc);
        Gpu.GpsaPositionalBackward(dpg, pg, rg, dwg, dbg);
        AssertClose(dwg, dwc, Rtol(N * N, 16), 1e-5, "dW");
        AssertClose(dbg, dbc, Rtol(N * N, 16), 1e-5, "dB");
    }

    [TestCase(AttentionPath.Fused)]
    [TestCase(AttentionPath.Reference)]
    public void GpsaForwardAndBackward(AttentionPath path)
    {
        using var paths = Using(path);
        using var scope = TensorScope.Begin();
        var (qkc, qkg) = BothRandom(410, B, N, 2 * D);
        var (vc, vg) = BothRandom(411, B, N, D);
        var pos = Random(H * N * N, 412, 0.01, 1);
        var (pc, pg) = Both(pos, H, N, N);
        var (rowsC, rowsG) = (pc.Reshape(H * N, N), pg.Reshape(H * N, N));
        Cpu.Softmax(rowsC, rowsC);
        Gpu.Softmax(rowsG, rowsG);
        var (gc, gg) = Both([0.5f, -1f, 2f], H);
        double scale = 0.5;
        var (cc, cg) = BothEmpty(B, H, N, N);
        var (ac, ag) = BothEmpty(B, H, N, N);
        var (oc, og) = BothEmpty(B, N, D);
        Cpu.GpsaForward(qkc, vc, pc, gc, H, scale, cc, ac, oc);
        Gpu.GpsaForward(qkg, vg, pg, gg, H, scale, cg, ag, og);
        double rtol = Rtol(N * 4, 16);
        AssertClose(cg, cc, rtol, 1e-7, "content");
        AssertClose(ag, ac, rtol, 1e-7, "attn");
        AssertClose(og, oc, rtol, 1e-6, "output");

        var (dOc, dOg) = BothRandom(413, B, N, D);
        var (dqkc, dqkg) = BothEmpty(B, N, 2 * D);
        var (dvc, dvg) = BothEmpty(B, N, D);
        var (dpc, dpg) = BothEmpty(H, N, N);
        var (dgc, dgg) = BothEmpty(H);
        Cpu.GpsaBackward(dOc, qkc, vc, pc, gc, H, scale, cc, ac, dqkc, dvc, dpc, dgc);
        Gpu.GpsaBackward(dOg, qkg, vg, pg, gg, H, scale, cg, ag, dqkg, dvg, dpg, dgg);
        double rb = Rtol(B * N * N, 32);
        AssertClose(dvg, dvc, rb, 1e-6, "dv");
        AssertClose(dqkg, dqkc, rb, 1e-5, "dqk");
        AssertClose(dpg, dpc, rb, 1e-6, "dPosAttn");
        AssertClose(dgg, dgc, rb, 1e-5, "dGates");
    }

    [TestCase(AttentionPath.Fused)]
    [TestCase(AttentionPath.Reference)]
    public void TaskAttentionForwardAndBackward(AttentionPath path)
    {
        using var paths = Using(path);
        using var scope = TensorScope.Begin();
        const int T = 3;
        var (qc, qg) = BothRandom(420, T, B, D);
        var (ktc, ktg) = BothRandom(421, T, B, D);
        var (vtc, vtg) = BothRandom(422, T, B, D);
        var (kpc, kpg) = BothRandom(423, B, N, D);
        var (vpc, vpg) = BothRandom(424, B, N, D);
        double scale = 0.5;
        var (ac, ag) = BothEmpty(T, B, H, 1 + N);
        var (oc, og) = BothEmpty(T, B, D);
        Cpu.TaskAttentionForward(qc, ktc, vtc, kpc, vpc, H, scale, ac, oc);
        Gpu.TaskAttentionForward(qg, ktg, vtg, kpg, vpg, H, scale, ag, og);
        double rtol = Rtol(N * 4, 16);
        AssertClose(ag, ac, rtol, 1e-7, "attn");
        AssertClose(og, oc, rtol, 1e-6, "output");

        var (dOc, dOg) = BothRandom(425, T, B, D);
        var (dqc, dqg) = BothEmpty(T, B, D);
        var (dktc, dktg) = BothEmpty(T, B, D);
        var (dvtc, dvtg) = BothEmpty(T, B, D);
        var (dkpc, dkpg) = BothEmpty(B, N, D);
        var (dvpc, dvpg) = BothEmpty(B, N, D);
        Cpu.TaskAttentionBackward(dOc, qc, ktc, vtc, kpc, vpc, H, scale, ac, dqc, dktc, dvtc, dkpc, dvpc);
        Gpu.TaskAttentionBackward(dOg, qg, ktg, vtg, kpg, vpg, H, scale, ag, dqg, dktg, dvtg, dkpg, dvpg);
        double rb = Rtol(T * N, 32);
        AssertClose(dqg, dqc, rb, 1e-6, "dq");
        AssertClose(dktg, dktc, rb, 1e-6, "dkToken");
        AssertClose(dvtg, dvtc, rb, 1e-6, "dvToken");
        AssertClose(dkpg, dkpc, rb, 1e-6, "dkPatch");
        AssertClose(dvpg, dvpc, rb, 1e-6, "dvPatch");
    }

    [Test]
    public void FusedAndReferencePathsAgreeOnARaggedShape()
    {
        // N = 25 (5×5 grid), D = 36 with 3 heads of 12: odd head widths take the kernels' scalar paths.
        const int b = 2, n = 25, h = 3, d = 36;
        using var scope = TensorScope.Begin();
        var qk = Upload(Gpu, Random(b * n * 2 * d, 430), b, n, 2 * d);
        var v = Upload(Gpu, Random(b * n * d, 431), b, n, d);
        var pos = Upload(Gpu, Random(h * n * n, 432, 0.01, 1), h, n, n);
        using (var rows = pos.Reshape(h * n, n)) Gpu.Softmax(rows, rows);
        var gates = Upload(Gpu, [0.3f, -0.7f, 1.1f], h);
        var dOut = Upload(Gpu, Random(b * n * d, 433), b, n, d);
        double scale = 1 / Math.Sqrt(d / h);

        Tensor[] Run(AttentionPath path)
        {
            using var paths = Using(path);
            var content = Gpu.Empty(DType.Float32, [b, h, n, n]);
            var attn = Gpu.Empty(DType.Float32, [b, h, n, n]);
            var output = Gpu.Empty(DType.Float32, [b, n, d]);
            Gpu.GpsaForward(qk, v, pos, gates, h, scale, content, attn, output);
            var dqk = Gpu.Empty(DType.Float32, [b, n, 2 * d]);
            var dv = Gpu.Empty(DType.Float32, [b, n, d]);
            var dPos = Gpu.Empty(DType.Float32, [h, n, n]);
            var dGates = Gpu.Empty(DType.Float32, [h]);
            Gpu.GpsaBackward(dOut, qk, v, pos, gates, h, scale, content, attn, dqk, dv, dPos, dGates);
            return [content, attn, output, dqk, dv, dPos, dGates];
        }

        var fused = Run(AttentionPath.Fused);
        var reference = Run(AttentionPath.Reference);
        string[] names = ["content", "attn", "output", "dqk", "dv", "dPosAttn", "dGates"];
        for (int i = 0; i < names.Length; i++)
        {
            // Both are float32 with different summation orders: the bound is the float32 rule for
            // reductions over N·d (forward) or B·N² (backward) terms.
            var fusedHost = fused[i].ToArray<float>();
            var refHost = reference[i].ToArray<float>();
            double max = refHost.Max(x => Math.Abs((double)x));
            double tol = Rtol(b * n * n, 32) * Math.Max(1, max) + 1e-6;
            for (int j = 0; j < fusedHost.Length; j++)
                Assert.That(Math.Abs(fusedHost[j] - refHost[j]), Is.LessThanOrEqualTo(tol), $"{names[i]}[{j}]: fused {fusedHost[j]} vs reference {refHost[j]}");
        }
    }
}
