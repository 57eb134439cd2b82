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
/// Gated positional self-attention (dytox-spec §1.4, engine guide §3.4), one (sample, head) at a time: the
/// products run on <see cref="PackedGemm{T,TVec,TOps}"/> (Kᵀ and Vᵀ transposed into scratch; other operands read in
/// place when the head width is a whole number of registers, else packed), the row work in <see cref="GpsaRows{T,TVec,TOps}"/>:
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
                T* vB = HeadPacking.RowOperand((T*)vAddr + (nint)b * n * dim + h * d, dim, n, d, vp, dp, out nint ldv);

                PackedGemm<T, TVec, TOps>.Multiply(q, 2 * dim, 1, kt, np, scores, np, n, np / w, d, scale);

                T sigma = Sigmoid(((T*)gAddr)[h]), keep = T.One - sigma;
                nint plane = ((nint)b * heads + h) * n * n;
                for (int i = 0; i < n; i++)
                    GpsaRows<T, TVec, TOps>.Forward(scores + (nint)i * np, (T*)posAddr + ((nint)h * n + i) * n,
                                                    (T*)cAddr + plane + (nint)i * n, (T*)aAddr + plane + (nint)i * n, n, keep, sigma);

                // out = attn·V, straight into the output's columns of head h when d is a whole number of registers.
                T* outHead = (T*)oAddr + (nint)b * n * dim + h * d;
                bool direct = d == dp;
                PackedGemm<T, TVec, TOps>.Multiply((T*)aAddr + plane, n, 1, vB, ldv, direct ? outHead : o, direct ? dim : dp, n, dp / w, n, T.One);
                if (!direct) HeadPacking.UnpackRows(o, dp, n, d, outHead, dim);
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
        // Scratch: Vᵀ [d, np], dO [n, dp], K [n, dp], Q [n, dp], dA/dS [n, np], head result [n, dp].
        int scratch = d * np + 4 * n * dp + n * np;
        nint dOutAddr = (nint)dOut, qkAddr = (nint)qk, vAddr = (nint)v, posAddr = (nint)pos, gAddr = (nint)gates;
        nint cAddr = (nint)content, aAddr = (nint)attn, dqkAddr = (nint)dqk, dvAddr = (nint)dv;
        nint dPosAddr = (nint)dPosPartial, dGateAddr = (nint)dGatePartial;
        AttentionParallel.For<T>(dims.Chunks * heads, scratch, (item, buffer) =>
        {
            int chunk = item / heads, h = item % heads;
            T sigma = Sigmoid(((T*)gAddr)[h]), keep = T.One - sigma;
            T* dPos = (T*)dPosAddr + ((nint)chunk * heads + h) * n * n;
            // Σ dmix∘(pos − content) over the chunk: lane-wise accumulator plus the rows' scalar tails.
            TVec gateAcc = TOps.Zero;
            T gateTail = T.Zero;
            fixed (T* s0 = buffer)
            {
                T* vt = s0, dop = vt + d * np, kp = dop + n * dp, qp = kp + n * dp, ds = qp + n * dp, r = ds + n * np;
                int first = chunk * GpsaDims.SamplesPerChunk, last = Math.Min(batch, first + GpsaDims.SamplesPerChunk);
                for (int b = first; b < last; b++)
                {
                    T* qkB = (T*)qkAddr + (nint)b * n * 2 * dim;
                    T* dO = (T*)dOutAddr + (nint)b * n * dim + h * d;
                    HeadPacking.PackTransposed((T*)vAddr + (nint)b * n * dim + h * d, dim, n, d, vt, np);
                    T* dOB = HeadPacking.RowOperand(dO, dim, n, d, dop, dp, out nint lddo);
                    T* kB = HeadPacking.RowOperand(qkB + dim + h * d, 2 * dim, n, d, kp, dp, out nint ldk);
                    T* qB = HeadPacking.RowOperand(qkB + h * d, 2 * dim, n, d, qp, dp, out nint ldq);
                    nint plane = ((nint)b * heads + h) * n * n;
                    T* a = (T*)aAddr + plane, c = (T*)cAddr + plane;
                    bool direct = d == dp;
                    T* dvHead = (T*)dvAddr + (nint)b * n * dim + h * d;
                    T* dqHead = (T*)dqkAddr + (nint)b * n * 2 * dim + h * d, dkHead = dqHead + dim;

                    // dV = attnᵀ·dO (A read transposed through its strides).
                    PackedGemm<T, TVec, TOps>.Multiply(a, 1, n, dOB, lddo, direct ? dvHead : r, direct ? dim : dp, n, dp / w, n, T.One);
                    if (!direct) HeadPacking.UnpackRows(r, dp, n, d, dvHead, dim);

                    // dA = dO·Vᵀ.
                    PackedGemm<T, TVec, TOps>.Multiply(dO, dim, 1, vt, np, ds, np, n, np / w, d, T.One);

                    for (int i = 0; i < n; i++)
                        GpsaRows<T, TVec, TOps>.Backward(ds + (nint)i * np, a + (nint)i * n, c + (nint)i * n,
                                                         (T*)posAddr + ((nint)h * n + i) * n, dPos + (nint)i * n, b == first, n,
                                                         keep, sigma, ref gateAcc, ref gateTail);

                    // dQ = scale·dS·K ; dK = scale·dSᵀ·Q.
                    PackedGemm<T, TVec, TOps>.Multiply(ds, np, 1, kB, ldk, direct ? dqHead : r, direct ? 2 * dim : dp, n, dp / w, n, scale);
                    if (!direct) HeadPacking.UnpackRows(r, dp, n, d, dqHead, 2 * dim);
                    PackedGemm<T, TVec, TOps>.Multiply(ds, 1, np, qB, ldq, direct ? dkHead : r, direct ? 2 * dim : dp, n, dp / w, n, scale);
                    if (!direct) HeadPacking.UnpackRows(r, dp, n, d, dkHead, 2 * dim);
                }
            }
            ((T*)dGateAddr)[chunk * heads + h] = TOps.Sum(gateAcc) + gateTail;
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
