namespace DyTox.Tensor.Tests.Attention;

/// <summary>
/// Plain float64 loops that follow dytox-spec §1.4–1.5 literally: the references for the fused ops' forwards
/// and the functions whose finite differences check their backwards.
/// </summary>
internal static class NaiveAttention
{
    private static void SoftmaxInPlace(double[] x, int offset, int n)
    {
        double max = double.NegativeInfinity, sum = 0;
        for (int j = 0; j < n; j++) max = Math.Max(max, x[offset + j]);
        for (int j = 0; j < n; j++) sum += x[offset + j] = Math.Exp(x[offset + j] - max);
        for (int j = 0; j < n; j++) x[offset + j] /= sum;
    }

    /// <summary>pos[h, i, j] = softmax_j(Σ_f w[h, f]·rel[i, j, f] + b[h]).</summary>
    public static double[] Positional(double[] rel, double[] w, double[] b, int heads, int n)
    {
        var pos = new double[heads * n * n];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < n; i++)
            {
                int row = (h * n + i) * n;
                for (int j = 0; j < n; j++)
                {
                    int r = (i * n + j) * 3;
                    pos[row + j] = w[h * 3] * rel[r] + w[h * 3 + 1] * rel[r + 1] + w[h * 3 + 2] * rel[r + 2] + b[h];
                }
                SoftmaxInPlace(pos, row, n);
            }
        return pos;
    }

    /// <summary>GPSA: content = softmax(scale·Q·Kᵀ), attn = mix / rowsum(mix) with mix = (1−σ)·content + σ·pos,
    /// out = attn·V, heads concatenated. qk [B, N, 2D] (Q then K), v [B, N, D].</summary>
    public static (double[] Content, double[] Attn, double[] Output) Gpsa(
        double[] qk, double[] v, double[] pos, double[] gates, int batch, int n, int dim, int heads, double scale)
    {
        int d = dim / heads;
        var content = new double[batch * heads * n * n];
        var attn = new double[batch * heads * n * n];
        var output = new double[batch * n * dim];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
            {
                double sigma = 1 / (1 + Math.Exp(-gates[h]));
                int plane = (b * heads + h) * n * n;
                for (int i = 0; i < n; i++)
                {
                    int row = plane + i * n;
                    for (int j = 0; j < n; j++)
                    {
                        double s = 0;
                        for (int c = 0; c < d; c++)
                            s += qk[(b * n + i) * 2 * dim + h * d + c] * qk[(b * n + j) * 2 * dim + dim + h * d + c];
                        content[row + j] = s * scale;
                    }
                    SoftmaxInPlace(content, row, n);
                    double sum = 0;
                    for (int j = 0; j < n; j++)
                        sum += attn[row + j] = (1 - sigma) * content[row + j] + sigma * pos[(h * n + i) * n + j];
                    for (int j = 0; j < n; j++) attn[row + j] /= sum;
                    for (int c = 0; c < d; c++)
                    {
                        double o = 0;
                        for (int j = 0; j < n; j++) o += attn[row + j] * v[(b * n + j) * dim + h * d + c];
                        output[(b * n + i) * dim + h * d + c] = o;
                    }
                }
            }
        return (content, attn, output);
    }

    /// <summary>Task attention: for each (t, b, h) the keys are kToken[t, b] then kPatch[b, 0..N); attn [T, B, H, 1+N],
    /// output [T, B, D].</summary>
    public static (double[] Attn, double[] Output) TaskAttention(
        double[] q, double[] kToken, double[] vToken, double[] kPatch, double[] vPatch,
        int tasks, int batch, int n, int dim, int heads, double scale)
    {
        int d = dim / heads, keys = n + 1;
        var attn = new double[tasks * batch * heads * keys];
        var output = new double[tasks * batch * dim];
        for (int t = 0; t < tasks; t++)
            for (int b = 0; b < batch; b++)
                for (int h = 0; h < heads; h++)
                {
                    int row = ((t * batch + b) * heads + h) * keys;
                    int tok = (t * batch + b) * dim + h * d;
                    for (int j = 0; j < keys; j++)
                    {
                        double s = 0;
                        for (int c = 0; c < d; c++)
                        {
                            double k = j == 0 ? kToken[tok + c] : kPatch[(b * n + j - 1) * dim + h * d + c];
                            s += q[tok + c] * k;
                        }
                        attn[row + j] = s * scale;
                    }
                    SoftmaxInPlace(attn, row, keys);
                    for (int c = 0; c < d; c++)
                    {
                        double o = 0;
                        for (int j = 0; j < keys; j++)
                            o += attn[row + j] * (j == 0 ? vToken[tok + c] : vPatch[(b * n + j - 1) * dim + h * d + c]);
                        output[tok + c] = o;
                    }
                }
        return (attn, output);
    }
}
