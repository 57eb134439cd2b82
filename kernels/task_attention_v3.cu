// task_attention_v3.cu: DyTox task attention (dytox-spec §1.5), float32, one thread block per (b, h).
// Version 3 of kernels/task_attention.cu (v2); see kernels/README.md "Task attention".
//
// Why: v2 runs one warp per (t, b, h), so the T task tokens of a sample each read the head's N patch keys and
// values again (T× the compulsory K/V traffic), each lane reads a whole 32-float key row on its own (strided,
// uncoalesced), and the backward writes z [T, B, H, 1+N] to scratch for a second kernel to sum over tasks.
// v3 stages the head's K and V rows [N, d] once in shared memory with coalesced 16-byte loads, then lets the
// block's warps take the tasks in turn (warp w: tasks w, w + warps, ...). The backward keeps every task's z,
// attn, q and dO row in shared memory and sums dkPatch/dvPatch over tasks in the same kernel: no scratch, one
// launch instead of two, no atomics.
//
// Each per-task computation is v2's, expression for expression (same loops, same summation order, the same
// warp reductions), only reading K and V from shared memory: the results are v2's bits (tested on the
// emulator, checked by the GPU runner).
//
// Layouts as v2: q, kTok, vTok, output [T, B, D]; kPatch, vPatch [B, N, D]; attn [T, B, H, 1+N], token key first.
// Shared rows of K and V are d + 1 floats: lanes over keys (scores, g = dO·v_j) read column c of 32 different
// rows, which the odd stride spreads over 32 banks; lanes over channels read consecutive words.
#include "common.cuh"

__device__ __forceinline__ float task3_neg_inf() {
    return __int_as_float(0xff800000);
}

// Copies the head's rows src[j·dim + c] (j < n, c < d) to dst[j·(d + 1) + c], the whole block cooperating;
// 16-byte loads when every row is 16-byte aligned.
__device__ __forceinline__ void task3_stage_rows(float* dst, const float* src, int n, int d, int dim) {
    const int ld = d + 1;
    if ((d & 3) == 0 && (dim & 3) == 0 && (reinterpret_cast<unsigned long long>(src) & 15ull) == 0) {
        const int quads = d >> 2;
        for (int i = threadIdx.x; i < n * quads; i += blockDim.x) {
            const int j = i / quads, c = (i - j * quads) << 2;
            const float4 v = *reinterpret_cast<const float4*>(src + (long long)j * dim + c);
            float* row = dst + j * ld + c;
            row[0] = v.x; row[1] = v.y; row[2] = v.z; row[3] = v.w;
        }
    } else {
        for (int i = threadIdx.x; i < n * d; i += blockDim.x) {
            const int j = i / d, c = i - j * d;
            dst[j * ld + c] = src[(long long)j * dim + c];
        }
    }
}

// Forward; grid = B·H (block b·H + h), block = 32·warps;
// dynamic shared = (2·n·(d + 1) + warps·(d + 1 + n))·4 bytes.
// budget: registers <= 48
extern "C" __global__ void task_attention_forward_v3_f32(const float* q, const float* ktok, const float* vtok,
                                                         const float* kpatch, const float* vpatch, float* attn, float* out,
                                                         int tasks, int batch, int n, int dim, int heads, float scale) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    const int d = dim / heads, keys = n + 1, ld = d + 1;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int b = blockIdx.x / heads, h = blockIdx.x - b * heads;
    float* ks = smem;                                // [n][d + 1]
    float* vs = ks + n * ld;                         // [n][d + 1]
    float* qrow = vs + n * ld + warp * (d + keys);   // [d], this warp's
    float* prow = qrow + d;                          // [1 + n]
    const long long patchHead = (long long)b * n * dim + h * d;

    task3_stage_rows(ks, kpatch + patchHead, n, d, dim);
    task3_stage_rows(vs, vpatch + patchHead, n, d, dim);
    __syncthreads();

    for (int t = warp; t < tasks; t += warps) {
        const long long row = (long long)t * batch + b;
        const long long head = row * dim + h * d;
        for (int c = lane; c < d; c += 32) qrow[c] = q[head + c] * scale;
        __syncwarp();
        float m = task3_neg_inf();
        for (int j = lane; j < keys; j += 32) {
            // The token key (global) in its own branch, so the patch keys are plain shared loads.
            float s = 0.0f;
            if (j == 0) {
                for (int c = 0; c < d; ++c) s += qrow[c] * ktok[head + c];
            } else {
                const float* k = ks + (j - 1) * ld;
                for (int c = 0; c < d; ++c) s += qrow[c] * k[c];
            }
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
        float* arow = attn + (row * heads + h) * keys;
        for (int j = lane; j < keys; j += 32) {
            const float a = prow[j] * inv;
            prow[j] = a;
            arow[j] = a;
        }
        __syncwarp();
        for (int c = lane; c < d; c += 32) {
            float acc = prow[0] * vtok[head + c];
            for (int j = 1; j < keys; ++j) acc += prow[j] * vs[(j - 1) * ld + c];
            out[head + c] = acc;
        }
        __syncwarp(); // the next task overwrites qrow and prow
    }
}

// Backward; grid = B·H, block = 32·warps;
// dynamic shared = (2·n·(d + 1) + 2·T·d + 2·T·(1 + n))·4 bytes.
// Phase 1, warps over tasks: g_j = dO·v_j, z = a∘(g − Σ g∘a), dq = scale·Σ_j z_j·k_j, dkTok = scale·z_0·q,
// dvTok = a_0·dO; z stays in shared memory. Phase 2, threads over the head's [N, d] patch elements:
// dkPatch = scale·Σ_t z_t·q_t, dvPatch = Σ_t a_t·dO_t, tasks summed in increasing t (v2's order).
// 56–64 registers (ptxas): 128-thread blocks at 64 registers still fit 8 per SM, and shared memory (24.7 KB at
// CIFAR with T = 10) bounds residency first.
// budget: registers <= 64
extern "C" __global__ void task_attention_backward_v3_f32(const float* dout, const float* q, const float* ktok,
                                                          const float* vtok, const float* kpatch, const float* vpatch,
                                                          const float* attn, float* dq, float* dktok, float* dvtok,
                                                          float* dkpatch, float* dvpatch, int tasks, int batch, int n,
                                                          int dim, int heads, float scale) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    const int d = dim / heads, keys = n + 1, ld = d + 1;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int b = blockIdx.x / heads, h = blockIdx.x - b * heads;
    float* ks = smem;                    // [n][d + 1]
    float* vs = ks + n * ld;             // [n][d + 1]
    float* qs = vs + n * ld;             // [T][d]
    float* dos = qs + tasks * d;         // [T][d]
    float* as = dos + tasks * d;         // [T][1 + n]
    float* zs = as + tasks * keys;       // [T][1 + n]
    const long long patchHead = (long long)b * n * dim + h * d;

    task3_stage_rows(ks, kpatch + patchHead, n, d, dim);
    task3_stage_rows(vs, vpatch + patchHead, n, d, dim);
    for (int i = threadIdx.x; i < tasks * d; i += blockDim.x) {
        const int t = i / d, c = i - t * d;
        const long long at = ((long long)t * batch + b) * dim + h * d + c;
        qs[i] = q[at];
        dos[i] = dout[at];
    }
    for (int i = threadIdx.x; i < tasks * keys; i += blockDim.x) {
        const int t = i / keys, j = i - t * keys;
        as[i] = attn[(((long long)t * batch + b) * heads + h) * keys + j];
    }
    __syncthreads();

    for (int t = warp; t < tasks; t += warps) {
        const long long head = ((long long)t * batch + b) * dim + h * d;
        const float* dorow = dos + t * d;
        const float* a = as + t * keys;
        float* zrow = zs + t * keys;
        float dot = 0.0f;
        for (int j = lane; j < keys; j += 32) {
            float g = 0.0f;
            if (j == 0) {
                for (int c = 0; c < d; ++c) g += dorow[c] * vtok[head + c];
            } else {
                const float* vj = vs + (j - 1) * ld;
                for (int c = 0; c < d; ++c) g += dorow[c] * vj[c];
            }
            zrow[j] = g;
            dot += g * a[j];
        }
        dot = warp_sum(dot);
        for (int j = lane; j < keys; j += 32) zrow[j] = a[j] * (zrow[j] - dot);
        __syncwarp();
        const float z0 = zrow[0], a0 = a[0];
        for (int c = lane; c < d; c += 32) {
            float acc = z0 * ktok[head + c];
            for (int j = 1; j < keys; ++j) acc += zrow[j] * ks[(j - 1) * ld + c];
            dq[head + c] = scale * acc;
            dktok[head + c] = scale * z0 * qs[t * d + c];
            dvtok[head + c] = a0 * dorow[c];
        }
    }
    __syncthreads();

    for (int e = threadIdx.x; e < n * d; e += blockDim.x) {
        const int j = e / d, c = e - j * d;
        float accK = 0.0f, accV = 0.0f;
        for (int t = 0; t < tasks; ++t) {
            accK += zs[t * keys + 1 + j] * qs[t * d + c];
            accV += as[t * keys + 1 + j] * dos[t * d + c];
        }
        dkpatch[patchHead + (long long)j * dim + c] = scale * accK;
        dvpatch[patchHead + (long long)j * dim + c] = accV;
    }
}
