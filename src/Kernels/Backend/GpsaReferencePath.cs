using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>
/// GPSA (dytox-spec §1.4) composed from backend ops and strided-batched GEMMs: Q/K/V permuted to
/// [B, H, N, d], batched Q·Kᵀ, row softmax, the gated mix with the positional attention renormalised by
/// its row sum, batched P·V, un-permuted. It is the CUDA backend's attention path until the fused
/// kernels land, and afterwards the reference they are compared against. Works on any
/// <see cref="IBackend"/> (every step is a deterministic backend op); temporaries are disposed per call.
/// </summary>
public static class GpsaReferencePath
{
    /// <summary>posAttn[h, i, j] = softmax_j(w[h]·rel[i, j] + b[h]).</summary>
    public static void Positional(IBackend be, Tensor relIndices, Tensor weight, Tensor bias, Tensor posAttn)
    {
        AttentionShapes.RequireRank(relIndices, nameof(relIndices), 3, "[N, N, 3]");
        int n = relIndices.Shape[0];
        AttentionShapes.RequireRank(weight, nameof(weight), 2, "[H, 3]");
        int heads = weight.Shape[0];
        AttentionShapes.Require(relIndices, nameof(relIndices), n, n, 3);
        AttentionShapes.Require(weight, nameof(weight), heads, 3);
        AttentionShapes.Require(bias, nameof(bias), heads);
        AttentionShapes.Require(posAttn, nameof(posAttn), heads, n, n);
        // logits [N·N, H] = rel [N·N, 3] · wᵀ, then transposed to [H, N·N] with the bias added per head.
        using var rel2 = relIndices.Reshape(n * n, 3);
        using var logitsT = be.Empty(DType.Float32, [n * n, heads]);
        be.MatMul(rel2, false, weight, true, logitsT);
        using var pos2 = posAttn.Reshape(heads, n * n);
        using var logitsView = logitsT.Transpose(0, 1);
        using var biasColumn = bias.Reshape(heads, 1);
        be.Binary(BinaryOp.Add, logitsView, biasColumn, pos2);
        using var rows = posAttn.Reshape(heads * n, n);
        be.Softmax(rows, rows);
    }

    /// <summary>dW = Σ_ij dLogits[h, ij]·rel[ij, :], dB = Σ_ij dLogits[h, ij], dLogits the softmax backward.</summary>
    public static void PositionalBackward(IBackend be, Tensor dPosAttn, Tensor posAttn, Tensor relIndices, Tensor dWeight, Tensor dBias)
    {
        AttentionShapes.RequireRank(posAttn, nameof(posAttn), 3, "[H, N, N]");
        int heads = posAttn.Shape[0], n = posAttn.Shape[1];
        AttentionShapes.Require(posAttn, nameof(posAttn), heads, n, n);
        AttentionShapes.Require(dPosAttn, nameof(dPosAttn), heads, n, n);
        AttentionShapes.Require(relIndices, nameof(relIndices), n, n, 3);
        AttentionShapes.Require(dWeight, nameof(dWeight), heads, 3);
        AttentionShapes.Require(dBias, nameof(dBias), heads);
        using var dLogits = be.Empty(DType.Float32, [heads, n * n]);
        using var y = posAttn.Reshape(heads * n, n);
        using var dy = dPosAttn.Reshape(heads * n, n);
        using var dl = dLogits.Reshape(heads * n, n);
        be.SoftmaxBackward(y, dy, dl);
        using var rel2 = relIndices.Reshape(n * n, 3);
        be.MatMul(dLogits, false, rel2, false, dWeight);
        using var dBiasColumn = dBias.Reshape(heads, 1);
        be.Reduce(ReduceOp.Sum, dLogits, 1, dBiasColumn);
    }

    public static void Forward(IBackend be, Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                               Tensor contentAttn, Tensor attn, Tensor output)
    {
        var (b, n, dim, d) = Geometry(qk, v, posAttn, gates, heads, scale);
        AttentionShapes.Require(contentAttn, nameof(contentAttn), b, heads, n, n);
        AttentionShapes.Require(attn, nameof(attn), b, heads, n, n);
        AttentionShapes.Require(output, nameof(output), b, n, dim);
        using var q = Heads(be, qk, 0, dim, b, n, heads, d);
        using var k = Heads(be, qk, dim, dim, b, n, heads, d);
        using var vh = Heads(be, v, 0, dim, b, n, heads, d);
        using var c3 = contentAttn.Reshape(b * heads, n, n);
        be.MatMul(q, false, k, true, c3, scale);
        using var cRows = contentAttn.Reshape(b * heads * n, n);
        be.Softmax(cRows, cRows);

        using var sigma = be.Empty(DType.Float32, [heads]);
        be.Unary(UnaryOp.Sigmoid, gates, sigma);
        using var u = Mix(be, contentAttn, posAttn, sigma, b, heads, n);
        using var rowSum = be.Empty(DType.Float32, [b, heads, n, 1]);
        be.Reduce(ReduceOp.Sum, u, 3, rowSum);
        be.Binary(BinaryOp.Div, u, rowSum, attn);

        using var a3 = attn.Reshape(b * heads, n, n);
        using var o = be.Empty(DType.Float32, [b * heads, n, d]);
        be.MatMul(a3, false, vh, false, o);
        Merge(be, o, output, b, n, heads, d);
    }

    public static void Backward(IBackend be, Tensor dOutput, Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                                Tensor contentAttn, Tensor attn, Tensor dqk, Tensor dv, Tensor dPosAttn, Tensor dGates)
    {
        var (b, n, dim, d) = Geometry(qk, v, posAttn, gates, heads, scale);
        AttentionShapes.Require(dOutput, nameof(dOutput), b, n, dim);
        AttentionShapes.Require(contentAttn, nameof(contentAttn), b, heads, n, n);
        AttentionShapes.Require(attn, nameof(attn), b, heads, n, n);
        AttentionShapes.Require(dqk, nameof(dqk), b, n, 2 * dim);
        AttentionShapes.Require(dv, nameof(dv), b, n, dim);
        AttentionShapes.Require(dPosAttn, nameof(dPosAttn), heads, n, n);
        AttentionShapes.Require(dGates, nameof(dGates), heads);
        using var q = Heads(be, qk, 0, dim, b, n, heads, d);
        using var k = Heads(be, qk, dim, dim, b, n, heads, d);
        using var vh = Heads(be, v, 0, dim, b, n, heads, d);
        using var dO = Heads(be, dOutput, 0, dim, b, n, heads, d);
        using var a3 = attn.Reshape(b * heads, n, n);

        // dV = attnᵀ·dO; dA = dO·Vᵀ.
        using var dvh = be.Empty(DType.Float32, [b * heads, n, d]);
        be.MatMul(a3, true, dO, false, dvh);
        Merge(be, dvh, dv, b, n, heads, d);
        using var dA = be.Empty(DType.Float32, [b, heads, n, n]);
        using var dA3 = dA.Reshape(b * heads, n, n);
        be.MatMul(dO, false, vh, true, dA3);

        // Renormalisation: attn = u / S, S = Σ_j u  ⇒  du = (dA − Σ_j dA·attn) / S.
        using var sigma = be.Empty(DType.Float32, [heads]);
        be.Unary(UnaryOp.Sigmoid, gates, sigma);
        using var u = Mix(be, contentAttn, posAttn, sigma, b, heads, n);
        using var rowSum = be.Empty(DType.Float32, [b, heads, n, 1]);
        be.Reduce(ReduceOp.Sum, u, 3, rowSum);
        using var prod = be.Empty(DType.Float32, [b, heads, n, n]);
        be.Binary(BinaryOp.Mul, dA, attn, prod);
        using var dot = be.Empty(DType.Float32, [b, heads, n, 1]);
        be.Reduce(ReduceOp.Sum, prod, 3, dot);
        using var du = be.Empty(DType.Float32, [b, heads, n, n]);
        be.Binary(BinaryOp.Sub, dA, dot, du);
        be.Binary(BinaryOp.Div, du, rowSum, du);

        // u = (1 − σ)·c + σ·p: dp = Σ_b σ·du, dσ = Σ du·(p − c), dc = (1 − σ)·du.
        using var sig4 = sigma.Reshape(1, heads, 1, 1);
        using var pos4 = posAttn.Reshape(1, heads, n, n);
        using var dpBatch = be.Empty(DType.Float32, [b, heads, n, n]);
        be.Binary(BinaryOp.Mul, du, sig4, dpBatch);
        using var dPos4 = dPosAttn.Reshape(1, heads, n, n);
        be.SumToShape(dpBatch, dPos4);
        using var diff = be.Empty(DType.Float32, [b, heads, n, n]);
        be.Binary(BinaryOp.Sub, pos4, contentAttn, diff);
        be.Binary(BinaryOp.Mul, diff, du, diff);
        using var dSigma = be.Empty(DType.Float32, [heads]);
        using var dSigma4 = dSigma.Reshape(1, heads, 1, 1);
        be.SumToShape(diff, dSigma4);
        be.UnaryBackward(UnaryOp.Sigmoid, gates, sigma, dSigma, dGates);
        using var oneMinus = be.Empty(DType.Float32, [1, heads, 1, 1]);
        be.Affine(sig4, -1, 1, oneMinus);
        using var dc = be.Empty(DType.Float32, [b, heads, n, n]);
        be.Binary(BinaryOp.Mul, du, oneMinus, dc);

        // Content softmax backward, then the scaled Q·Kᵀ: dQ = scale·dS·K, dK = scale·dSᵀ·Q.
        using var dS = be.Empty(DType.Float32, [b, heads, n, n]);
        using var cRows = contentAttn.Reshape(b * heads * n, n);
        using var dcRows = dc.Reshape(b * heads * n, n);
        using var dSRows = dS.Reshape(b * heads * n, n);
        be.SoftmaxBackward(cRows, dcRows, dSRows);
        using var dS3 = dS.Reshape(b * heads, n, n);
        using var dq = be.Empty(DType.Float32, [b * heads, n, d]);
        be.MatMul(dS3, false, k, false, dq, scale);
        using var dk = be.Empty(DType.Float32, [b * heads, n, d]);
        be.MatMul(dS3, true, q, false, dk, scale);
        using var dqSlice = dqk.Slice(2, 0, dim);
        using var dkSlice = dqk.Slice(2, dim, dim);
        Merge(be, dq, dqSlice, b, n, heads, d);
        Merge(be, dk, dkSlice, b, n, heads, d);
    }

    private static (int B, int N, int Dim, int D) Geometry(Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale)
    {
        AttentionShapes.RequireRank(qk, nameof(qk), 3, "[B, N, 2D]");
        int b = qk.Shape[0], n = qk.Shape[1];
        if (qk.Shape[2] % 2 != 0) throw new ArgumentException($"qk has shape {Shape.Format(qk.Shape)}; its last axis 2D must be even.", nameof(qk));
        int dim = qk.Shape[2] / 2;
        int d = AttentionShapes.HeadDim(heads, dim, "D");
        AttentionShapes.RequireScale(scale);
        AttentionShapes.Require(qk, nameof(qk), b, n, 2 * dim);
        AttentionShapes.Require(v, nameof(v), b, n, dim);
        AttentionShapes.Require(posAttn, nameof(posAttn), heads, n, n);
        AttentionShapes.Require(gates, nameof(gates), heads);
        return (b, n, dim, d);
    }

    /// <summary>Channels [start, start + dim) of x [B, N, ≥dim] as a contiguous [B·H, N, d] (head-major).</summary>
    private static Tensor Heads(IBackend be, Tensor x, int start, int dim, int b, int n, int heads, int d)
    {
        using var slice = x.Slice(2, start, dim);
        using var dense = be.Empty(DType.Float32, [b, n, dim]);
        be.Copy(slice, dense);
        using var split = dense.Reshape(b, n, heads, d);
        using var permuted = split.Permute(0, 2, 1, 3);
        var result = be.Empty(DType.Float32, [b * heads, n, d]);
        using var target = result.Reshape(b, heads, n, d);
        be.Copy(permuted, target);
        return result;
    }

    /// <summary>Heads [B·H, N, d] concatenated into destination [B, N, H·d] (any strided view of that shape).</summary>
    private static void Merge(IBackend be, Tensor heads4, Tensor destination, int b, int n, int heads, int d)
    {
        using var split = heads4.Reshape(b, heads, n, d);
        using var permuted = split.Permute(0, 2, 1, 3);
        using var dense = be.Empty(DType.Float32, [b, n, heads, d]);
        be.Copy(permuted, dense);
        using var flat = dense.Reshape(b, n, heads * d);
        be.Copy(flat, destination);
    }

    /// <summary>u = (1 − σ_h)·content + σ_h·pos, [B, H, N, N].</summary>
    private static Tensor Mix(IBackend be, Tensor content, Tensor pos, Tensor sigma, int b, int heads, int n)
    {
        using var sig4 = sigma.Reshape(1, heads, 1, 1);
        using var pos4 = pos.Reshape(1, heads, n, n);
        using var oneMinus = be.Empty(DType.Float32, [1, heads, 1, 1]);
        be.Affine(sig4, -1, 1, oneMinus);
        var u = be.Empty(DType.Float32, [b, heads, n, n]);
        be.Binary(BinaryOp.Mul, content, oneMinus, u);
        using var weighted = be.Empty(DType.Float32, [1, heads, n, n]);
        be.Binary(BinaryOp.Mul, pos4, sig4, weighted);
        be.Binary(BinaryOp.Add, u, weighted, u);
        return u;
    }
}
