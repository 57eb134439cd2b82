// task_attention.cu: DyTox task attention (class attention with one query per task token, dytox-spec §1.5),
// float32. Promoted version (v2) of kernels/dev/task_attention_v1.cu; see kernels/README.md "Task attention".
//
// Layouts (IBackend.TaskAttentionForward/Backward): q, kTok, vTok, output [T, B, D]; kPatch, vPatch [B, N, D];
// attn [T, B, H, 1+N] with the task token's key first; head h owns channels [h·d, (h+1)·d).
//
// Forward, one warp per (t, b, h) (GEMV-shaped: one query against 1+N keys): lanes over keys compute
// logits from the pre-scaled query row staged in the warp's shared buffer, warp max/sum softmax, then
// lanes over channels accumulate out = Σ_j a_j·v_j in increasing j.
// Backward, two kernels, no atomics:
//   task_attention_backward_rows_f32, one warp per (t, b, h): g_j = dO·v_j, z = a∘(g − Σ g∘a) (to scratch
//   [T, B, H, 1+N]), dq = scale·Σ_j z_j·k_j, dkTok = scale·z_0·q, dvTok = a_0·dO;
//   task_attention_backward_patches_f32, one thread per element of [B, N, D]: dkPatch = scale·Σ_t z_t·q_t,
//   dvPatch = Σ_t a_t·dO_t, tasks summed in increasing t.
#include "common.cuh"

__device__ __forceinline__ float task_neg_inf() {
    return __int_as_float(0xff800000);
}

// Forward; grid = ceil(T·B·H / warps), block = 32·warps; dynamic shared = warps·(d + 1 + N)·4 bytes.
// budget: registers <= 48
extern "C" __global__ void task_attention_forward_f32(const float* q, const float* ktok, const float* vtok,
                                                      const float* kpatch, const float* vpatch, float* attn, float* out,
                                                      int tasks, int batch, int n, int dim, int heads, float scale) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    const int d = dim / heads, keys = n + 1;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int item = blockIdx.x * (blockDim.x >> 5) + warp;
    if (item >= tasks * batch * heads) return; // uniform per warp; no block barrier below
    float* qrow = smem + warp * (d + keys);      // [d]
    float* prow = qrow + d;                      // [1 + n]
    const int h = item % heads, tb = item / heads, b = tb % batch;
    const long long head = (long long)tb * dim + h * d;            // (t, b) row, head h
    const long long patchHead = (long long)b * n * dim + h * d;     // (b, 0) row, head h

    for (int c = lane; c < d; c += 32) qrow[c] = q[head + c] * scale;
    __syncwarp();
    float m = task_neg_inf();
    for (int j = lane; j < keys; j += 32) {
        const float* k = j == 0 ? ktok + head : kpatch + patchHead + (long long)(j - 1) * dim;
        float s = 0.0f;
        for (int c = 0; c < d; ++c) s += qrow[c] * k[c];
        prow[j] = s;
        m = fmaxf(m, s);
    }
    m = warp_max(m);
    float sum = 0.0f;
    for (int j = lane; j < keys; j += 32) {
        const float e = expf(prow[j] - m);
        prow[j] = e;
        sum += e;
    }
    sum = warp_sum(sum);
    const float inv = 1.0f / sum;
    float* arow = attn + (long long)item * keys;
    for (int j = lane; j < keys; j += 32) {
        const float a = prow[j] * inv;
        prow[j] = a;
        arow[j] = a;
    }
    __syncwarp();
    for (int c = lane; c < d; c += 32) {
        float acc = prow[0] * vtok[head + c];
        for (int j = 1; j < keys; ++j) acc += prow[j] * vpatch[patchHead + (long long)(j - 1) * dim + c];
        out[head + c] = acc;
    }
}

// Backward rows; grid/block/shared as the forward. scratch receives z [T, B, H, 1+N].
// budget: registers <= 48
extern "C" __global__ void task_attention_backward_rows_f32(const float* dout, const float* q, const float* ktok,
                                                            const float* vtok, const float* kpatch, const float* vpatch,
                                                            const float* attn, float* dq, float* dktok, float* dvtok,
                                                            float* scratch, int tasks, int batch, int n, int dim,
                                                            int heads, float scale) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    const int d = dim / heads, keys = n + 1;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int item = blockIdx.x * (blockDim.x >> 5) + warp;
    if (item >= tasks * batch * heads) return; // uniform per warp
    float* dorow = smem + warp * (d + keys);     // [d]
    float* zrow = dorow + d;                     // [1 + n]
    const int h = item % heads, tb = item / heads, b = tb % batch;
    const long long head = (long long)tb * dim + h * d;
    const long long patchHead = (long long)b * n * dim + h * d;
    const float* a = attn + (long long)item * keys;

    for (int c = lane; c < d; c += 32) dorow[c] = dout[head + c];
    __syncwarp();
    float dot = 0.0f;
    for (int j = lane; j < keys; j += 32) {
        const float* vj = j == 0 ? vtok + head : vpatch + patchHead + (long long)(j - 1) * dim;
        float g = 0.0f;
        for (int c = 0; c < d; ++c) g += dorow[c] * vj[c];
        zrow[j] = g;
        dot += g * a[j];
    }
    dot = warp_sum(dot);
    float* zs = scratch + (long long)item * keys;
    for (int j = lane; j < keys; j += 32) {
        const float z = a[j] * (zrow[j] - dot);
        zrow[j] = z;
        zs[j] = z;
    }
    __syncwarp();
    const float z0 = zrow[0], a0 = a[0];
    for (int c = lane; c < d; c += 32) {
        float acc = z0 * ktok[head + c];
        for (int j = 1; j < keys; ++j) acc += zrow[j] * kpatch[patchHead + (long long)(j - 1) * dim + c];
        dq[head + c] = scale * acc;
        dktok[head + c] = scale * z0 * q[head + c];
        dvtok[head + c] = a0 * dorow[c];
    }
}

// Backward patches: grid-stride over B·N·D elements (b, j, channel); reads z from scratch.
// budget: registers <= 40
extern "C" __global__ void task_attention_backward_patches_f32(const float* dout, const float* q, const float* attn,
                                                               const float* scratch, float* dkpatch, float* dvpatch,
                                                               int tasks, int batch, int n, int dim, int heads, float scale) {
    const int d = dim / heads, keys = n + 1;
    const long long total = (long long)batch * n * dim;
    const long long stride = (long long)gridDim.x * blockDim.x;
    const long long taskRow = (long long)batch * dim, taskAttn = (long long)batch * heads * keys;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += stride) {
        const int col = (int)(e % dim);
        const long long bj = e / dim;
        const int j = (int)(bj % n), b = (int)(bj / n);
        const int h = col / d;
        const long long arow = ((long long)b * heads + h) * keys + 1 + j;
        const long long qrow = (long long)b * dim + col;
        float accK = 0.0f, accV = 0.0f;
        for (int t = 0; t < tasks; ++t) {
            accK += scratch[t * taskAttn + arow] * q[t * taskRow + qrow];
            accV += attn[t * taskAttn + arow] * dout[t * taskRow + qrow];
        }
        dkpatch[e] = scale * accK;
        dvpatch[e] = accV;
    }
}
