using DyTox.Kernels.Runtime.Launchers;

namespace DyTox.Kernels.Checks;

/// <summary>softmax.cu forward/backward on both launch shapes, ragged sizes, plus a determinism re-run.</summary>
public static class SoftmaxChecks
{
    public static IEnumerable<KernelCheck> All()
    {
        (int Rows, int Cols)[] shapes = [(37, 65), (9, 3000), (3, 1)];
        foreach (var path in (SoftmaxPath[])[SoftmaxPath.WarpPerRow, SoftmaxPath.BlockPerRow])
            foreach (var (rows, cols) in shapes)
            {
                yield return new($"softmax_forward {path} [{rows}x{cols}]", c => Forward(c, rows, cols, path));
                yield return new($"softmax_backward {path} [{rows}x{cols}]", c => Backward(c, rows, cols, path));
            }
    }

    private static CheckResult Forward(CheckContext c, int rows, int cols, SoftmaxPath path)
    {
        var x = c.Uniform(rows * cols, -10f, 10f);
        if (x.Length > 1) x[1] = 80f; // exp(80) overflows float32 unless the max is subtracted
        using var a = c.Upload(x);
        using var o = c.Zeros(x.Length);
        var k = new SoftmaxKernels(c.Driver);
        k.Forward(o.Pointer, a.Pointer, rows, cols, path);
        var first = c.Download(o, x.Length);
        k.Forward(o.Pointer, a.Pointer, rows, cols, path);
        var second = c.Download(o, x.Length);

        var expected = new double[x.Length];
        for (var r = 0; r < rows; r++)
        {
            var max = double.NegativeInfinity;
            for (var j = 0; j < cols; j++) max = Math.Max(max, x[r * cols + j]);
            double sum = 0;
            for (var j = 0; j < cols; j++) sum += Math.Exp(x[r * cols + j] - max);
            for (var j = 0; j < cols; j++) expected[r * cols + j] = Math.Exp(x[r * cols + j] - max) / sum;
        }
        // y ≤ 1; expf is 2 ulp and the row sum of length K adds ~√K·eps relative error.
        var rtol = (4 + 2 * Math.Sqrt(cols)) * Compare.Eps32;
        return Compare.All("softmax", Compare.Close("values", first, expected, atol: 1e-9, rtol: rtol),
                           Compare.Bitwise("rerun", second, first));
    }

    private static CheckResult Backward(CheckContext c, int rows, int cols, SoftmaxPath path)
    {
        // y: a valid softmax output (positive, rows sum to 1); dy arbitrary.
        var y = c.Uniform(rows * cols, 0.01f, 1f);
        for (var r = 0; r < rows; r++)
        {
            var s = 0f;
            for (var j = 0; j < cols; j++) s += y[r * cols + j];
            for (var j = 0; j < cols; j++) y[r * cols + j] /= s;
        }
        var g = c.Uniform(rows * cols);
        using var yb = c.Upload(y);
        using var gb = c.Upload(g);
        using var dx = c.Zeros(y.Length);
        var k = new SoftmaxKernels(c.Driver);
        k.Backward(dx.Pointer, yb.Pointer, gb.Pointer, rows, cols, path);
        var first = c.Download(dx, y.Length);
        k.Backward(dx.Pointer, yb.Pointer, gb.Pointer, rows, cols, path);
        var second = c.Download(dx, y.Length);

        var expected = new double[y.Length];
        for (var r = 0; r < rows; r++)
        {
            double dot = 0;
            for (var j = 0; j < cols; j++) dot += (double)g[r * cols + j] * y[r * cols + j];
            for (var j = 0; j < cols; j++) expected[r * cols + j] = y[r * cols + j] * (g[r * cols + j] - dot);
        }
        // |dy − dot| ≤ 2 and dot carries √K·eps error: absolute error ≤ y·(2+√K)·eps·few.
        var atol = 4 * (2 + Math.Sqrt(cols)) * Compare.Eps32 * y.Max();
        return Compare.All("softmax'", Compare.Close("values", first, expected, atol: atol, rtol: 4 * Compare.Eps32),
                           Compare.Bitwise("rerun", second, first));
    }
}
