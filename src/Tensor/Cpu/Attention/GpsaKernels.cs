using System.Numerics;
using System.Numerics.Tensors;

namespace DyTox.Tensor.Cpu.Attention;

/// <summary>Extents of one GPSA call: qk [B, N, 2D], v [B, N, D], H heads of width d = D / H.</summary>
internal readonly record struct GpsaDims(int Batch, int Tokens, int Dim, int Heads)
{
    public int HeadDim => Dim / Heads;

    /// <summary>Samples per reduction chunk of the backward: a constant, so the order in which the batch
    /// partials of dPosAttn and dGates are summed never depends on the thread count.</summary>
    public const int SamplesPerChunk = 4;

    public int Chunks => (Batch + SamplesPerChunk - 1) / SamplesPerChunk;
}

/// <summary>
/// Gated positional self-attention (dytox-spec §1.4, engine guide §3.4) for one (sample, head) at a time,
/// on packed per-head scratch:
/// <code>
/// content = softmax_j(scale·Q·Kᵀ)        mix = (1−σ)·content + σ·pos        s_i = Σ_j mix_ij
/// attn    = mix / s                      out = attn·V                        (σ = sigmoid(gate_h))
/// </code>
/// Backward (dO given): dV = attnᵀ·dO, dA = dO·Vᵀ; the renormalisation is differentiated exactly as the
/// forward computes it, dmix = (dA − rowsum(dA∘attn)) / s (for pos inputs whose rows do not sum to one this
/// term is real); dpos = σ·dmix, dσ = Σ dmix∘(pos − content), dgate = σ(1−σ)·dσ; dcontent = (1−σ)·dmix;
/// dS = content∘(dcontent − rowsum(dcontent∘content)); dQ = scale·dS·K, dK = scale·dSᵀ·Q.
/// </summary>
internal static unsafe class GpsaKernels<T, TVec, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVec : unmanaged
    where TOps : struct, IVectorOps<T, TVec>
{
    private static T Sigmoid(T g) => T.One / (T.One + T.Exp(-g));

    public static void Forward(GpsaDims dims, T* qk, T* v, T* pos, T* gates, T scale, T* content, T* attn, T* output)
    {
        int n = dims.Tokens, d = dims.HeadDim, heads = dims.Heads, dim = dims.Dim;
        int w = TOps.Count, np = HeadPacking.Padded(n, w), dp = HeadPacking.Padded(d, w);
        // Scratch: Kᵀ [d, np], V [n, dp], scores [n, np], head output [n, dp].
        int scratch = d * np + n * dp + n * np + n * dp;
        nint qkAddr = (nint)qk, vAddr = (nint)v, posAddr = (nint)pos, gAddr = (nint)gates;
        nint cAddr = (nint)content, aAddr = (nint)attn, oAddr = (nint)output;
        AttentionParallel.For<T>(dims.Batch * heads, scratch, (item, buffer) =>
        {
            int b = item / heads, h = item % heads;
            fixed (T* s0 = buffer)
            {
                T* kt = s0, vp = kt + d * np, scores = vp + n * dp, o = scores + n * np;
                T* qkB = (T*)qkAddr + (nint)b * n * 2 * dim;
                T* q = qkB + h * d, k = qkB + dim + h * d;
                HeadPacking.PackTransposed(k, 2 * dim, n, d, kt, np);
                HeadPacking.PackRows((T*)vAddr + (nint)b * n * dim + h * d, dim, n, d, vp, dp);

                PackedGemm<T, TVec, TOps>.Multiply(q, 2 * dim, 1, kt, np, scores, np, n, np / w, d, scale);

                T sigma = Sigmoid(((T*)gAddr)[h]), keep = T.One - sigma;
                nint plane = ((nint)b * heads + h) * n * n;
                for (int i = 0; i < n; i++)
                {
                    var cRow = new Span<T>((T*)cAddr + plane + (nint)i * n, n);
                    var aRow = new Span<T>((T*)aAddr + plane + (nint)i * n, n);
                    var pRow = new ReadOnlySpan<T>((T*)posAddr + ((nint)h * n + i) * n, n);
                    RowMath.Softmax(new ReadOnlySpan<T>(scores + (nint)i * np, n), cRow);
                    T rowSum = RowMath.Mix(cRow, pRow, keep, sigma, aRow);
                    TensorPrimitives.Divide(aRow, rowSum, aRow);
                }

                PackedGemm<T, TVec, TOps>.Multiply((T*)aAddr + plane, n, 1, vp, dp, o, dp, n, dp / w, n, T.One);
                HeadPacking.UnpackRows(o, dp, n, d, (T*)oAddr + (nint)b * n * dim + h * d, dim);
            }
        });
    }

    /// <summary>Per-chunk partials: dPosPartial [chunks, H, N, N], dGatePartial [chunks, H] (Σ dmix∘(pos − content)).
    /// The caller reduces them over chunks in order.</summary>
    public static void Backward(GpsaDims dims, T* dOut, T* qk, T* v, T* pos, T* gates, T scale, T* content, T* attn,
                                T* dqk, T* dv, T* dPosPartial, T* dGatePartial)
    {
        int n = dims.Tokens, d = dims.HeadDim, heads = dims.Heads, dim = dims.Dim, batch = dims.Batch;
        int w = TOps.Count, np = HeadPacking.Padded(n, w), dp = HeadPacking.Padded(d, w);
        // Scratch: Vᵀ [d, np], dO [n, dp], K [n, dp], Q [n, dp], dA/dS [n, np], head result [n, dp], row temp [np].
        int scratch = d * np + 4 * n * dp + n * np + np;
        nint dOutAddr = (nint)dOut, qkAddr = (nint)qk, vAddr = (nint)v, posAddr = (nint)pos, gAddr = (nint)gates;
        nint cAddr = (nint)content, aAddr = (nint)attn, dqkAddr = (nint)dqk, dvAddr = (nint)dv;
        nint dPosAddr = (nint)dPosPartial, dGateAddr = (nint)dGatePartial;
        AttentionParallel.For<T>(dims.Chunks * heads, scratch, (item, buffer) =>
        {
            int chunk = item / heads, h = item % heads;
            T sigma = Sigmoid(((T*)gAddr)[h]), keep = T.One - sigma;
            T* dPos = (T*)dPosAddr + ((nint)chunk * heads + h) * n * n;
            T gateSum = T.Zero;
            fixed (T* s0 = buffer)
            {
                T* vt = s0, dop = vt + d * np, kp = dop + n * dp, qp = kp + n * dp, ds = qp + n * dp, r = ds + n * np, tmp = r + n * dp;
                int first = chunk * GpsaDims.SamplesPerChunk, last = Math.Min(batch, first + GpsaDims.SamplesPerChunk);
                for (int b = first; b < last; b++)
                {
                    T* qkB = (T*)qkAddr + (nint)b * n * 2 * dim;
                    T* dO = (T*)dOutAddr + (nint)b * n * dim + h * d;
                    HeadPacking.PackTransposed((T*)vAddr + (nint)b * n * dim + h * d, dim, n, d, vt, np);
                    HeadPacking.PackRows(dO, dim, n, d, dop, dp);
                    HeadPacking.PackRows(qkB + dim + h * d, 2 * dim, n, d, kp, dp);
                    HeadPacking.PackRows(qkB + h * d, 2 * dim, n, d, qp, dp);
                    nint plane = ((nint)b * heads + h) * n * n;
                    T* a = (T*)aAddr + plane, c = (T*)cAddr + plane;

                    // dV = attnᵀ·dO (A read transposed through its strides).
                    PackedGemm<T, TVec, TOps>.Multiply(a, 1, n, dop, dp, r, dp, n, dp / w, n, T.One);
                    HeadPacking.UnpackRows(r, dp, n, d, (T*)dvAddr + (nint)b * n * dim + h * d, dim);

                    // dA = dO·Vᵀ.
                    PackedGemm<T, TVec, TOps>.Multiply(dO, dim, 1, vt, np, ds, np, n, np / w, d, T.One);

                    for (int i = 0; i < n; i++)
                    {
                        var aRow = new ReadOnlySpan<T>(a + (nint)i * n, n);
                        var cRow = new ReadOnlySpan<T>(c + (nint)i * n, n);
                        var pRow = new ReadOnlySpan<T>((T*)posAddr + ((nint)h * n + i) * n, n);
                        var dRow = new Span<T>(ds + (nint)i * np, n);
                        var t = new Span<T>(tmp, n);
                        var dPosRow = new Span<T>(dPos + (nint)i * n, n);

                        // The forward's row sum, recomputed with the same operations (same bits).
                        T rowSum = RowMath.Mix(cRow, pRow, keep, sigma, t);
                        // attn = mix / s  ⇒  dmix = (dA − Σ dA∘attn) / s.
                        T dot = TensorPrimitives.Dot(dRow, aRow);
                        TensorPrimitives.Subtract(dRow, dot, dRow);
                        TensorPrimitives.Divide(dRow, rowSum, dRow);
                        // dpos += σ·dmix (the chunk's first sample assigns).
                        if (b == first) TensorPrimitives.Multiply(dRow, sigma, dPosRow);
                        else TensorPrimitives.MultiplyAdd(dRow, sigma, dPosRow, dPosRow);
                        // dσ += Σ dmix∘(pos − content).
                        TensorPrimitives.Subtract(pRow, cRow, t);
                        gateSum += TensorPrimitives.Dot(dRow, t);
                        // dcontent = (1−σ)·dmix; softmax backward into dS (in place over dA).
                        TensorPrimitives.Multiply(dRow, keep, t);
                        T cdot = TensorPrimitives.Dot(t, cRow);
                        TensorPrimitives.Subtract(t, cdot, t);
                        TensorPrimitives.Multiply(t, cRow, dRow);
                    }

                    // dQ = scale·dS·K ; dK = scale·dSᵀ·Q.
                    PackedGemm<T, TVec, TOps>.Multiply(ds, np, 1, kp, dp, r, dp, n, dp / w, n, scale);
                    HeadPacking.UnpackRows(r, dp, n, d, (T*)dqkAddr + (nint)b * n * 2 * dim + h * d, 2 * dim);
                    PackedGemm<T, TVec, TOps>.Multiply(ds, 1, np, qp, dp, r, dp, n, dp / w, n, scale);
                    HeadPacking.UnpackRows(r, dp, n, d, (T*)dqkAddr + (nint)b * n * 2 * dim + dim + h * d, 2 * dim);
                }
            }
            ((T*)dGateAddr)[chunk * heads + h] = gateSum;
        });
    }

    /// <summary>dPosAttn[h] = Σ_chunk partial[chunk, h] and dGates[h] = σ'(g_h)·Σ_chunk gatePartial[chunk, h],
    /// chunks summed in increasing order.</summary>
    public static void ReduceChunks(GpsaDims dims, T* gates, T* dPosPartial, T* dGatePartial, T* dPos, T* dGates)
    {
        int n = dims.Tokens, heads = dims.Heads, chunks = dims.Chunks;
        long plane = (long)heads * n * n;
        nint partAddr = (nint)dPosPartial, dPosAddr = (nint)dPos;
        AttentionParallel.For<T>(heads * n, 0, (row, _) =>
        {
            var dst = new Span<T>((T*)dPosAddr + (nint)row * n, n);
            new ReadOnlySpan<T>((T*)partAddr + (nint)row * n, n).CopyTo(dst);
            for (int c = 1; c < chunks; c++)
                TensorPrimitives.Add(dst, new ReadOnlySpan<T>((T*)partAddr + (nint)(c * plane) + (nint)row * n, n), dst);
        });
        for (int h = 0; h < heads; h++)
        {
            T sum = T.Zero;
            for (int c = 0; c < chunks; c++) sum += dGatePartial[c * heads + h];
            T sigma = Sigmoid(gates[h]);
            dGates[h] = sigma * (T.One - sigma) * sum;
        }
    }
}
