using System.Numerics;
using System.Runtime.Intrinsics;

namespace DyTox.Tensor.Cpu;

// Optimiser steps, element by element in the parameter's dtype with torch's (single-tensor, CPU) order of
// operations, so that float32 results round like torch.optim's (including the FMA of its vectorised lerp).
public sealed unsafe partial class CpuBackend
{
    public void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWHyper hyper)
    {
        const string op = "AdamWStep";
        RequireContiguous((param, nameof(param)), (grad, nameof(grad)), (m, nameof(m)), (v, nameof(v)));
        var dtype = FloatingDType(op, param, nameof(param), (grad, nameof(grad)), (m, nameof(m)), (v, nameof(v)));
        RequireSameShape(op, param, nameof(param), grad, nameof(grad));
        RequireSameShape(op, param, nameof(param), m, nameof(m));
        RequireSameShape(op, param, nameof(param), v, nameof(v));
        if (hyper.Step < 1) throw new ArgumentOutOfRangeException(nameof(hyper), $"{op}: Step is {hyper.Step}; expected the 1-based count of steps taken including this one.");
        if (dtype == DType.Float32) AdamWImpl<float>(param, grad, m, v, hyper);
        else AdamWImpl<double>(param, grad, m, v, hyper);
    }

    public void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, SgdHyper hyper)
    {
        const string op = "SgdStep";
        RequireContiguous((param, nameof(param)), (grad, nameof(grad)), (momentumBuffer, nameof(momentumBuffer)));
        var dtype = FloatingDType(op, param, nameof(param), (grad, nameof(grad)), (momentumBuffer, nameof(momentumBuffer)));
        RequireSameShape(op, param, nameof(param), grad, nameof(grad));
        if (momentumBuffer is not null) RequireSameShape(op, param, nameof(param), momentumBuffer, nameof(momentumBuffer));
        else if (hyper.Momentum != 0) throw new ArgumentNullException(nameof(momentumBuffer), $"{op}: momentum is {hyper.Momentum}, which needs a momentum buffer shaped like param {Shape.Format(param.Shape)}.");
        if (dtype == DType.Float32) SgdImpl<float>(param, grad, momentumBuffer, hyper);
        else SgdImpl<double>(param, grad, momentumBuffer, hyper);
    }

    private static void AdamWImpl<T>(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWHyper h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* p = (T*)param.Address, g = (T*)grad.Address, pm = (T*)m.Address, pv = (T*)v.Address;
        // Scalars are formed in double (as torch does in Python) and rounded once to the dtype.
        T decay = T.CreateTruncating(1 - h.LearningRate * h.WeightDecay);
        T w1 = T.CreateTruncating(1 - h.Beta1);
        T b2 = T.CreateTruncating(h.Beta2), w2 = T.CreateTruncating(1 - h.Beta2);
        double bc1 = 1 - Math.Pow(h.Beta1, h.Step), bc2 = 1 - Math.Pow(h.Beta2, h.Step);
        T negStep = T.CreateTruncating(-(h.LearningRate / bc1));
        T bc2Sqrt = T.CreateTruncating(Math.Sqrt(bc2));
        T eps = T.CreateTruncating(h.Epsilon);
        bool lerpLow = 1 - h.Beta1 < 0.5;
        ForChunks(param.Numel, 8, (start, len) =>
        {
            T* ps = p + start, gs = g + start, ms = pm + start, vs = pv + start;
            int w = Vector512<T>.Count, i = 0;
            if (lerpLow)
            {
                var vdecay = Vector512.Create(decay);
                var vw1 = Vector512.Create(w1);
                var vb2 = Vector512.Create(b2);
                var vw2 = Vector512.Create(w2);
                var vneg = Vector512.Create(negStep);
                var vbc = Vector512.Create(bc2Sqrt);
                var veps = Vector512.Create(eps);
                for (; i <= len - w; i += w)
                {
                    var gi = Vector512.Load(gs + i);
                    var mi = Vector512.Load(ms + i);
                    var vi = Vector512.Load(vs + i);
                    var pi = Vector512.Load(ps + i) * vdecay;
                    mi = Simd.FusedMultiplyAdd(vw1, gi - mi, mi);
                    vi = vi * vb2 + vw2 * gi * gi;
                    var denom = Vector512.Sqrt(vi) / vbc + veps;
                    pi += vneg * mi / denom;
                    mi.Store(ms + i);
                    vi.Store(vs + i);
                    pi.Store(ps + i);
                }
            }
            for (; i < len; i++)
            {
                T gi = gs[i];
                T pi = ps[i] * decay;                                    // param.mul_(1 − lr·wd)
                T mi = Lerp(ms[i], gi, w1);                              // exp_avg.lerp_(grad, 1 − β1)
                T vi = vs[i] * b2 + w2 * gi * gi;                        // exp_avg_sq.mul_(β2).addcmul_(g, g, 1 − β2)
                T denom = T.Sqrt(vi) / bc2Sqrt + eps;                    // (√v / √bc2).add_(eps)
                ps[i] = pi + negStep * mi / denom;                       // param.addcdiv_(m, denom, −lr/bc1)
                ms[i] = mi;
                vs[i] = vi;
            }
        });
    }

    /// <summary>torch.lerp as its vectorised CPU kernel computes it: fma(w, end − start, start) for |w| &lt; ½,
    /// else fma(w − 1, end − start, end) (exact at both ends).</summary>
    private static T Lerp<T>(T start, T end, T weight) where T : unmanaged, IFloatingPointIeee754<T> =>
        T.Abs(weight) < T.CreateTruncating(0.5)
            ? T.FusedMultiplyAdd(weight, end - start, start)
            : T.FusedMultiplyAdd(weight - T.One, end - start, end);

    private static void SgdImpl<T>(Tensor param, Tensor grad, Tensor? momentumBuffer, SgdHyper h) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* p = (T*)param.Address, g = (T*)grad.Address;
        T* buf = momentumBuffer is null ? null : (T*)momentumBuffer.Address;
        T wd = T.CreateTruncating(h.WeightDecay), mom = T.CreateTruncating(h.Momentum), negLr = T.CreateTruncating(-h.LearningRate);
        bool useDecay = h.WeightDecay != 0, useMomentum = h.Momentum != 0;
        ForChunks(param.Numel, 4, (start, len) =>
        {
            for (long i = start; i < start + len; i++)
            {
                // torch's add(…, alpha=a) is one fused multiply-add in its vectorised CPU kernel.
                T d = g[i];
                if (useDecay) d = T.FusedMultiplyAdd(p[i], wd, d);      // grad.add(param, alpha=wd)
                if (useMomentum)
                {
                    T b = h.FirstStep ? d : buf[i] * mom + d;            // clone, or buf.mul_(μ).add_(d)
                    buf[i] = b;
                    d = h.Nesterov ? T.FusedMultiplyAdd(b, mom, d) : b;  // d.add(buf, alpha=μ)
                }
                p[i] = T.FusedMultiplyAdd(d, negLr, p[i]);               // param.add_(d, alpha=−lr)
            }
        });
    }
}
