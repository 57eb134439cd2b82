// optimizers.cu: float32 AdamW and SGD steps of the CUDA backend, element by element with torch's
// (single-tensor, vectorised CPU kernel) order of operations. Every operation is an explicitly rounded
// intrinsic (__fmul_rn, __fadd_rn, __fdiv_rn, __fsqrt_rn) or an explicit fmaf where torch fuses (lerp,
// add with alpha), so nothing is contracted behind our back: the results round exactly like the CPU
// backend's loops (which match torch.optim bit for bit).
//
// Launch: grid-stride 1-D loops. adamw_multi_f32 updates many parameters in one launch: blockIdx.y picks
// an entry of a device-side table of (param, grad, m, v, n), blockIdx.x/threadIdx.x stride over it.
#include "common.cuh"

// One tensor of a multi-tensor AdamW launch (40 bytes; mirrored by AdamWTableEntry in C#).
struct AdamWEntry {
    float* param;
    const float* grad;
    float* m;
    float* v;
    long long n;
};

// The scalars of one AdamW step, formed in double on the host and rounded once (as torch does).
struct AdamWScalars {
    float decay;      // 1 − lr·wd
    float w1;         // 1 − β1
    float b2;         // β2
    float w2;         // 1 − β2
    float neg_step;   // −lr / (1 − β1^t)
    float bc2_sqrt;   // √(1 − β2^t)
    float eps;
    int lerp_low;     // 1 − β1 < 0.5: lerp's low-weight form
};

__device__ __forceinline__ void adamw_element(float* p, const float* g, float* m, float* v, long long i, const AdamWScalars& h) {
    const float gi = g[i];
    const float pi = __fmul_rn(p[i], h.decay);
    float mi = m[i];
    // torch.lerp: fma(w, end − start, start) for |w| < ½, else fma(w − 1, end − start, end).
    if (h.lerp_low) {
        mi = fmaf(h.w1, __fsub_rn(gi, mi), mi);
    } else {
        mi = fmaf(__fsub_rn(h.w1, 1.0f), __fsub_rn(gi, mi), gi);
    }
    const float vi = __fadd_rn(__fmul_rn(v[i], h.b2), __fmul_rn(__fmul_rn(h.w2, gi), gi));
    const float denom = __fadd_rn(__fdiv_rn(__fsqrt_rn(vi), h.bc2_sqrt), h.eps);
    p[i] = __fadd_rn(pi, __fdiv_rn(__fmul_rn(h.neg_step, mi), denom));
    m[i] = mi;
    v[i] = vi;
}

// budget: registers <= 48
extern "C" __global__ void adamw_f32(float* param, const float* grad, float* m, float* v, long long n, AdamWScalars h) {
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        adamw_element(param, grad, m, v, i, h);
    }
}

// budget: registers <= 48
extern "C" __global__ void adamw_multi_f32(const AdamWEntry* table, int count, AdamWScalars h) {
    const int t = blockIdx.y;
    if (t >= count) return;
    const AdamWEntry e = table[t];
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < e.n; i += step) {
        adamw_element(e.param, e.grad, e.m, e.v, i, h);
    }
}

// SGD with coupled weight decay, momentum (first step: buf = d) and Nesterov; flags bit 0 decay,
// bit 1 momentum, bit 2 first step, bit 3 nesterov. buf may be null without momentum.
// budget: registers <= 32
extern "C" __global__ void sgd_f32(float* param, const float* grad, float* buf, long long n,
                                   float wd, float momentum, float neg_lr, int flags) {
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        float d = grad[i];
        // torch's add(…, alpha=a) is one fused multiply-add; buf.mul_(μ).add_(d) is two roundings.
        if (flags & 1) d = fmaf(param[i], wd, d);
        if (flags & 2) {
            const float b = (flags & 4) ? d : __fadd_rn(__fmul_rn(buf[i], momentum), d);
            buf[i] = b;
            d = (flags & 8) ? fmaf(b, momentum, d) : b;
        }
        param[i] = fmaf(d, neg_lr, param[i]);
    }
}
