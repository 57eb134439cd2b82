using DyTox.Kernels.Runtime.Launchers;

namespace DyTox.Kernels.Checks;

/// <summary>elementwise.cu vs C# references; sizes not multiples of 4 and misaligned pointers cover the scalar tails.</summary>
public static class ElementwiseChecks
{
    public static IEnumerable<KernelCheck> All()
    {
        foreach (var pad in (int[])[0, 1])
        {
            var suffix = pad == 0 ? "aligned" : "misaligned";
            yield return new($"fill_f32 ({suffix})", c => Fill(c, pad));
            yield return new($"copy_f32 ({suffix})", c => Copy(c, pad));
            foreach (var op in Enum.GetValues<BinaryOp>())
                yield return new($"{op.ToString().ToLowerInvariant()}_f32 ({suffix})", c => Binary(c, op, pad));
            yield return new($"scale_f32 ({suffix})", c => Scale(c, pad));
            yield return new($"gelu_forward_f32 ({suffix})", c => Unary(c, "gelu", pad));
            yield return new($"sigmoid_forward_f32 ({suffix})", c => Unary(c, "sigmoid", pad));
            yield return new($"gelu_backward_f32 ({suffix})", c => UnaryBackward(c, "gelu", pad));
            yield return new($"sigmoid_backward_f32 ({suffix})", c => UnaryBackward(c, "sigmoid", pad));
        }
        yield return new("strided_copy_f32 (4-D permute)", StridedCopy);
        foreach (var op in Enum.GetValues<BinaryOp>())
            yield return new($"{op.ToString().ToLowerInvariant()}_broadcast_f32", c => Broadcast(c, op));
    }

    private const int N = 10_007; // odd: exercises the n % 4 tail

    private static CheckResult Fill(CheckContext c, int pad)
    {
        using var buf = c.Zeros(N, pad);
        new ElementwiseKernels(c.Driver).Fill(CheckContext.At(buf, pad), N, 3.25f);
        var expected = Enumerable.Repeat(3.25f, N).ToArray();
        return Compare.Bitwise("fill", c.Download(buf, N, pad), expected);
    }

    private static CheckResult Copy(CheckContext c, int pad)
    {
        var x = c.Uniform(N);
        using var a = c.Upload(x, pad);
        using var o = c.Zeros(N, pad);
        new ElementwiseKernels(c.Driver).Copy(CheckContext.At(o, pad), CheckContext.At(a, pad), N);
        return Compare.Bitwise("copy", c.Download(o, N, pad), x);
    }

    private static CheckResult Binary(CheckContext c, BinaryOp op, int pad)
    {
        var x = c.Uniform(N);
        var y = c.Uniform(N, 0.5f, 2f);
        using var a = c.Upload(x, pad);
        using var b = c.Upload(y, pad);
        using var o = c.Zeros(N, pad);
        new ElementwiseKernels(c.Driver).Binary(op, CheckContext.At(o, pad), CheckContext.At(a, pad), CheckContext.At(b, pad), N);
        // IEEE float32 +,−,×,÷ are correctly rounded on the GPU (precise division is NVRTC's default): bitwise.
        var expected = new float[N];
        for (var i = 0; i < N; i++) expected[i] = Apply(op, x[i], y[i]);
        return Compare.Bitwise(op.ToString(), c.Download(o, N, pad), expected);
    }

    private static float Apply(BinaryOp op, float a, float b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Sub => a - b,
        BinaryOp.Mul => a * b,
        _ => a / b,
    };

    private static CheckResult Scale(CheckContext c, int pad)
    {
        var x = c.Uniform(N);
        using var a = c.Upload(x, pad);
        new ElementwiseKernels(c.Driver).Scale(CheckContext.At(a, pad), CheckContext.At(a, pad), N, -1.5f); // in place
        return Compare.Bitwise("scale", c.Download(a, N, pad), x.Select(v => -1.5f * v).ToArray());
    }

    private static CheckResult Unary(CheckContext c, string which, int pad)
    {
        var x = c.Uniform(N, -8f, 8f);
        x[0] = 30f; x[1] = -30f; x[2] = 0f; // saturation and zero
        using var a = c.Upload(x, pad);
        using var o = c.Zeros(N, pad);
        var k = new ElementwiseKernels(c.Driver);
        if (which == "gelu") k.GeluForward(CheckContext.At(o, pad), CheckContext.At(a, pad), N);
        else k.SigmoidForward(CheckContext.At(o, pad), CheckContext.At(a, pad), N);
        var expected = x.Select(v => which == "gelu" ? Reference.Gelu(v) : Reference.Sigmoid(v)).ToArray();
        // erff/expf are within 2 ulp on the GPU. For x < 0, GELU's 1 + erf(x/√2) cancels: erff's 2 ulp
        // near −1 (2·2^-24) times |x|/2 ≤ 4 gives an absolute error up to ~5e-7, hence the 1e-6 floor.
        var atol = which == "gelu" ? 1e-6 : 1e-7;
        return Compare.Close(which, c.Download(o, N, pad), expected, atol: atol, rtol: 8 * Compare.Eps32);
    }

    private static CheckResult UnaryBackward(CheckContext c, string which, int pad)
    {
        var x = c.Uniform(N, -8f, 8f);
        var g = c.Uniform(N);
        var saved = which == "gelu" ? x : x.Select(v => (float)Reference.Sigmoid(v)).ToArray();
        using var s = c.Upload(saved, pad);
        using var dy = c.Upload(g, pad);
        using var dx = c.Zeros(N, pad);
        var k = new ElementwiseKernels(c.Driver);
        if (which == "gelu") k.GeluBackward(CheckContext.At(dx, pad), CheckContext.At(s, pad), CheckContext.At(dy, pad), N);
        else k.SigmoidBackward(CheckContext.At(dx, pad), CheckContext.At(s, pad), CheckContext.At(dy, pad), N);
        var expected = new double[N];
        for (var i = 0; i < N; i++)
            expected[i] = which == "gelu" ? g[i] * Reference.GeluGrad(x[i]) : g[i] * (double)saved[i] * (1 - (double)saved[i]);
        // GELU': Φ(x) + xφ(x) cancels for x < 0, so the error is relative to the terms (≤ ~1), not the result.
        return Compare.Close(which + "'", c.Download(dx, N, pad), expected, atol: 16 * Compare.Eps32, rtol: 8 * Compare.Eps32);
    }

    private static CheckResult StridedCopy(CheckContext c)
    {
        // x is contiguous [2, 3, 5, 7]; out = x.permute(0, 2, 1, 3) → [2, 5, 3, 7], then a 2-D transpose.
        long[] shape = [2, 3, 5, 7];
        var n = 2 * 3 * 5 * 7;
        var x = c.Uniform(n);
        using var a = c.Upload(x);
        using var o = c.Zeros(n);
        var k = new ElementwiseKernels(c.Driver);
        k.StridedCopy(o.Pointer, a.Pointer, [2, 5, 3, 7], [105, 7, 35, 1]);
        var expected = new float[n];
        var idx = 0;
        for (var i0 = 0; i0 < 2; i0++)
            for (var i2 = 0; i2 < 5; i2++)
                for (var i1 = 0; i1 < 3; i1++)
                    for (var i3 = 0; i3 < 7; i3++)
                        expected[idx++] = x[i0 * 105 + i1 * 35 + i2 * 7 + i3];
        var permute = Compare.Bitwise("permute", c.Download(o, n), expected);

        // 2-D transpose of [15, 14] via rank-2 descriptor.
        k.StridedCopy(o.Pointer, a.Pointer, [14, 15], [1, 14]);
        var t = new float[n];
        for (var i = 0; i < 14; i++)
            for (var j = 0; j < 15; j++)
                t[i * 15 + j] = x[j * 14 + i];
        _ = shape;
        return Compare.All("strided_copy", permute, Compare.Bitwise("transpose", c.Download(o, n), t));
    }

    private static CheckResult Broadcast(CheckContext c, BinaryOp op)
    {
        // out[4, 65, 48] = a[4, 65, 48] op b, with b a row vector [48], then a column [4, 65, 1].
        const int B = 4, N = 65, C = 48, total = B * N * C;
        var x = c.Uniform(total);
        var row = c.Uniform(C, 0.5f, 2f);
        var col = c.Uniform(B * N, 0.5f, 2f);
        using var a = c.Upload(x);
        using var r = c.Upload(row);
        using var cl = c.Upload(col);
        using var o = c.Zeros(total);
        var k = new ElementwiseKernels(c.Driver);
        var er = new float[total];
        var ec = new float[total];
        for (var i = 0; i < B * N; i++)
            for (var j = 0; j < C; j++)
            {
                er[i * C + j] = Apply(op, x[i * C + j], row[j]);
                ec[i * C + j] = Apply(op, x[i * C + j], col[i]);
            }
        k.BinaryBroadcast(op, o.Pointer, [B, N, C], a.Pointer, [N * C, C, 1], r.Pointer, [0, 0, 1]);
        var rowResult = Compare.Bitwise("row broadcast", c.Download(o, total), er);
        k.BinaryBroadcast(op, o.Pointer, [B, N, C], a.Pointer, [N * C, C, 1], cl.Pointer, [N, 1, 0]);
        return Compare.All(op.ToString(), rowResult, Compare.Bitwise("column broadcast", c.Download(o, total), ec));
    }
}
