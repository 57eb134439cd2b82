using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>The attention ops of the CUDA backend (today the cuBLAS reference paths) against the CPU backend's fused ops.</summary>
public class AttentionTests
{
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

    [Test]
    public void GpsaPositionalAndBackward()
    {
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

    [Test]
    public void GpsaForwardAndBackward()
    {
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

    [Test]
    public void TaskAttentionForwardAndBackward()
    {
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
}
