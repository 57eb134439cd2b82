using System.Numerics;
using System.Runtime.CompilerServices;

namespace DyTox.Tensor.Cpu.Attention;

/// <summary>
/// The per-row element-wise work of GPSA, fused into a few SIMD passes over one attention row of length n
/// (whole registers, then a scalar tail with the same formulas). Sums accumulate lane-wise, then across lanes,
/// then over the tail, in that fixed order. The forward's row sum of the gated mix and the backward's
/// recomputation of it share <see cref="MixRow"/>, so the backward divides by exactly the forward's bits.
/// </summary>
internal static unsafe class GpsaRows<T, TVec, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVec : unmanaged
    where TOps : struct, IVectorOps<T, TVec>
{
    /// <summary>content = softmax(scores); mix = (1−σ)·content + σ·pos; attn = mix / Σ mix.</summary>
    public static void Forward(T* scores, T* pos, T* content, T* attn, int n, T keep, T sigma)
    {
        int w = TOps.Count, i = 0;
        T max = T.NegativeInfinity;
        if (n >= w)
        {
            TVec mv = TOps.Load(scores);
            for (i = w; i + w <= n; i += w) mv = TOps.Max(mv, TOps.Load(scores + i));
            max = TOps.MaxAcross(mv);
            i = n / w * w;
        }
        for (; i < n; i++) max = T.Max(max, scores[i]);

        TVec shift = TOps.Splat(max), acc = TOps.Zero;
        for (i = 0; i + w <= n; i += w)
        {
            TVec e = TOps.Exp(TOps.Subtract(TOps.Load(scores + i), shift));
            TOps.Store(e, content + i);
            acc = TOps.Add(acc, e);
        }
        T sum = TOps.Sum(acc);
        for (; i < n; i++) sum += content[i] = T.Exp(scores[i] - max);

        // Normalise by multiplying with the reciprocal (one division per row instead of one per element).
        T inverse = T.One / sum;
        TVec inv = TOps.Splat(inverse);
        for (i = 0; i + w <= n; i += w) TOps.Store(TOps.Multiply(TOps.Load(content + i), inv), content + i);
        for (; i < n; i++) content[i] *= inverse;

        T rowSum = MixRow(content, pos, n, keep, sigma, attn);
        TVec rs = TOps.Splat(rowSum);
        for (i = 0; i + w <= n; i += w) TOps.Store(TOps.Divide(TOps.Load(attn + i), rs), attn + i);
        for (; i < n; i++) attn[i] /= rowSum;
    }

    /// <summary>Σ_j mix_j with mix = (1−σ)·content + σ·pos (stored into <paramref name="mix"/> unless null).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T MixRow(T* content, T* pos, int n, T keep, T sigma, T* mix)
    {
        int w = TOps.Count, i = 0;
        TVec k = TOps.Splat(keep), s = TOps.Splat(sigma), acc = TOps.Zero;
        for (; i + w <= n; i += w)
        {
            TVec m = TOps.MultiplyAdd(s, TOps.Load(pos + i), TOps.Multiply(k, TOps.Load(content + i)));
            if (mix != null) TOps.Store(m, mix + i);
            acc = TOps.Add(acc, m);
        }
        T sum = TOps.Sum(acc);
        for (; i < n; i++)
        {
            T m = T.FusedMultiplyAdd(sigma, pos[i], keep * content[i]);
            if (mix != null) mix[i] = m;
            sum += m;
        }
        return sum;
    }

    /// <summary>
    /// One row of the GPSA backward. In: <paramref name="grad"/> = dA (gradient w.r.t. attn). Out: grad = dS (gradient
    /// w.r.t. the content scores); dPos (+)= σ·dmix; gateAcc/gateTail += dmix∘(pos − content), where
    /// dmix = (dA − Σ dA∘attn) / Σ mix.
    /// </summary>
    public static void Backward(T* grad, T* attn, T* content, T* pos, T* dPos, bool assignPos, int n, T keep, T sigma,
                                ref TVec gateAcc, ref T gateTail)
    {
        int w = TOps.Count, i;
        T rowSum = MixRow(content, pos, n, keep, sigma, null);

        TVec acc = TOps.Zero;
        for (i = 0; i + w <= n; i += w) acc = TOps.MultiplyAdd(TOps.Load(grad + i), TOps.Load(attn + i), acc);
        T dot = TOps.Sum(acc);
        for (; i < n; i++) dot += grad[i] * attn[i];

        TVec dv = TOps.Splat(dot), rs = TOps.Splat(rowSum), sg = TOps.Splat(sigma), kp = TOps.Splat(keep), cacc = TOps.Zero, gacc = gateAcc;
        for (i = 0; i + w <= n; i += w)
        {
            TVec dm = TOps.Divide(TOps.Subtract(TOps.Load(grad + i), dv), rs);
            TVec c = TOps.Load(content + i);
            TOps.Store(assignPos ? TOps.Multiply(sg, dm) : TOps.MultiplyAdd(sg, dm, TOps.Load(dPos + i)), dPos + i);
            gacc = TOps.MultiplyAdd(dm, TOps.Subtract(TOps.Load(pos + i), c), gacc);
            TVec dc = TOps.Multiply(kp, dm);
            TOps.Store(dc, grad + i);
            cacc = TOps.MultiplyAdd(dc, c, cacc);
        }
        gateAcc = gacc;
        T cdot = TOps.Sum(cacc);
        for (; i < n; i++)
        {
            T dm = (grad[i] - dot) / rowSum;
            dPos[i] = assignPos ? sigma * dm : T.FusedMultiplyAdd(sigma, dm, dPos[i]);
            gateTail = T.FusedMultiplyAdd(dm, pos[i] - content[i], gateTail);
            T dc = keep * dm;
            grad[i] = dc;
            cdot = T.FusedMultiplyAdd(dc, content[i], cdot);
        }

        TVec cd = TOps.Splat(cdot);
        for (i = 0; i + w <= n; i += w)
            TOps.Store(TOps.Multiply(TOps.Load(content + i), TOps.Subtract(TOps.Load(grad + i), cd)), grad + i);
        for (; i < n; i++) grad[i] = content[i] * (grad[i] - cdot);
    }
}
