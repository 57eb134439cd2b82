// dev/task_attention_v1.cu: version 1 of the task-attention kernels, the naive port (llm.c dev/cuda style).
//
// Versions (each validated against CpuBackend at every block size tried, tests/DyTox.Kernels.Tests/Attention):
//   v1 (this file) one thread per (t, b, h) row, everything in global memory (logits/attn row written to attn
//      and reused in place), the CPU loops transcribed; dkPatch/dvPatch one thread per (b, j, channel).
//   v2 (kernels/task_attention.cu, promoted) one warp per (t, b, h): lanes over keys for the logits and the
//      softmax (shuffle max/sum), lanes over channels for a·V and dq, rows staged in shared memory.
#include "common.cuh"

// budget: registers <= 48
extern "C" __global__ void task_attention_forward_v1_f32(const float* q, const float* ktok, const float* vtok,
                                                         const float* kpatch, const float* vpatch, float* attn, float* out,
                                                         int tasks, int batch, int n, int dim, int heads, float scale) {
    const long long item = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (item >= (long long)tasks * batch * heads) return;
    const int d = dim / heads, keys = n + 1;
    const int h = (int)(item % heads);
    const long long tb = item / heads;
    const int b = (int)(tb % batch);
    const float* qr = q + tb * dim + h * d;
    float* a = attn + item * keys;
    float m = __int_as_float(0xff800000);
    for (int j = 0; j < keys; ++j) {
        const float* k = j == 0 ? ktok + tb * dim + h * d : kpatch + ((long long)b * n + j - 1) * dim + h * d;
        float s = 0.0f;
        for (int x = 0; x < d; ++x) s += qr[x] * k[x];
        a[j] = s * scale;
        m = fmaxf(m, a[j]);
    }
    float sum = 0.0f;
    for (int j = 0; j < keys; ++j) {
        a[j] = expf(a[j] - m);
        sum += a[j];
    }
    for (int j = 0; j < keys; ++j) a[j] /= sum;
    for (int x = 0; x < d; ++x) {
        float acc = a[0] * vtok[tb * dim + h * d + x];
        for (int j = 1; j < keys; ++j) acc += a[j] * vpatch[((long long)b * n + j - 1) * dim + h * d + x];
        out[tb * dim + h * d + x] = acc;
    }
}

// One thread per (t, b, h): z (scratch), dq, dkTok, dvTok.
// budget: registers <= 48
extern "C" __global__ void task_attention_backward_rows_v1_f32(const float* dout, const float* q, const float* ktok,
                                                               const float* vtok, const float* kpatch, const float* vpatch,
                                                               const float* attn, float* dq, float* dktok, float* dvtok,
                                                               float* scratch, int tasks, int batch, int n, int dim,
                                                               int heads, float scale) {
    const long long item = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (item >= (long long)tasks * batch * heads) return;
    const int d = dim / heads, keys = n + 1;
    const int h = (int)(item % heads);
    const long long tb = item / heads;
    const int b = (int)(tb % batch);
    const long long head = tb * dim + h * d;
    const float* a = attn + item * keys;
    float* z = scratch + item * keys;
    float dot = 0.0f;
    for (int j = 0; j < keys; ++j) {
        const float* vj = j == 0 ? vtok + head : vpatch + ((long long)b * n + j - 1) * dim + h * d;
        float g = 0.0f;
        for (int x = 0; x < d; ++x) g += dout[head + x] * vj[x];
        z[j] = g;
        dot += g * a[j];
    }
    for (int j = 0; j < keys; ++j) z[j] = a[j] * (z[j] - dot);
    for (int x = 0; x < d; ++x) {
        float acc = z[0] * ktok[head + x];
        for (int j = 1; j < keys; ++j) acc += z[j] * kpatch[((long long)b * n + j - 1) * dim + h * d + x];
        dq[head + x] = scale * acc;
        dktok[head + x] = scale * z[0] * q[head + x];
        dvtok[head + x] = a[0] * dout[head + x];
    }
}

// One thread per (b, j, channel): tasks summed in increasing t.
// budget: registers <= 40
extern "C" __global__ void task_attention_backward_patches_v1_f32(const float* dout, const float* q, const float* attn,
                                                                  const float* scratch, float* dkpatch, float* dvpatch,
                                                                  int tasks, int batch, int n, int dim, int heads, float scale) {
    const long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (e >= (long long)batch * n * dim) return;
    const int d = dim / heads, keys = n + 1;
    const int col = (int)(e % dim), j = (int)((e / dim) % n), b = (int)(e / ((long long)dim * n));
    const int h = col / d;
    float accK = 0.0f, accV = 0.0f;
    for (int t = 0; t < tasks; ++t) {
        const long long ar = (((long long)t * batch + b) * heads + h) * keys + 1 + j;
        const long long qr = ((long long)t * batch + b) * dim + col;
        accK += scratch[ar] * q[qr];
        accV += attn[ar] * dout[qr];
    }
    dkpatch[e] = scale * accK;
    dvpatch[e] = accV;
}
