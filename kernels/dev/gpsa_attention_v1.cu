// dev/gpsa_attention_v1.cu: version 1 of the GPSA attention kernels, the naive port (llm.c dev/cuda style).
//
// Versions (each validated against CpuBackend at every block size tried, tests/DyTox.Kernels.Tests/Attention):
//   v1 (this file) one thread per query row, everything read from global memory, no shared memory:
//      the CPU loops transcribed. Backward: one thread per row (dS, dQ, dPos/gate partials), one thread per
//      (b, j, channel) for dV/dK, one thread per (h, i, j) for the batch reduction.
//   v2 (kernels/gpsa_attention.cu, promoted) one block per (b, h), K/V staged in padded shared memory with
//      16-byte loads, one warp per row with shuffle max/sum, coalesced row reads/writes.
// Same layouts and scratch conventions as v2 except the gate partials, here one per row [B, H, N].
#include "common.cuh"

__device__ __forceinline__ float gpsa_v1_sigmoid(float g) {
    return 1.0f / (1.0f + expf(-g));
}

// budget: registers <= 40
extern "C" __global__ void gpsa_positional_forward_v1_f32(float* pos, const float* rel, const float* w, const float* bias,
                                                          int heads, int n) {
    const int row = blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= heads * n) return;
    const int h = row / n, i = row - h * n;
    const float* r = rel + (long long)i * n * 3;
    float* p = pos + (long long)row * n;
    float m = __int_as_float(0xff800000);
    for (int j = 0; j < n; ++j) {
        p[j] = w[h * 3] * r[j * 3] + w[h * 3 + 1] * r[j * 3 + 1] + w[h * 3 + 2] * r[j * 3 + 2] + bias[h];
        m = fmaxf(m, p[j]);
    }
    float sum = 0.0f;
    for (int j = 0; j < n; ++j) {
        p[j] = expf(p[j] - m);
        sum += p[j];
    }
    for (int j = 0; j < n; ++j) p[j] /= sum;
}

// One thread per head.
// budget: registers <= 40
extern "C" __global__ void gpsa_positional_backward_v1_f32(float* dw, float* db, const float* dpos, const float* pos,
                                                           const float* rel, int heads, int n) {
    const int h = blockIdx.x * blockDim.x + threadIdx.x;
    if (h >= heads) return;
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, ab = 0.0f;
    for (int i = 0; i < n; ++i) {
        const float* p = pos + ((long long)h * n + i) * n;
        const float* g = dpos + ((long long)h * n + i) * n;
        const float* r = rel + (long long)i * n * 3;
        float dot = 0.0f;
        for (int j = 0; j < n; ++j) dot += g[j] * p[j];
        for (int j = 0; j < n; ++j) {
            const float ds = p[j] * (g[j] - dot);
            a0 += ds * r[j * 3];
            a1 += ds * r[j * 3 + 1];
            a2 += ds * r[j * 3 + 2];
            ab += ds;
        }
    }
    dw[h * 3] = a0;
    dw[h * 3 + 1] = a1;
    dw[h * 3 + 2] = a2;
    db[h] = ab;
}

// One thread per (b, h, i); scores go straight into content, the mix into attn.
// budget: registers <= 64
extern "C" __global__ void gpsa_forward_v1_f32(const float* qk, const float* v, const float* pos, const float* gates,
                                               float* content, float* attn, float* out,
                                               int batch, int n, int dim, int heads, float scale) {
    const long long row = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (row >= (long long)batch * heads * n) return;
    const int d = dim / heads;
    const int i = (int)(row % n), h = (int)((row / n) % heads), b = (int)(row / ((long long)n * heads));
    const float* q = qk + ((long long)b * n + i) * 2 * dim + h * d;
    float* c = content + row * n;
    float* a = attn + row * n;
    float m = __int_as_float(0xff800000);
    for (int j = 0; j < n; ++j) {
        const float* k = qk + ((long long)b * n + j) * 2 * dim + dim + h * d;
        float s = 0.0f;
        for (int x = 0; x < d; ++x) s += q[x] * k[x];
        c[j] = s * scale;
        m = fmaxf(m, c[j]);
    }
    float sum = 0.0f;
    for (int j = 0; j < n; ++j) {
        c[j] = expf(c[j] - m);
        sum += c[j];
    }
    const float sigma = gpsa_v1_sigmoid(gates[h]), keep = 1.0f - sigma;
    const float* p = pos + ((long long)h * n + i) * n;
    float mixSum = 0.0f;
    for (int j = 0; j < n; ++j) {
        c[j] = c[j] / sum;
        a[j] = sigma * p[j] + keep * c[j];
        mixSum += a[j];
    }
    for (int j = 0; j < n; ++j) a[j] /= mixSum;
    float* o = out + ((long long)b * n + i) * dim + h * d;
    for (int x = 0; x < d; ++x) {
        float acc = 0.0f;
        for (int j = 0; j < n; ++j) acc += a[j] * v[((long long)b * n + j) * dim + h * d + x];
        o[x] = acc;
    }
}

// One thread per (b, h, i): dS row (scratch plane 0), dQ, dPos partial (plane 1), gate partial per row.
// budget: registers <= 64
extern "C" __global__ void gpsa_backward_rows_v1_f32(const float* dout, const float* qk, const float* v, const float* pos,
                                                     const float* gates, const float* content, const float* attn,
                                                     float* dqk, float* scratch, int batch, int n, int dim, int heads, float scale) {
    const long long row = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long rows = (long long)batch * heads * n;
    if (row >= rows) return;
    const int d = dim / heads;
    const int i = (int)(row % n), h = (int)((row / n) % heads), b = (int)(row / ((long long)n * heads));
    float* ds = scratch + row * n;
    float* dpp = scratch + rows * n + row * n;
    float* gateRow = scratch + 2 * rows * n;
    const float* a = attn + row * n;
    const float* c = content + row * n;
    const float* p = pos + ((long long)h * n + i) * n;
    const float* dO = dout + ((long long)b * n + i) * dim + h * d;
    const float sigma = gpsa_v1_sigmoid(gates[h]), keep = 1.0f - sigma;
    float dot = 0.0f, mixSum = 0.0f;
    for (int j = 0; j < n; ++j) {
        float g = 0.0f;
        for (int x = 0; x < d; ++x) g += dO[x] * v[((long long)b * n + j) * dim + h * d + x];
        ds[j] = g;
        dot += g * a[j];
        mixSum += sigma * p[j] + keep * c[j];
    }
    float gate = 0.0f, cdot = 0.0f;
    for (int j = 0; j < n; ++j) {
        const float dm = (ds[j] - dot) / mixSum;
        dpp[j] = sigma * dm;
        gate += dm * (p[j] - c[j]);
        ds[j] = keep * dm;
        cdot += ds[j] * c[j];
    }
    gateRow[row] = gate;
    for (int j = 0; j < n; ++j) ds[j] = c[j] * (ds[j] - cdot);
    float* dq = dqk + ((long long)b * n + i) * 2 * dim + h * d;
    for (int x = 0; x < d; ++x) {
        float acc = 0.0f;
        for (int j = 0; j < n; ++j) acc += ds[j] * qk[((long long)b * n + j) * 2 * dim + dim + h * d + x];
        dq[x] = scale * acc;
    }
}

// One thread per (b, j, channel) of [B, N, D]: dV = Σ_i attn_ij·dO_i, dK = scale·Σ_i dS_ij·Q_i.
// budget: registers <= 40
extern "C" __global__ void gpsa_backward_cols_v1_f32(const float* dout, const float* qk, const float* attn, const float* scratch,
                                                     float* dqk, float* dv, int batch, int n, int dim, int heads, float scale) {
    const long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (long long)batch * n * dim) return;
    const int d = dim / heads;
    const int col = (int)(e % dim), j = (int)((e / dim) % n), b = (int)(e / ((long long)dim * n));
    const int h = col / d;
    const long long plane = ((long long)b * heads + h) * n * n;
    float accV = 0.0f, accK = 0.0f;
    for (int i = 0; i < n; ++i) {
        accV += attn[plane + (long long)i * n + j] * dout[((long long)b * n + i) * dim + col];
        accK += scratch[plane + (long long)i * n + j] * qk[((long long)b * n + i) * 2 * dim + col];
    }
    dv[e] = accV;
    dqk[((long long)b * n + j) * 2 * dim + dim + col] = scale * accK;
}

// One thread per (h, i, j): dPos summed over b; threads t < H also sum the gate partials (b, then i).
// budget: registers <= 32
extern "C" __global__ void gpsa_backward_reduce_v1_f32(float* dpos, float* dgates, const float* scratch, const float* gates,
                                                       int batch, int n, int heads) {
    const long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    const long long plane = (long long)heads * n * n, rows = (long long)batch * heads * n;
    if (e < plane) {
        float acc = 0.0f;
        for (int b = 0; b < batch; ++b) acc += scratch[rows * n + b * plane + e];
        dpos[e] = acc;
    }
    if (e < heads) {
        float acc = 0.0f;
        for (int b = 0; b < batch; ++b)
            for (int i = 0; i < n; ++i) acc += scratch[2 * rows * n + ((long long)b * heads + e) * n + i];
        const float sigma = gpsa_v1_sigmoid(gates[e]);
        dgates[e] = sigma * (1.0f - sigma) * acc;
    }
}
