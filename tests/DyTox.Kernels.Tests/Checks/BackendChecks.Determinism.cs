using DyTox.Kernels.Backend;
using DyTox.Tensor;
using static DyTox.Kernels.Checks.BackendData;

namespace DyTox.Kernels.Checks;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>Same inputs, same bits: every reduction-, loss- and attention-bearing op of the CUDA backend run twice.</summary>
public static partial class BackendChecks
{
    private static IEnumerable<BackendCheck> DeterminismChecks()
    {
        yield return new("determinism: reductions, row ops, Linear grads, losses (two runs bitwise)",
            c => Twice(() => ReductionOutputs(c.Gpu, c.Shapes)));
        foreach (var path in Paths)
            yield return new($"determinism: GPSA and task attention ({path}, two runs bitwise)",
                c => c.WithPath(path, () => Twice(() => AttentionOutputs(c.Gpu, c.Shapes))));
    }

    private static CheckResult Twice(Func<float[]> run)
    {
        var first = run();
        var second = run();
        return Compare.Bitwise("re-run", second, first);
    }

    /// <summary>The reduction-bearing non-attention ops on fixed inputs, their outputs as one host array.</summary>
    public static float[] ReductionOutputs(CudaBackend gpu, BackendShapes s)
    {
        using var scope = TensorScope.Begin();
        int r = s.Rows, w = s.Width;
        var x = Upload(gpu, Random(r * w, 500), r, w);
        var results = new List<float>();
        void Take(Tensor t) => results.AddRange(t.ToArray<float>());

        var red = gpu.Empty(DType.Float32, [r, 1]);
        foreach (var op in Enum.GetValues<ReduceOp>()) { gpu.Reduce(op, x, 1, red); Take(red); }
        var col = gpu.Empty(DType.Float32, [1, w]);
        gpu.Reduce(ReduceOp.Sum, x, 0, col); Take(col);
        var big = Upload(gpu, Random(s.LongRow * 7, 501), s.LongRow * 7);
        var scalar = gpu.Empty(DType.Float32, [1]);
        gpu.SumAll(big, scalar); Take(scalar);
        gpu.SumOfSquares(big, scalar); Take(scalar);
        var x3 = Upload(gpu, Random(2 * r * w, 502), 2, r, w);
        var sts = gpu.Empty(DType.Float32, [w]);
        gpu.SumToShape(x3, sts); Take(sts);
        var y = gpu.Empty(DType.Float32, [r, w]);
        gpu.Softmax(x, y); Take(y);
        gpu.LogSoftmax(x, y); Take(y);
        gpu.L2Normalize(x, 1e-8, y); Take(y);
        var weight = Upload(gpu, Random(s.Hidden * w, 503), s.Hidden, w);
        var dy = Upload(gpu, Random(r * s.Hidden, 504), r, s.Hidden);
        var dw = gpu.Empty(DType.Float32, [s.Hidden, w]);
        var db = gpu.Empty(DType.Float32, [s.Hidden]);
        gpu.LinearBackward(dy, x, weight, null, dw, db); Take(dw); Take(db);
        var t = Upload(gpu, Random(r * w, 505, 0, 1), r, w);
        gpu.BceWithLogits(x, t, scalar); Take(scalar);
        var labels = UploadInt(gpu, Enumerable.Range(0, r).Select(i => i % w).ToArray(), r);
        gpu.SoftmaxCrossEntropy(x, labels, 0.1, scalar); Take(scalar);
        gpu.KnowledgeDistillation(x, t, 2.0, scalar); Take(scalar);
        var g = Upload(gpu, Random(w, 506), w);
        var mean = gpu.Empty(DType.Float32, [r]);
        var rstd = gpu.Empty(DType.Float32, [r]);
        gpu.LayerNorm(x, g, g, 1e-6, y, mean, rstd); Take(y);
        var dx = gpu.Empty(DType.Float32, [r, w]);
        var dg = gpu.Empty(DType.Float32, [w]);
        var dbeta = gpu.Empty(DType.Float32, [w]);
        gpu.LayerNormBackward(y, x, g, mean, rstd, dx, dg, dbeta); Take(dx); Take(dg); Take(dbeta);
        return [.. results];
    }

    /// <summary>GPSA (positional, forward, backward) and task attention (forward, backward) on the backend's current path.</summary>
    public static float[] AttentionOutputs(CudaBackend gpu, BackendShapes s)
    {
        using var scope = TensorScope.Begin();
        int b = s.Batch, n = s.Tokens, h = s.Heads, d = s.Dim;
        var results = new List<float>();
        var rel = Upload(gpu, RelIndices(n), n, n, 3);
        var pw = Upload(gpu, Random(h * 3, 509), h, 3);
        var pb = Upload(gpu, Random(h, 508), h);
        var pos = gpu.Empty(DType.Float32, [h, n, n]);
        gpu.GpsaPositional(rel, pw, pb, pos);
        results.AddRange(pos.ToArray<float>());
        var qk = Upload(gpu, Random(b * n * 2 * d, 510), b, n, 2 * d);
        var v = Upload(gpu, Random(b * n * d, 511), b, n, d);
        var dOut = Upload(gpu, Random(b * n * d, 512), b, n, d);
        var gates = Upload(gpu, Gates(h), h);
        foreach (var o in RunGpsa(gpu, new GpsaInputs(qk, v, pos, gates, dOut, 1 / Math.Sqrt(d / h)), h)) results.AddRange(o.ToArray<float>());
        var dpw = gpu.Empty(DType.Float32, [h, 3]);
        var dpb = gpu.Empty(DType.Float32, [h]);
        gpu.GpsaPositionalBackward(pos, pos, rel, dpw, dpb);
        results.AddRange(dpw.ToArray<float>());
        results.AddRange(dpb.ToArray<float>());
        int t = s.Tasks;
        var q = Upload(gpu, Random(t * b * d, 513), t, b, d);
        var dq = Upload(gpu, Random(t * b * d, 514), t, b, d);
        foreach (var o in RunTask(gpu, new TaskInputs(q, dq, q, v, dOut, dq, 1 / Math.Sqrt(d / h)), h)) results.AddRange(o.ToArray<float>());
        return [.. results];
    }
}
