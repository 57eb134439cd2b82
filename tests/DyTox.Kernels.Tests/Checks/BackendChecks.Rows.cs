using DyTox.Tensor;
using static DyTox.Kernels.Checks.BackendData;

namespace DyTox.Kernels.Checks;

/// <summary>Matrix products, row ops (softmax family, LayerNorm, L2 normalisation), patches and indexing.</summary>
public static partial class BackendChecks
{
    private static IEnumerable<BackendCheck> MatMulChecks()
    {
        foreach (var (ta, tb) in new[] { (false, false), (false, true), (true, false), (true, true) })
            yield return new($"MatMul 2-D ta={ta} tb={tb}, alpha 0.5, beta 0.25", c =>
            {
                int m = c.Shapes.Rows, k = c.Shapes.Width, n = c.Shapes.Hidden;
                var (ac, ag) = c.BothRandom(80, ta ? [k, m] : [m, k]);
                var (bc, bg) = c.BothRandom(81, tb ? [n, k] : [k, n]);
                var (cc, cg) = c.BothRandom(82, m, n);
                c.Cpu.MatMul(ac, ta, bc, tb, cc, 0.5, 0.25);
                c.Gpu.MatMul(ag, ta, bg, tb, cg, 0.5, 0.25);
                return Close("c", cg, cc, Rtol(k), Rtol(k) * Math.Sqrt(k));
            });
        yield return new("MatMul batched, shared operand, row stride", c =>
        {
            int k = c.Shapes.Width, m = c.Shapes.Tokens;
            var (ac, ag) = c.BothRandom(83, 3, m, k + 4);
            var (bc, bg) = c.BothRandom(84, 1, k, 7);
            var (cc, cg) = c.BothEmpty(3, m, 7);
            c.Cpu.MatMul(ac.Slice(2, 0, k), false, bc, false, cc);
            c.Gpu.MatMul(ag.Slice(2, 0, k), false, bg, false, cg);
            return Close("c", cg, cc, Rtol(k), Rtol(k) * Math.Sqrt(k));
        });
        foreach (var withBias in new[] { true, false })
            yield return new($"Linear and LinearBackward (bias {withBias})", c =>
            {
                int r = c.Shapes.Rows, i = c.Shapes.Width, o = c.Shapes.Hidden;
                var (xc, xg) = c.BothRandom(90, 2, r, i);
                var (wc, wg) = c.BothRandom(91, o, i);
                var (bc, bg) = c.BothRandom(92, o);
                var (yc, yg) = c.BothEmpty(2, r, o);
                c.Cpu.Linear(xc, wc, withBias ? bc : null, yc);
                c.Gpu.Linear(xg, wg, withBias ? bg : null, yg);
                var y = Close("y", yg, yc, Rtol(i), Rtol(i) * Math.Sqrt(i));
                var (dyc, dyg) = c.BothRandom(93, 2, r, o);
                var (dxc, dxg) = c.BothEmpty(2, r, i);
                var (dwc, dwg) = c.BothEmpty(o, i);
                var (dbc, dbg) = c.BothEmpty(o);
                c.Cpu.LinearBackward(dyc, xc, wc, dxc, dwc, withBias ? dbc : null);
                c.Gpu.LinearBackward(dyg, xg, wg, dxg, dwg, withBias ? dbg : null);
                double rows = 2.0 * r;
                var parts = new List<CheckResult>
                {
                    y,
                    Close("dx", dxg, dxc, Rtol(o), Rtol(o) * Math.Sqrt(o)),
                    Close($"dW over {rows} rows", dwg, dwc, Rtol(rows), Rtol(rows) * Math.Sqrt(rows)),
                };
                if (withBias) parts.Add(Close("dBias", dbg, dbc, Rtol(rows), Rtol(rows) * Math.Sqrt(rows)));
                return All([.. parts]);
            });
    }

    private static IEnumerable<BackendCheck> RowChecks()
    {
        foreach (var wide in new[] { false, true })
            yield return new($"Softmax, LogSoftmax and backwards ({(wide ? "long rows" : "ragged rows")})", c =>
            {
                int rows = wide ? 7 : c.Shapes.Rows, cols = wide ? c.Shapes.LongRow : c.Shapes.Width;
                var (xc, xg) = c.Both(Random(rows * cols, 100, -6, 6), rows, cols);
                var (dyc, dyg) = c.BothRandom(101, rows, cols);
                var (yc, yg) = c.BothEmpty(rows, cols);
                var (dc, dg) = c.BothEmpty(rows, cols);
                double rtol = Rtol(cols, 8);
                c.Cpu.Softmax(xc, yc);
                c.Gpu.Softmax(xg, yg);
                var softmax = Close("softmax", yg, yc, rtol, 1e-9);
                c.Cpu.SoftmaxBackward(yc, dyc, dc);
                c.Gpu.SoftmaxBackward(yg, dyg, dg);
                var softmaxBack = Close("softmax backward", dg, dc, rtol, rtol * 1e-2);
                c.Cpu.LogSoftmax(xc, yc);
                c.Gpu.LogSoftmax(xg, yg);
                var log = Close("log-softmax", yg, yc, rtol, rtol);
                c.Cpu.LogSoftmaxBackward(yc, dyc, dc);
                c.Gpu.LogSoftmaxBackward(yg, dyg, dg);
                return All(softmax, softmaxBack, log, Close("log-softmax backward", dg, dc, rtol, rtol * Math.Sqrt(cols)));
            });
        yield return new("LayerNorm and backward", c =>
        {
            int w = c.Shapes.Width, r = c.Shapes.Rows;
            var (xc, xg) = c.BothRandom(110, 5, r, w);
            var (gc, gg) = c.BothRandom(111, w);
            var (bc, bg) = c.BothRandom(112, w);
            var (yc, yg) = c.BothEmpty(5, r, w);
            var (mc, mg) = c.BothEmpty(5, r);
            var (rc, rg) = c.BothEmpty(5, r);
            c.Cpu.LayerNorm(xc, gc, bc, 1e-6, yc, mc, rc);
            c.Gpu.LayerNorm(xg, gg, bg, 1e-6, yg, mg, rg);
            double rtol = Rtol(w, 8);
            var y = Close("y", yg, yc, rtol, rtol);
            var rstd = Close("rstd", rg, rc, rtol, 0);
            var (dyc, dyg) = c.BothRandom(113, 5, r, w);
            var (dxc, dxg) = c.BothEmpty(5, r, w);
            var (dgc, dgg) = c.BothEmpty(w);
            var (dbc, dbg) = c.BothEmpty(w);
            c.Cpu.LayerNormBackward(dyc, xc, gc, mc, rc, dxc, dgc, dbc);
            c.Gpu.LayerNormBackward(dyg, xg, gg, mg, rg, dxg, dgg, dbg);
            double rp = Rtol(5 * r, 8);
            return All(y, rstd, Close("dx", dxg, dxc, rtol, rtol * 4),
                       Close("dGamma", dgg, dgc, rp, rp * Math.Sqrt(5 * r)), Close("dBeta", dbg, dbc, rp, rp * Math.Sqrt(5 * r)));
        });
        yield return new("L2Normalize and backward (with an all-zero row)", c =>
        {
            int r = c.Shapes.Rows, w = c.Shapes.Width;
            var data = Random(r * w, 120);
            for (int i = 0; i < w; i++) data[3 * w + i] = 0;
            var (xc, xg) = c.Both(data, r, w);
            var (yc, yg) = c.BothEmpty(r, w);
            c.Cpu.L2Normalize(xc, 1e-8, yc);
            c.Gpu.L2Normalize(xg, 1e-8, yg);
            var y = Close("y", yg, yc, Rtol(w), 1e-9);
            var (dyc, dyg) = c.BothRandom(121, r, w);
            var (dxc, dxg) = c.BothEmpty(r, w);
            c.Cpu.L2NormalizeBackward(xc, dyc, 1e-8, dxc);
            c.Gpu.L2NormalizeBackward(xg, dyg, 1e-8, dxg);
            return All(y, Close("dx", dxg, dxc, Rtol(w, 8), Rtol(w, 8)));
        });
    }

    private static IEnumerable<BackendCheck> IndexChecks()
    {
        yield return new("Im2Patch and Patch2Im (exact permutations)", c =>
        {
            int b = c.Shapes.Batch, p = 4, grid = c.Shapes.Name == "gpu" ? 8 : 3; // 32×32 CIFAR images on a GPU
            var (ic, ig) = c.BothRandom(130, b, 3, grid * p, (grid - 1) * p);
            var (pc, pg) = c.BothEmpty(b, grid * (grid - 1), 3 * p * p);
            c.Cpu.Im2Patch(ic, p, pc);
            c.Gpu.Im2Patch(ig, p, pg);
            var (dc, dg) = c.BothEmpty(b, 3, grid * p, (grid - 1) * p);
            c.Cpu.Patch2Im(pc, p, dc);
            c.Gpu.Patch2Im(pg, p, dg);
            return All(Close("Im2Patch", pg, pc, 0, 0), Close("Patch2Im", dg, dc, 0, 0), Close("inverse", dg, ic, 0, 0));
        });
        yield return new("IndexSelect and IndexAdd with repeated indices, every axis", c =>
        {
            int[] shape = [3, c.Shapes.Rows, c.Shapes.Width];
            var parts = new List<CheckResult>();
            for (int axis = 0; axis < 3; axis++)
            {
                int extent = shape[axis];
                int[] idx = [extent - 1, 0, extent - 1, 1, 0, extent - 1, extent / 2];
                var (kc, kg) = c.BothInt(idx, idx.Length);
                var (xc, xg) = c.BothRandom(140 + axis, shape);
                var selShape = (int[])shape.Clone();
                selShape[axis] = idx.Length;
                var (sc, sg) = c.BothEmpty(selShape);
                c.Cpu.IndexSelect(xc, axis, kc, sc);
                c.Gpu.IndexSelect(xg, axis, kg, sg);
                parts.Add(Close($"IndexSelect axis {axis}", sg, sc, 0, 0));
                var (srcC, srcG) = c.BothRandom(150 + axis, selShape);
                c.Cpu.IndexAdd(srcC, axis, kc, xc);
                c.Gpu.IndexAdd(srcG, axis, kg, xg);
                parts.Add(Close($"IndexAdd axis {axis} (same order: same bits)", xg, xc, 0, 0));
            }
            return All([.. parts]);
        });
    }

    private static IEnumerable<BackendCheck> LossChecks()
    {
        yield return new("BceWithLogits and backward (logits ±30, soft targets)", c =>
        {
            int b = c.Shapes.Rows, k = c.Shapes.Width;
            var (xc, xg) = c.Both(Random(b * k, 200, -30, 30), b, k);
            var (tc, tg) = c.Both(Random(b * k, 201, 0, 1), b, k);
            var (lc, lg) = c.BothEmpty(1);
            c.Cpu.BceWithLogits(xc, tc, lc);
            c.Gpu.BceWithLogits(xg, tg, lg);
            var loss = Close("loss", lg, lc, Rtol(b * k, 16), 0);
            var (dc, dg) = c.BothEmpty(b, k);
            c.Cpu.BceWithLogitsBackward(xc, tc, 0.5, dc);
            c.Gpu.BceWithLogitsBackward(xg, tg, 0.5, dg);
            // scale·(σ(x) − y) cancels when σ(x) ≈ y: the error is bounded by scale·eps·(σ + y), not by the result.
            return All(loss, Close("dLogits", dg, dc, 8 * Eps, 8 * Eps * 0.5 / (b * k)));
        });
        foreach (var smoothing in new[] { 0.0, 0.1 })
            yield return new($"SoftmaxCrossEntropy and backward (smoothing {smoothing})", c =>
            {
                int b = c.Shapes.Rows, k = c.Shapes.Width;
                var (xc, xg) = c.Both(Random(b * k, 210, -8, 8), b, k);
                var (yc, yg) = c.BothInt(Enumerable.Range(0, b).Select(i => (i * 7) % k).ToArray(), b);
                var (lc, lg) = c.BothEmpty(1);
                c.Cpu.SoftmaxCrossEntropy(xc, yc, smoothing, lc);
                c.Gpu.SoftmaxCrossEntropy(xg, yg, smoothing, lg);
                var loss = Close("loss", lg, lc, Rtol(b * k, 16), 0);
                var (dc, dg) = c.BothEmpty(b, k);
                c.Cpu.SoftmaxCrossEntropyBackward(xc, yc, smoothing, 2.0, dc);
                c.Gpu.SoftmaxCrossEntropyBackward(xg, yg, smoothing, 2.0, dg);
                return All(loss, Close("dLogits", dg, dc, Rtol(k, 8), 1e-9));
            });
        yield return new("KnowledgeDistillation and backward (τ = 2)", c =>
        {
            int b = c.Shapes.Rows, k = c.Shapes.Width;
            var (sc, sg) = c.Both(Random(b * k, 220, -5, 5), b, k);
            var (tc, tg) = c.Both(Random(b * k, 221, -5, 5), b, k);
            var (lc, lg) = c.BothEmpty(1);
            c.Cpu.KnowledgeDistillation(sc, tc, 2.0, lc);
            c.Gpu.KnowledgeDistillation(sg, tg, 2.0, lg);
            var loss = Close("loss", lg, lc, Rtol(b * k, 32), 1e-7);
            var (dc, dg) = c.BothEmpty(b, k);
            c.Cpu.KnowledgeDistillationBackward(sc, tc, 2.0, 1.0, dc);
            c.Gpu.KnowledgeDistillationBackward(sg, tg, 2.0, 1.0, dg);
            return All(loss, Close("dStudent", dg, dc, Rtol(k, 8), 1e-10));
        });
    }

    private static readonly AdamWHyper Adam = new(LearningRate: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, WeightDecay: 0.05, Step: 3);

    private static IEnumerable<BackendCheck> OptimizerChecks()
    {
        yield return new("AdamWStep (torch's float32 order)", c =>
        {
            int n = c.Shapes.Rows * 3;
            var (pc, pg) = c.BothRandom(300, n);
            var (gc, gg) = c.BothRandom(301, n);
            var (mc, mg) = c.Both(Random(n, 302, -0.1, 0.1), n);
            var (vc, vg) = c.Both(Random(n, 303, 0, 0.01), n);
            c.Cpu.AdamWStep(pc, gc, mc, vc, Adam);
            c.Gpu.AdamWStep(pg, gg, mg, vg, Adam);
            return All(Close("param", pg, pc, 2 * Eps, 0), Close("m", mg, mc, 2 * Eps, 0), Close("v", vg, vc, 2 * Eps, 0));
        });
        yield return new("AdamWStepMany equals one AdamWStep per tensor (bitwise)", c =>
        {
            int[][] shapes = [[c.Shapes.Rows, 3], [c.Shapes.Width], [3, 5, 7], [1], [c.Shapes.Hidden, c.Shapes.Width]];
            var single = new List<(DyTox.Tensor.Tensor, DyTox.Tensor.Tensor, DyTox.Tensor.Tensor, DyTox.Tensor.Tensor)>();
            var many = new List<(DyTox.Tensor.Tensor, DyTox.Tensor.Tensor, DyTox.Tensor.Tensor, DyTox.Tensor.Tensor)>();
            for (int i = 0; i < shapes.Length; i++)
            {
                int n = (int)DyTox.Tensor.Shape.Numel(shapes[i]);
                float[] p = Random(n, 310 + i), g = Random(n, 320 + i), m = Random(n, 330 + i, -0.1, 0.1), v = Random(n, 340 + i, 0, 0.01);
                single.Add((Upload(c.Gpu, p, shapes[i]), Upload(c.Gpu, g, shapes[i]), Upload(c.Gpu, m, shapes[i]), Upload(c.Gpu, v, shapes[i])));
                many.Add((Upload(c.Gpu, p, shapes[i]), Upload(c.Gpu, g, shapes[i]), Upload(c.Gpu, m, shapes[i]), Upload(c.Gpu, v, shapes[i])));
            }
            foreach (var (p, g, m, v) in single) c.Gpu.AdamWStep(p, g, m, v, Adam);
            c.Gpu.AdamWStepMany(many, Adam);
            var parts = new List<CheckResult>();
            for (int i = 0; i < shapes.Length; i++)
            {
                parts.Add(Bitwise($"param {i}", many[i].Item1, single[i].Item1));
                parts.Add(Bitwise($"m {i}", many[i].Item3, single[i].Item3));
                parts.Add(Bitwise($"v {i}", many[i].Item4, single[i].Item4));
            }
            return All([.. parts]);
        });
        foreach (var (momentum, decay, nesterov, first) in new[] { (0.0, 0.0, false, false), (0.9, 1e-4, false, true), (0.9, 1e-4, false, false), (0.9, 0.0, true, false) })
            yield return new($"SgdStep momentum {momentum} decay {decay} nesterov {nesterov} first {first}", c =>
            {
                int n = c.Shapes.Rows * 3;
                var hyper = new SgdHyper(0.1, momentum, decay, nesterov, first);
                var (pc, pg) = c.BothRandom(350, n);
                var (gc, gg) = c.BothRandom(351, n);
                var (bc, bg) = c.BothRandom(352, n);
                c.Cpu.SgdStep(pc, gc, momentum == 0 ? null : bc, hyper);
                c.Gpu.SgdStep(pg, gg, momentum == 0 ? null : bg, hyper);
                return momentum == 0 ? Close("param", pg, pc, 0, 0) : All(Close("param", pg, pc, 0, 0), Close("momentum", bg, bc, 0, 0));
            });
    }
}
