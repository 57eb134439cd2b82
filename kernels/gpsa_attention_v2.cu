// gpsa_attention_v2.cu: version 2 of the GPSA attention kernels (llm.c dev/cuda style), promoted before v3.
// Embedded because production uses its backward for N > 128 (GpsaKernels.LongSequenceThreshold): on the H200,
// v3 (kernels/gpsa_attention.cu) is 1.49× faster at N=64 but its backward is 0.80× of this one at N=196. The rest
// of the file is the validated v2 reference and timing baseline.
// Shared memory: (2·N·(d+1) + warps·(N + d + 1))·4 bytes (GpsaKernels.LongSequenceBackwardSharedBytes).
//
// Layouts (IBackend.GpsaForward/GpsaBackward): qk [B, N, 2D] with Q in channels [0, D) and K in [D, 2D),
// head h owning [h·d, (h+1)·d); v, output [B, N, D]; posAttn [H, N, N]; gates [H];
// content, attn [B, H, N, N]; rel [N, N, 3], w [H, 3], b [H].
//
// Forward, one block per (b, h): K (rows padded to d+1 words, so lanes reading different keys hit
// different banks) and V of the head are staged in dynamic shared memory; then one warp per query row:
//   s_j = scale·q·k_j, content = softmax(s) (warp max/sum), mix = (1−σ)·content + σ·pos,
//   attn = mix / Σ mix, out_i = attn_i·V written straight into [B, N, D].
// Only K, V and one row buffer per warp live in shared memory (not the N×N tile), so N = 196 (ImageNet)
// and N = 256 fit: (2·N·(d+1) + warps·(N + d + 1))·4 bytes.
//
// Backward, one block per (b, h), no atomics:
//   phase 1 (warp per row i): dA = dO_i·Vᵀ; dmix = (dA − Σ dA∘attn) / Σ mix (the renormalisation,
//   modelled exactly); dPos partial = σ·dmix; gate partial += Σ dmix∘(pos − content);
//   dc = (1−σ)·dmix; dS = content∘(dc − Σ dc∘content); dQ_i = scale·dS·K. dS goes to scratch.
//   phase 2 (thread per (j, c), after the block barrier, Q and dO restaged into the shared space of K/V):
//   dV_j = Σ_i attn_ij·dO_i, dK_j = scale·Σ_i dS_ij·Q_i (rows summed in increasing i).
// dPosAttn and dGates are reduced over the batch by gpsa_backward_reduce_v2_f32 in increasing b.
// Every sum runs in a fixed order for a given block size, so results are bitwise reproducible.
#include "gpsa_common.cuh"

// The positional softmax kernels and the batch reduction are shared with v3 (kernels/gpsa_attention.cu).

// Forward; grid = B·H, block = a multiple of 32; dynamic shared = (2·N·(d+1) + warps·(N + d + 1))·4 bytes.
// budget: registers <= 64
extern "C" __global__ void gpsa_forward_v2_f32(const float* qk, const float* v, const float* pos, const float* gates,
                                            float* content, float* attn, float* out,
                                            int batch, int n, int dim, int heads, float scale) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    const int d = dim / heads, dp = d + 1;
    const int b = blockIdx.x / heads, h = blockIdx.x - (blockIdx.x / heads) * heads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    float* ks = smem;                       // [n, d+1]
    float* vs = ks + n * dp;                // [n, d+1]
    float* rowbuf = vs + n * dp + warp * (n + dp);
    float* prow = rowbuf;                   // [n] scores, then attn of the warp's row
    float* qrow = rowbuf + n;               // [d] the warp's query row, pre-scaled
    if (b >= batch) return;                 // uniform per block

    const float* qkB = qk + (long long)b * n * 2 * dim;
    gpsa_stage_rows(ks, dp, qkB + dim + h * d, 2 * dim, n, d);
    gpsa_stage_rows(vs, dp, v + (long long)b * n * dim + h * d, dim, n, d);
    __syncthreads();

    const float sigma = gpsa_sigmoid(gates[h]), keep = 1.0f - sigma;
    const long long plane = ((long long)b * heads + h) * n * n;
    for (int i = warp; i < n; i += warps) {
        const float* q = qkB + (long long)i * 2 * dim + h * d;
        for (int c = lane; c < d; c += 32) qrow[c] = q[c] * scale;
        __syncwarp();
        float m = gpsa_neg_inf();
        for (int j = lane; j < n; j += 32) {
            const float* k = ks + j * dp;
            float s = 0.0f;
            for (int c = 0; c < d; ++c) s += qrow[c] * k[c];
            prow[j] = s;
            m = fmaxf(m, s);
        }
        m = warp_max(m);
        float sum = 0.0f;
        for (int j = lane; j < n; j += 32) {
            const float e = expf(prow[j] - m);
            prow[j] = e;
            sum += e;
        }
        sum = warp_sum(sum);
        const float inv = 1.0f / sum;
        const float* p = pos + ((long long)h * n + i) * n;
        float* crow = content + plane + (long long)i * n;
        float mixSum = 0.0f;
        for (int j = lane; j < n; j += 32) {
            const float c = prow[j] * inv;
            crow[j] = c;
            const float mix = fmaf(sigma, p[j], keep * c);
            prow[j] = mix;
            mixSum += mix;
        }
        mixSum = warp_sum(mixSum);
        float* arow = attn + plane + (long long)i * n;
        for (int j = lane; j < n; j += 32) {
            const float a = prow[j] / mixSum;
            prow[j] = a;
            arow[j] = a;
        }
        __syncwarp();
        float* o = out + ((long long)b * n + i) * dim + h * d;
        for (int c = lane; c < d; c += 32) {
            float acc = 0.0f;
            for (int j = 0; j < n; ++j) acc += prow[j] * vs[j * dp + c];
            o[c] = acc;
        }
        __syncwarp(); // the next row overwrites qrow/prow
    }
}

// Backward; grid = B·H, same block and dynamic shared size as the forward. scratch holds
// dS [B, H, N, N], then dPos partials [B, H, N, N], then gate partials [B, H].
// 80 registers at 256 threads: 3 blocks per SM by registers, more than shared memory allows at N = 196.
// budget: registers <= 96
extern "C" __global__ void gpsa_backward_v2_f32(const float* dout, const float* qk, const float* v, const float* pos,
                                             const float* gates, const float* content, const float* attn,
                                             float* dqk, float* dv, float* scratch,
                                             int batch, int n, int dim, int heads, float scale) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    __shared__ float reduce[32];
    const int d = dim / heads, dp = d + 1;
    const int b = blockIdx.x / heads, h = blockIdx.x - (blockIdx.x / heads) * heads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    float* ks = smem;                       // [n, d+1]: K (phase 1), then Q (phase 2)
    float* vs = ks + n * dp;                // [n, d+1]: V (phase 1), then dO (phase 2)
    float* rowbuf = vs + n * dp + warp * (n + dp);
    float* grow = rowbuf;                   // [n] dA, then dc, then dS of the warp's row
    float* dorow = rowbuf + n;              // [d] the warp's dO row
    if (b >= batch) return;                 // uniform per block

    const long long plane = ((long long)b * heads + h) * n * n;
    const long long planes = (long long)batch * heads * n * n;
    float* dS = scratch + plane;
    float* dPosPart = scratch + planes + plane;
    float* gatePart = scratch + 2 * planes;
    const float* qkB = qk + (long long)b * n * 2 * dim;
    const float* doB = dout + (long long)b * n * dim + h * d;
    float* dqkB = dqk + (long long)b * n * 2 * dim;

    gpsa_stage_rows(ks, dp, qkB + dim + h * d, 2 * dim, n, d);
    gpsa_stage_rows(vs, dp, v + (long long)b * n * dim + h * d, dim, n, d);
    __syncthreads();

    const float sigma = gpsa_sigmoid(gates[h]), keep = 1.0f - sigma;
    float gateAcc = 0.0f;
    for (int i = warp; i < n; i += warps) {
        for (int c = lane; c < d; c += 32) dorow[c] = doB[(long long)i * dim + c];
        __syncwarp();
        const float* a = attn + plane + (long long)i * n;
        const float* cr = content + plane + (long long)i * n;
        const float* p = pos + ((long long)h * n + i) * n;
        float dot = 0.0f, mixSum = 0.0f;
        for (int j = lane; j < n; j += 32) {
            const float* vj = vs + j * dp;
            float g = 0.0f;
            for (int c = 0; c < d; ++c) g += dorow[c] * vj[c];
            grow[j] = g;
            dot += g * a[j];
            mixSum += fmaf(sigma, p[j], keep * cr[j]);
        }
        dot = warp_sum(dot);
        mixSum = warp_sum(mixSum);
        float* dpp = dPosPart + (long long)i * n;
        float cdot = 0.0f;
        for (int j = lane; j < n; j += 32) {
            const float dm = (grow[j] - dot) / mixSum;
            const float c = cr[j];
            dpp[j] = sigma * dm;
            gateAcc = fmaf(dm, p[j] - c, gateAcc);
            const float dc = keep * dm;
            grow[j] = dc;
            cdot = fmaf(dc, c, cdot);
        }
        cdot = warp_sum(cdot);
        float* dsr = dS + (long long)i * n;
        for (int j = lane; j < n; j += 32) {
            const float s = cr[j] * (grow[j] - cdot);
            grow[j] = s;
            dsr[j] = s;
        }
        __syncwarp();
        float* dq = dqkB + (long long)i * 2 * dim + h * d;
        for (int c = lane; c < d; c += 32) {
            float acc = 0.0f;
            for (int j = 0; j < n; ++j) acc += grow[j] * ks[j * dp + c];
            dq[c] = scale * acc;
        }
        __syncwarp(); // the next row overwrites dorow/grow
    }
    gateAcc = block_sum(gateAcc, reduce); // includes the barriers that end phase 1
    if (threadIdx.x == 0) gatePart[(long long)b * heads + h] = gateAcc;

    // Phase 2: Q and dO of the head replace K and V in shared memory.
    gpsa_stage_rows(ks, dp, qkB + h * d, 2 * dim, n, d);
    gpsa_stage_rows(vs, dp, doB, dim, n, d);
    __syncthreads();
    const float* aPlane = attn + plane;
    float* dvB = dv + (long long)b * n * dim + h * d;
    float* dkB = dqkB + dim + h * d;
    for (int e = threadIdx.x; e < n * d; e += blockDim.x) {
        const int j = e / d, c = e - j * d;
        float accV = 0.0f, accK = 0.0f;
        for (int i = 0; i < n; ++i) {
            accV += aPlane[(long long)i * n + j] * vs[i * dp + c];
            accK += dS[(long long)i * n + j] * ks[i * dp + c];
        }
        dvB[(long long)j * dim + c] = accV;
        dkB[(long long)j * 2 * dim + c] = scale * accK;
    }
}
