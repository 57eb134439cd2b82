using DyTox.Kernels.Runtime.Launchers;

namespace DyTox.Kernels.Checks;

/// <summary>layernorm.cu forward and backward (dx, dweight/dbias) vs float64, vector (C % 4 == 0) and scalar paths.</summary>
public static class LayerNormChecks
{
    public static IEnumerable<KernelCheck> All()
    {
        (int Rows, int C)[] shapes = [(130, 384), (33, 50), (1, 7)];
        foreach (var (rows, C) in shapes)
        {
            yield return new($"layernorm_forward [{rows}x{C}]", c => Forward(c, rows, C));
            yield return new($"layernorm_backward [{rows}x{C}]", c => Backward(c, rows, C));
        }
    }

    private const float Eps = 1e-6f;

    private static (float[] X, float[] W, float[] B) Inputs(CheckContext c, int rows, int C) =>
        (c.Uniform(rows * C, -2f, 3f), c.Uniform(C, 0.5f, 1.5f), c.Uniform(C, -0.5f, 0.5f));

    private static (double[] Mean, double[] Rstd) Stats(float[] x, int rows, int C)
    {
        var mean = new double[rows];
        var rstd = new double[rows];
        for (var r = 0; r < rows; r++)
        {
            double m = 0, v = 0;
            for (var j = 0; j < C; j++) m += x[r * C + j];
            m /= C;
            for (var j = 0; j < C; j++) v += (x[r * C + j] - m) * (x[r * C + j] - m);
            mean[r] = m;
            rstd[r] = 1 / Math.Sqrt(v / C + Eps);
        }
        return (mean, rstd);
    }

    private static CheckResult Forward(CheckContext c, int rows, int C)
    {
        var (x, w, b) = Inputs(c, rows, C);
        using var xb = c.Upload(x);
        using var wb = c.Upload(w);
        using var bb = c.Upload(b);
        using var ob = c.Zeros(x.Length);
        using var mb = c.Zeros(rows);
        using var rb = c.Zeros(rows);
        new LayerNormKernels(c.Driver).Forward(ob.Pointer, mb.Pointer, rb.Pointer, xb.Pointer, wb.Pointer, bb.Pointer, rows, C, Eps);
        var (mean, rstd) = Stats(x, rows, C);
        var expected = new double[x.Length];
        for (var r = 0; r < rows; r++)
            for (var j = 0; j < C; j++)
                expected[r * C + j] = (x[r * C + j] - mean[r]) * rstd[r] * w[j] + b[j];
        var tol = (8 + 2 * Math.Sqrt(C)) * Compare.Eps32;
        return Compare.All("layernorm",
            Compare.Close("out", c.Download(ob, x.Length), expected, atol: 4 * tol, rtol: tol),
            Compare.Close("mean", c.Download(mb, rows), mean, atol: 3 * tol, rtol: tol),
            Compare.Close("rstd", c.Download(rb, rows), rstd, atol: 0, rtol: 4 * tol));
    }

    private static CheckResult Backward(CheckContext c, int rows, int C)
    {
        var (x, w, _) = Inputs(c, rows, C);
        var g = c.Uniform(rows * C);
        var (mean, rstd) = Stats(x, rows, C);
        var meanF = mean.Select(v => (float)v).ToArray();
        var rstdF = rstd.Select(v => (float)v).ToArray();
        var chunks = LayerNormKernels.ParamChunks(rows);
        var prior = c.Uniform(C);

        using var xb = c.Upload(x);
        using var wb = c.Upload(w);
        using var gb = c.Upload(g);
        using var mb = c.Upload(meanF);
        using var rb = c.Upload(rstdF);
        using var dxb = c.Zeros(x.Length);
        using var dwb = c.Upload(prior);
        using var dbb = c.Upload(prior);
        using var pw = c.Zeros(chunks * C);
        using var pb = c.Zeros(chunks * C);
        var k = new LayerNormKernels(c.Driver);
        k.BackwardInput(dxb.Pointer, gb.Pointer, xb.Pointer, wb.Pointer, mb.Pointer, rb.Pointer, rows, C);
        k.BackwardParams(dwb.Pointer, dbb.Pointer, pw.Pointer, pb.Pointer, gb.Pointer, xb.Pointer, mb.Pointer, rb.Pointer, rows, C, accumulate: true);
        var dwAcc = c.Download(dwb, C);
        var dbAcc = c.Download(dbb, C);
        k.BackwardParams(dwb.Pointer, dbb.Pointer, pw.Pointer, pb.Pointer, gb.Pointer, xb.Pointer, mb.Pointer, rb.Pointer, rows, C, accumulate: false);
        var dw1 = c.Download(dwb, C);
        var db1 = c.Download(dbb, C);
        k.BackwardParams(dwb.Pointer, dbb.Pointer, pw.Pointer, pb.Pointer, gb.Pointer, xb.Pointer, mb.Pointer, rb.Pointer, rows, C, accumulate: false);
        var dw2 = c.Download(dwb, C);

        // Reference from the same float32 mean/rstd the kernel reads.
        var dx = new double[x.Length];
        var dw = new double[C];
        var db = new double[C];
        for (var r = 0; r < rows; r++)
        {
            double sg = 0, sgx = 0;
            for (var j = 0; j < C; j++)
            {
                var xhat = (x[r * C + j] - (double)meanF[r]) * rstdF[r];
                var gw = (double)g[r * C + j] * w[j];
                sg += gw; sgx += gw * xhat;
                dw[j] += g[r * C + j] * xhat;
                db[j] += g[r * C + j];
            }
            sg /= C; sgx /= C;
            for (var j = 0; j < C; j++)
            {
                var xhat = (x[r * C + j] - (double)meanF[r]) * rstdF[r];
                dx[r * C + j] = rstdF[r] * ((double)g[r * C + j] * w[j] - sg - xhat * sgx);
            }
        }
        var rowTol = (8 + 4 * Math.Sqrt(C)) * Compare.Eps32;
        var colTol = (8 + 4 * Math.Sqrt(rows)) * Compare.Eps32;
        var dwAccExpected = dw.Select((v, j) => v + prior[j]).ToArray();
        var dbAccExpected = db.Select((v, j) => v + prior[j]).ToArray();
        var maxRstd = rstd.Max();
        return Compare.All("layernorm'",
            Compare.Close("dx", c.Download(dxb, x.Length), dx, atol: 8 * rowTol * maxRstd, rtol: rowTol),
            Compare.Close("dweight", dw1, dw, atol: 4 * colTol * Math.Sqrt(rows), rtol: colTol),
            Compare.Close("dbias", db1, db, atol: 4 * colTol * Math.Sqrt(rows), rtol: colTol),
            Compare.Close("dweight+=", dwAcc, dwAccExpected, atol: 4 * colTol * Math.Sqrt(rows), rtol: colTol),
            Compare.Close("dbias+=", dbAcc, dbAccExpected, atol: 4 * colTol * Math.Sqrt(rows), rtol: colTol),
            Compare.Bitwise("dweight rerun", dw2, dw1));
    }
}
