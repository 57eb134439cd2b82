using DyTox.Tensor;
using static DyTox.Kernels.Checks.BackendData;

namespace DyTox.Kernels.Checks;

/// <summary>Memory, copies, casts, element-wise ops and reductions.</summary>
public static partial class BackendChecks
{
    private static IEnumerable<BackendCheck> MemoryChecks()
    {
        yield return new("memory: host round trip, fill float/int", c =>
        {
            int n = c.Shapes.Rows * c.Shapes.Width;
            var data = Random(n, 1);
            var t = Upload(c.Gpu, data, c.Shapes.Rows, c.Shapes.Width);
            var f = c.Gpu.Empty(DType.Float32, [c.Shapes.Rows, c.Shapes.Width]);
            var i = c.Gpu.Empty(DType.Int32, [c.Shapes.Rows]);
            c.Gpu.Fill(f, -2.5);
            c.Gpu.Fill(i, 42);
            var back = Compare.Bitwise("round trip", t.ToArray<float>(), data);
            var fill = Compare.Bitwise("fill float", f.ToArray<float>(), Enumerable.Repeat(-2.5f, n).ToArray());
            var fillInt = i.ToArray<int>().All(v => v == 42) ? new CheckResult("fill int", true, "all 42") : new CheckResult("fill int", false, "not all 42");
            return All(back, fill, fillInt);
        });
        yield return new("Copy: permuted, expanded into a slice, rank-8 unmergeable", c =>
        {
            int r = c.Shapes.Rows, w = c.Shapes.Width;
            var (xc, xg) = c.BothRandom(2, 3, r, w);
            var (dc, dg) = c.BothEmpty(w, 3, r);
            c.Cpu.Copy(xc.Permute(2, 0, 1), dc);
            c.Gpu.Copy(xg.Permute(2, 0, 1), dg);
            var permuted = Close("permuted", dg, dc, 0, 0);
            var (sc, sg) = c.BothRandom(3, 5, 1, w);
            var (oc, og) = c.BothEmpty(4, 5, 9, w);
            c.Cpu.Fill(oc, 0);
            c.Gpu.Fill(og, 0);
            c.Cpu.Copy(sc.Expand(4, 5, 3, w), oc.Slice(2, 2, 3));
            c.Gpu.Copy(sg.Expand(4, 5, 3, w), og.Slice(2, 2, 3));
            var slice = Close("expanded into slice", og, oc, 0, 0);
            int[] shape = [2, 3, 2, 3, 2, 3, 2, 3];
            int[] order = [7, 5, 3, 1, 6, 4, 2, 0];
            var (ec, eg) = c.BothRandom(5, shape);
            var (qc, qg) = c.BothEmpty(order.Select(a => shape[a]).ToArray());
            c.Cpu.Copy(ec.Permute(order), qc);
            c.Gpu.Copy(eg.Permute(order), qg);
            return All(permuted, slice, Close("rank-8", qg, qc, 0, 0));
        });
        yield return new("Cast: int32 ↔ float32 (half to even), int32 transpose copy", c =>
        {
            int n = c.Shapes.Rows;
            var ints = Enumerable.Range(-n / 2, n * 3).ToArray();
            var (ic, ig) = c.BothInt(ints, n, 3);
            var tc = c.Cpu.Empty(DType.Int32, [3, n]);
            var tg = c.Gpu.Empty(DType.Int32, [3, n]);
            c.Cpu.Copy(ic.Transpose(0, 1), tc);
            c.Gpu.Copy(ig.Transpose(0, 1), tg);
            var (fc, fg) = c.BothEmpty(n, 3);
            c.Cpu.Cast(ic, fc);
            c.Gpu.Cast(ig, fg);
            var halves = Random(n, 6, -40, 40).Select((v, k) => k % 3 == 0 ? MathF.Round(v) + 0.5f : v).ToArray();
            var (hc, hg) = c.Both(halves, n);
            var rc = c.Cpu.Empty(DType.Int32, [n]);
            var rg = c.Gpu.Empty(DType.Int32, [n]);
            c.Cpu.Cast(hc, rc);
            c.Gpu.Cast(hg, rg);
            return All(EqualInts("int transpose", tg, tc), Close("int→float", fg, fc, 0, 0), EqualInts("float→int", rg, rc));
        });
    }

    private static float[] UnaryInputs(UnaryOp op, int n, int seed) =>
        op is UnaryOp.Log or UnaryOp.Sqrt or UnaryOp.Reciprocal ? Random(n, seed, 0.1, 3) : Random(n, seed, -4, 4);

    private static IEnumerable<BackendCheck> ElementwiseChecks()
    {
        foreach (var op in Enum.GetValues<BinaryOp>())
            yield return new($"Binary {op}: strided × broadcast, in place with an expanded scalar", c =>
            {
                int r = c.Shapes.Rows, w = c.Shapes.Width;
                var (ac, ag) = c.BothRandom(10, w, r, 3);          // read transposed: a strided [3, r, w] view
                var (bc, bg) = c.Both(Random(r, 11, 0.5, 2), r, 1); // broadcast over the first and last axes
                var (dc, dg) = c.BothEmpty(3, r, w);
                c.Cpu.Binary(op, ac.Permute(2, 1, 0), bc, dc);
                c.Gpu.Binary(op, ag.Permute(2, 1, 0), bg, dg);
                var strided = Close("strided", dg, dc, Eps, 0);
                var (xc, xg) = c.BothRandom(12, r * w);
                var (sc, sg) = c.Both([1.75f], 1);
                c.Cpu.Binary(op, xc, sc.Expand(r * w), xc);
                c.Gpu.Binary(op, xg, sg.Expand(r * w), xg);
                return All(strided, Close("in place", xg, xc, Eps, 0));
            });
        foreach (var op in Enum.GetValues<UnaryOp>())
            yield return new($"Unary {op} and backward", c =>
            {
                int r = c.Shapes.Rows, w = c.Shapes.Width;
                var (xc, xg) = c.Both(UnaryInputs(op, r * w, 20 + (int)op), r, w);
                var (yc, yg) = c.BothEmpty(r, w);
                c.Cpu.Unary(op, xc, yc);
                c.Gpu.Unary(op, xg, yg);
                // GELU = ½x(1 + erf(x/√2)) and its derivative carry erf's absolute error (~2 ulp of 1) through the
                // cancellation 1 + erf for x < 0: ½|x|·2eps on the value (measured on an H200: 2.4e-7 at x ≈ −3.7),
                // 2eps·|dy| on the gradient; a relative tolerance cannot cover that.
                double xMax = op == UnaryOp.Gelu ? 4 : 0;
                var forward = Close("forward", yg, yc, 8 * Eps, 1e-7 + 2 * Eps * xMax);
                // The backward takes y as given: both get the CPU's y so only the derivative is compared.
                var ySame = Upload(c.Gpu, yc.ToArray<float>(), r, w);
                var (gc, gg) = c.BothRandom(40 + (int)op, r, w);
                var (dc, dg) = c.BothEmpty(r, w);
                c.Cpu.UnaryBackward(op, xc, yc, gc, dc);
                c.Gpu.UnaryBackward(op, xg, ySame, gg, dg);
                return All(forward, Close("backward", dg, dc, 8 * Eps, 1e-7 + (op == UnaryOp.Gelu ? 2 * Eps : 0)));
            });
        yield return new("Affine and Axpy", c =>
        {
            int n = c.Shapes.Rows * c.Shapes.Width;
            var (xc, xg) = c.BothRandom(30, n);
            var (yc, yg) = c.BothEmpty(n);
            c.Cpu.Affine(xc, 0.3, -1.25, yc);
            c.Gpu.Affine(xg, 0.3, -1.25, yg);
            var affine = Close("affine", yg, yc, 2 * Eps, 0);
            c.Cpu.Axpy(-0.7, xc, yc);
            c.Gpu.Axpy(-0.7, xg, yg);
            return All(affine, Close("axpy", yg, yc, 2 * Eps, 1e-7));
        });
    }

    private static IEnumerable<BackendCheck> ReductionChecks()
    {
        foreach (var op in Enum.GetValues<ReduceOp>())
            yield return new($"Reduce {op} over every axis of [3, rows, width] and of a long row", c =>
            {
                int[] shape = [3, c.Shapes.Rows, c.Shapes.Width];
                var (xc, xg) = c.BothRandom(40, shape);
                var parts = new List<CheckResult>();
                for (int axis = 0; axis < 3; axis++)
                {
                    var outShape = (int[])shape.Clone();
                    outShape[axis] = 1;
                    var (dc, dg) = c.BothEmpty(outShape);
                    c.Cpu.Reduce(op, xc, axis, dc);
                    c.Gpu.Reduce(op, xg, axis, dg);
                    // ±1 inputs: a sum's error scales with Σ|x| ≈ K/2, i.e. rtol·√K absolute.
                    double k = shape[axis];
                    parts.Add(Close($"axis {axis}", dg, dc, Rtol(k), Rtol(k) * Math.Sqrt(k)));
                }
                int longRow = c.Shapes.LongRow;
                var (lc, lg) = c.BothRandom(45, 4, longRow);
                var (rc, rg) = c.BothEmpty(4, 1);
                c.Cpu.Reduce(op, lc, 1, rc);
                c.Gpu.Reduce(op, lg, 1, rg);
                parts.Add(Close("long row", rg, rc, Rtol(longRow), Rtol(longRow) * Math.Sqrt(longRow)));
                return All([.. parts]);
            });
        yield return new("SumToShape to every broadcast target", c =>
        {
            int r = c.Shapes.Rows, w = c.Shapes.Width;
            var (xc, xg) = c.BothRandom(50, 2, 3, r, w);
            int[][] targets = [[r, 1], [w], [3, 1, w], [1], [3, r, w], [2, 3, r, w]];
            var parts = new List<CheckResult>();
            foreach (var target in targets)
            {
                var (dc, dg) = c.BothEmpty(target);
                c.Cpu.SumToShape(xc, dc);
                c.Gpu.SumToShape(xg, dg);
                double k = 6.0 * r * w / dc.Numel;
                parts.Add(Close($"to [{string.Join(",", target)}]", dg, dc, Rtol(k), Rtol(k) * Math.Sqrt(k)));
            }
            return All([.. parts]);
        });
        yield return new("ArgMax first maximum over every axis (with ties)", c =>
        {
            int[] shape = [3, c.Shapes.Rows, c.Shapes.Width];
            var data = Random(checked((int)DyTox.Tensor.Shape.Numel(shape)), 60).Select(v => MathF.Round(v * 3) / 3).ToArray();
            var (xc, xg) = c.Both(data, shape);
            var parts = new List<CheckResult>();
            for (int axis = 0; axis < 3; axis++)
            {
                var outShape = (int[])shape.Clone();
                outShape[axis] = 1;
                var ic = c.Cpu.Empty(DType.Int32, outShape);
                var ig = c.Gpu.Empty(DType.Int32, outShape);
                c.Cpu.ArgMax(xc, axis, ic);
                c.Gpu.ArgMax(xg, axis, ig);
                parts.Add(EqualInts($"axis {axis}", ig, ic));
            }
            return All([.. parts]);
        });
        yield return new("SumAll and SumOfSquares over many chunks", c =>
        {
            int n = c.Shapes.Rows * c.Shapes.Width + 7;
            var (xc, xg) = c.BothRandom(70, n);
            var (sc, sg) = c.BothEmpty(1);
            c.Cpu.SumAll(xc, sc);
            c.Gpu.SumAll(xg, sg);
            var sum = Close("SumAll", sg, sc, Rtol(n), Rtol(n) * n / 2); // error ∝ Σ|x| ≈ n/2
            c.Cpu.SumOfSquares(xc, sc);
            c.Gpu.SumOfSquares(xg, sg);
            return All(sum, Close("SumOfSquares", sg, sc, Rtol(n), 0));
        });
    }
}
