// gpsa_attention.cu: gated positional self-attention (dytox-spec §1.4, engine guide §3.4), float32.
// Promoted version (v3) of kernels/dev/gpsa_attention_v2.cu (itself from v1); see kernels/README.md "GPSA attention".
//
// Layouts (IBackend.GpsaForward/GpsaBackward): qk [B, N, 2D] with Q in channels [0, D) and K in [D, 2D),
// head h owning [h·d, (h+1)·d); v, output [B, N, D]; posAttn [H, N, N]; gates [H];
// content, attn [B, H, N, N]; rel [N, N, 3], w [H, 3], b [H].
//
// v3 register-tiles the three N×N×d products so that each shared-memory load feeds several FMAs (v2 issued
// two shared loads per FMA, which made both kernels shared-load bound):
//   * a warp owns GPSA_ROWS = 4 query rows at a time; their Q (or dO) rows are kept transposed in a per-warp
//     buffer as one float4 per channel, so a single broadcast 16-byte load serves the 4 rows;
//   * scores / dA: each lane computes a 4 × 2 tile (4 rows × keys lane, lane+32): per channel one float4
//     broadcast + 2 conflict-free K (V) loads for 8 FMAs;
//   * the 4 rows' probabilities are kept key-major (one float4 per key), so out = attn·V and dQ = dS·K cost one
//     float4 broadcast + one V (K) load for 4 FMAs, and the softmax passes read one float4 per key;
//   * backward phase 2 (dV, dK) runs a thread per (key j, 8 channels): per row i two coalesced global loads
//     (attn_ij, dS_ij, lanes over j) + four float4 broadcasts of dO_i and Q_i for 16 FMAs.
//
// Forward, one block per (b, h): K and V of the head (rows padded to d+1 words, so lanes reading different
// keys hit different banks) are staged in dynamic shared memory; then per warp, 4 query rows at a time:
//   s_j = scale·q·k_j, content = softmax(s) (warp max/sum), mix = (1−σ)·content + σ·pos,
//   attn = mix / Σ mix, out_i = attn_i·V written straight into [B, N, D].
// Only K, V and a 4·(N + d) float buffer per warp live in shared memory (never the N×N tile), so N = 196
// (ImageNet) and N = 256 fit: SharedBytes below.
//
// Backward, one block per (b, h), no atomics:
//   phase 1 (per warp, 4 rows at a time): dA = dO_i·Vᵀ; dmix = (dA − Σ dA∘attn) / Σ mix (the renormalisation,
//   modelled exactly); dPos partial = σ·dmix; gate partial += Σ dmix∘(pos − content);
//   dc = (1−σ)·dmix; dS = content∘(dc − Σ dc∘content); dQ_i = scale·dS·K. dS goes to scratch.
//   phase 2 (after the block barrier, Q and dO restaged into the shared space of K/V, rows padded to a multiple
//   of 8 channels): dV_j = Σ_i attn_ij·dO_i, dK_j = scale·Σ_i dS_ij·Q_i (rows summed in increasing i).
// dPosAttn and dGates are reduced over the batch by gpsa_backward_reduce_f32 in increasing b.
// Every sum runs in a fixed order for a given block size, so results are bitwise reproducible.
//
// Dynamic shared memory of both fused kernels (GpsaKernels.SharedBytes):
//   (round4(2·N·max(d+1, round8(d))) + warps·4·(N + d))·4 bytes.
#include "gpsa_common.cuh"

// posAttn[h, i, ·] = softmax_j(w[h]·rel[i, j] + b[h]); one warp per (h, i) row.
// budget: registers <= 40
extern "C" __global__ void gpsa_positional_forward_f32(float* pos, const float* rel, const float* w, const float* bias,
                                                       int heads, int n) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= heads * n) return; // uniform per warp
    const int h = row / n, i = row - h * n;
    const float w0 = w[h * 3], w1 = w[h * 3 + 1], w2 = w[h * 3 + 2], bh = bias[h];
    const float* r = rel + (long long)i * n * 3;
    float* p = pos + (long long)row * n;
    float m = gpsa_neg_inf();
    for (int j = lane; j < n; j += 32) {
        const float s = w0 * r[j * 3] + w1 * r[j * 3 + 1] + w2 * r[j * 3 + 2] + bh;
        p[j] = s;
        m = fmaxf(m, s);
    }
    m = warp_max(m);
    float sum = 0.0f;
    for (int j = lane; j < n; j += 32) {
        const float e = expf(p[j] - m);
        p[j] = e;
        sum += e;
    }
    sum = warp_sum(sum);
    const float inv = 1.0f / sum;
    for (int j = lane; j < n; j += 32) p[j] *= inv;
}

// dw[h, f] = Σ_ij ds_ij·rel[i, j, f], db[h] = Σ_ij ds_ij with ds = pos∘(dpos − rowsum(dpos∘pos));
// one block per head, warps over rows, block reduction in warp order (deterministic).
// budget: registers <= 48
extern "C" __global__ void gpsa_positional_backward_f32(float* dw, float* db, const float* dpos, const float* pos,
                                                        const float* rel, int heads, int n) {
    __shared__ float scratch[32];
    const int h = blockIdx.x;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, ab = 0.0f;
    if (h < heads) {
        for (int i = warp; i < n; i += warps) {
            const float* p = pos + ((long long)h * n + i) * n;
            const float* g = dpos + ((long long)h * n + i) * n;
            const float* r = rel + (long long)i * n * 3;
            float dot = 0.0f;
            for (int j = lane; j < n; j += 32) dot += g[j] * p[j];
            dot = warp_sum(dot);
    #pragma unroll 1
        for (int j = lane; j < n; j += 32) {
                const float ds = p[j] * (g[j] - dot);
                a0 += ds * r[j * 3];
                a1 += ds * r[j * 3 + 1];
                a2 += ds * r[j * 3 + 2];
                ab += ds;
            }
        }
    }
    a0 = block_sum(a0, scratch);
    a1 = block_sum(a1, scratch);
    a2 = block_sum(a2, scratch);
    ab = block_sum(ab, scratch);
    if (threadIdx.x == 0 && h < heads) {
        dw[h * 3] = a0;
        dw[h * 3 + 1] = a1;
        dw[h * 3 + 2] = a2;
        db[h] = ab;
    }
}

// Query rows a warp processes at once (the register tile's height); changing it changes SharedBytes.
#define GPSA_ROWS 4
// Channels per thread in the backward's dV/dK phase; Q and dO rows are padded to a multiple of it.
#define GPSA_CHANNELS 8

__device__ __forceinline__ int gpsa_round_up(int x, int m) {
    return (x + m - 1) / m * m;
}

// Floats of the block-shared region: K, V with rows of d+1 (forward, backward phase 1), then Q, dO with rows
// of round8(d) (backward phase 2). A multiple of 4, so the per-warp float4 buffers after it stay aligned.
__device__ __forceinline__ int gpsa_shared_kv_floats(int n, int d) {
    return gpsa_round_up(2 * n * max(d + 1, gpsa_round_up(d, GPSA_CHANNELS)), 4);
}

__device__ __forceinline__ void gpsa_unpack(float4 v, float (&x)[GPSA_ROWS]) {
    x[0] = v.x;
    x[1] = v.y;
    x[2] = v.z;
    x[3] = v.w;
}

__device__ __forceinline__ float4 gpsa_pack(const float (&x)[GPSA_ROWS]) {
    return make_float4(x[0], x[1], x[2], x[3]);
}

// rowsT[c] = (src[row0 + r, c]·mul) for r < GPSA_ROWS (0 for rows >= rows): the warp's rows, channel-major,
// so one broadcast float4 load gives a channel of all of them. Lanes over channels (coalesced per row).
__device__ __forceinline__ void gpsa_stage_rows_transposed(float4* rowsT, const float* src, long long ld, int rows,
                                                           int d, float mul, int lane) {
    for (int c = lane; c < d; c += 32) {
        float x[GPSA_ROWS];
#pragma unroll
        for (int r = 0; r < GPSA_ROWS; ++r) x[r] = r < rows ? src[r * ld + c] * mul : 0.0f;
        rowsT[c] = gpsa_pack(x);
    }
}

// out4[j] = (Σ_c rowsT[c].r · m[j, c]) for the warp's rows r and every key j < n; m has rows of stride mld
// (d+1: lanes reading different keys hit different banks). Each lane computes a GPSA_ROWS × 2 tile
// (keys j0 + lane and j0 + lane + 32): one float4 broadcast and two shared loads per 8 FMAs, c increasing.
__device__ __forceinline__ void gpsa_rows_times_keys(float4* out4, const float4* rowsT, const float* m, int mld,
                                                     int n, int d, int lane) {
    for (int j0 = 0; j0 < n; j0 += 64) {
        const int ja = j0 + lane, jb = ja + 32;
        const bool two = j0 + 32 < n; // false on a last chunk of <= 32 keys (N = 196: 4): skip the idle half-tile
        const float* ma = m + min(ja, n - 1) * mld;
        const float* mb = m + min(jb, n - 1) * mld;
        float a[GPSA_ROWS] = {0.0f, 0.0f, 0.0f, 0.0f}, b[GPSA_ROWS] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll 1
        for (int c = 0; c < d; ++c) {
            float q[GPSA_ROWS];
            gpsa_unpack(rowsT[c], q);
            const float x = ma[c];
#pragma unroll
            for (int r = 0; r < GPSA_ROWS; ++r) a[r] = fmaf(q[r], x, a[r]);
            if (two) { // warp-uniform
                const float y = mb[c];
#pragma unroll
                for (int r = 0; r < GPSA_ROWS; ++r) b[r] = fmaf(q[r], y, b[r]);
            }
        }
        if (ja < n) out4[ja] = gpsa_pack(a);
        if (jb < n) out4[jb] = gpsa_pack(b);
    }
}

// dst[row0 + r, c] = mul·Σ_j p4[j].r · m[j, c] for r < rows, c < d: lanes over channels, j increasing;
// one float4 broadcast and one conflict-free shared load per 4 FMAs.
__device__ __forceinline__ void gpsa_rows_times_values(float* dst, long long ld, int rows, const float4* p4,
                                                       const float* m, int mld, int n, int d, float mul, int lane) {
    for (int c = lane; c < d; c += 32) {
        float acc[GPSA_ROWS] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll 1
        for (int j = 0; j < n; ++j) {
            float p[GPSA_ROWS];
            gpsa_unpack(p4[j], p);
            const float x = m[j * mld + c];
#pragma unroll
            for (int r = 0; r < GPSA_ROWS; ++r) acc[r] = fmaf(p[r], x, acc[r]);
        }
#pragma unroll
        for (int r = 0; r < GPSA_ROWS; ++r)
            if (r < rows) dst[r * ld + c] = mul * acc[r];
    }
}

// Forward; grid = B·H, block = a multiple of 32 up to 1024; dynamic shared = SharedBytes in the header comment.
// __launch_bounds__(1024) caps it at 64 registers (unbounded ptxas takes 62–76, sm_80 above 64): 4 blocks of
// 256 threads per SM, 0 spills.
// budget: registers <= 64
extern "C" __global__ __launch_bounds__(1024) void gpsa_forward_f32(const float* qk, const float* v, const float* pos, const float* gates,
                                            float* content, float* attn, float* out,
                                            int batch, int n, int dim, int heads, float scale) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    const int d = dim / heads, dp = d + 1;
    const int b = blockIdx.x / heads, h = blockIdx.x - (blockIdx.x / heads) * heads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    float* ks = smem;                       // [n, d+1]
    float* vs = ks + n * dp;                // [n, d+1]
    float4* q4 = reinterpret_cast<float4*>(smem + gpsa_shared_kv_floats(n, d) + warp * GPSA_ROWS * (n + d));
    float4* p4 = q4 + d;                    // [n]: scores, exp, mix, then attn of the warp's rows, key-major
    if (b >= batch) return;                 // uniform per block

    const float* qkB = qk + (long long)b * n * 2 * dim;
    gpsa_stage_rows(ks, dp, qkB + dim + h * d, 2 * dim, n, d);
    gpsa_stage_rows(vs, dp, v + (long long)b * n * dim + h * d, dim, n, d);
    __syncthreads();

    const float sigma = gpsa_sigmoid(gates[h]), keep = 1.0f - sigma;
    const long long plane = ((long long)b * heads + h) * n * n;
    for (int i0 = warp * GPSA_ROWS; i0 < n; i0 += warps * GPSA_ROWS) {
        const int rows = min(GPSA_ROWS, n - i0);
        gpsa_stage_rows_transposed(q4, qkB + (long long)i0 * 2 * dim + h * d, 2 * dim, rows, d, scale, lane);
        __syncwarp();
        gpsa_rows_times_keys(p4, q4, ks, dp, n, d, lane);
        __syncwarp();

        float m[GPSA_ROWS], sum[GPSA_ROWS], mixSum[GPSA_ROWS];
#pragma unroll
        for (int r = 0; r < GPSA_ROWS; ++r) m[r] = gpsa_neg_inf();
#pragma unroll 1
        for (int j = lane; j < n; j += 32) {
            float s[GPSA_ROWS];
            gpsa_unpack(p4[j], s);
#pragma unroll
            for (int r = 0; r < GPSA_ROWS; ++r) m[r] = fmaxf(m[r], s[r]);
        }
#pragma unroll
        for (int r = 0; r < GPSA_ROWS; ++r) {
            m[r] = warp_max(m[r]);
            sum[r] = 0.0f;
        }
#pragma unroll 1
        for (int j = lane; j < n; j += 32) {
            float s[GPSA_ROWS];
            gpsa_unpack(p4[j], s);
#pragma unroll
            for (int r = 0; r < GPSA_ROWS; ++r) {
                s[r] = expf(s[r] - m[r]);
                sum[r] += s[r];
            }
            p4[j] = gpsa_pack(s);
        }
#pragma unroll
        for (int r = 0; r < GPSA_ROWS; ++r) {
            sum[r] = 1.0f / warp_sum(sum[r]);
            mixSum[r] = 0.0f;
        }
        const float* posRows = pos + ((long long)h * n + i0) * n;
        float* cRows = content + plane + (long long)i0 * n;
#pragma unroll 1
        for (int j = lane; j < n; j += 32) {
            float e[GPSA_ROWS];
            gpsa_unpack(p4[j], e);
#pragma unroll
            for (int r = 0; r < GPSA_ROWS; ++r) {
                float mix = 0.0f; // rows past n: kept finite, never written
                if (r < rows) {
                    const float c = e[r] * sum[r];
                    cRows[r * n + j] = c;
                    mix = fmaf(sigma, posRows[r * n + j], keep * c);
                }
                e[r] = mix;
                mixSum[r] += mix;
            }
            p4[j] = gpsa_pack(e);
        }
#pragma unroll
        for (int r = 0; r < GPSA_ROWS; ++r) mixSum[r] = r < rows ? 1.0f / warp_sum(mixSum[r]) : 1.0f; // reciprocal: one division per row
        float* aRows = attn + plane + (long long)i0 * n;
#pragma unroll 1
        for (int j = lane; j < n; j += 32) {
            float x[GPSA_ROWS];
            gpsa_unpack(p4[j], x);
#pragma unroll
            for (int r = 0; r < GPSA_ROWS; ++r) {
                x[r] *= mixSum[r];
                if (r < rows) aRows[r * n + j] = x[r];
            }
            p4[j] = gpsa_pack(x);
        }
        __syncwarp();
        gpsa_rows_times_values(out + ((long long)b * n + i0) * dim + h * d, dim, rows, p4, vs, dp, n, d, 1.0f, lane);
        __syncwarp(); // the next rows overwrite q4/p4
    }
}

// Backward; grid = B·H, block = a multiple of 32 up to 768 (GpsaKernels.MaxBackwardThreads), same dynamic
// shared size as the forward. scratch holds dS [B, H, N, N], then dPos partials [B, H, N, N], then gate
// partials [B, H]. __launch_bounds__(768) caps it at 80 registers (unbounded: 84–98), which keeps 3 blocks of
// 256 threads per SM as v2 had; 0 spills (the row softmax backward multiplies by 1/Σ mix so the precise
// division's slow path is taken once per row, not per element, which is what made 80 fit on sm_90).
// budget: registers <= 80
extern "C" __global__ __launch_bounds__(768) void gpsa_backward_f32(const float* dout, const float* qk, const float* v, const float* pos,
                                             const float* gates, const float* content, const float* attn,
                                             float* dqk, float* dv, float* scratch,
                                             int batch, int n, int dim, int heads, float scale) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    __shared__ float reduce[32];
    const int d = dim / heads, dp = d + 1;
    const int b = blockIdx.x / heads, h = blockIdx.x - (blockIdx.x / heads) * heads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    float* ks = smem;                       // [n, d+1]: K (phase 1)
    float* vs = ks + n * dp;                // [n, d+1]: V (phase 1)
    float4* do4 = reinterpret_cast<float4*>(smem + gpsa_shared_kv_floats(n, d) + warp * GPSA_ROWS * (n + d));
    float4* g4 = do4 + d;                   // [n]: dA, then dc, then dS of the warp's rows, key-major
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
    for (int i0 = warp * GPSA_ROWS; i0 < n; i0 += warps * GPSA_ROWS) {
        const int rows = min(GPSA_ROWS, n - i0);
        gpsa_stage_rows_transposed(do4, doB + (long long)i0 * dim, dim, rows, d, 1.0f, lane);
        __syncwarp();
        gpsa_rows_times_keys(g4, do4, vs, dp, n, d, lane); // dA
        __syncwarp();

        const float* aRows = attn + plane + (long long)i0 * n;
        const float* cRows = content + plane + (long long)i0 * n;
        const float* pRows = pos + ((long long)h * n + i0) * n;
        float dot[GPSA_ROWS] = {0.0f, 0.0f, 0.0f, 0.0f}, mixSum[GPSA_ROWS] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll 1
        for (int j = lane; j < n; j += 32) {
            float g[GPSA_ROWS];
            gpsa_unpack(g4[j], g);
#pragma unroll
            for (int r = 0; r < GPSA_ROWS; ++r)
                if (r < rows) {
                    const int e = r * n + j; // within the rows' plane: 32-bit offsets keep fewer registers live
                    dot[r] += g[r] * aRows[e];
                    mixSum[r] += fmaf(sigma, pRows[e], keep * cRows[e]);
                }
        }
#pragma unroll
        for (int r = 0; r < GPSA_ROWS; ++r) {
            dot[r] = warp_sum(dot[r]);
            mixSum[r] = r < rows ? 1.0f / warp_sum(mixSum[r]) : 1.0f; // reciprocal: one precise division per row
        }
        float* dpp = dPosPart + (long long)i0 * n;
        float cdot[GPSA_ROWS] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll 1
        for (int j = lane; j < n; j += 32) {
            float g[GPSA_ROWS];
            gpsa_unpack(g4[j], g);
#pragma unroll
            for (int r = 0; r < GPSA_ROWS; ++r) {
                float dc = 0.0f;
                if (r < rows) {
                    const int e = r * n + j; // within the rows' plane: 32-bit offsets keep fewer registers live
                    const float dm = (g[r] - dot[r]) * mixSum[r];
                    const float c = cRows[e];
                    dpp[e] = sigma * dm;
                    gateAcc = fmaf(dm, pRows[e] - c, gateAcc);
                    dc = keep * dm;
                    cdot[r] = fmaf(dc, c, cdot[r]);
                }
                g[r] = dc;
            }
            g4[j] = gpsa_pack(g);
        }
#pragma unroll
        for (int r = 0; r < GPSA_ROWS; ++r) cdot[r] = warp_sum(cdot[r]);
        float* dsRows = dS + (long long)i0 * n;
#pragma unroll 1
        for (int j = lane; j < n; j += 32) {
            float g[GPSA_ROWS];
            gpsa_unpack(g4[j], g);
#pragma unroll
            for (int r = 0; r < GPSA_ROWS; ++r) {
                float s = 0.0f;
                if (r < rows) {
                    const int e = r * n + j; // within the rows' plane: 32-bit offsets keep fewer registers live
                    s = cRows[e] * (g[r] - cdot[r]);
                    dsRows[e] = s;
                }
                g[r] = s;
            }
            g4[j] = gpsa_pack(g);
        }
        __syncwarp();
        gpsa_rows_times_values(dqkB + (long long)i0 * 2 * dim + h * d, 2 * dim, rows, g4, ks, dp, n, d, scale, lane); // dQ
        __syncwarp(); // the next rows overwrite do4/g4
    }
    gateAcc = block_sum(gateAcc, reduce); // includes the barriers that end phase 1 (dS of every row in scratch)
    if (threadIdx.x == 0) gatePart[(long long)b * heads + h] = gateAcc;

    // Phase 2: Q and dO of the head replace K and V in shared memory, rows of ldc = round8(d) channels
    // (zero padded) so that each thread's 8 channels are two aligned float4 broadcasts.
    const int ldc = gpsa_round_up(d, GPSA_CHANNELS);
    float* qs = smem;                       // [n, ldc]
    float* dos = qs + n * ldc;              // [n, ldc]
    gpsa_stage_rows(qs, ldc, qkB + h * d, 2 * dim, n, d);
    gpsa_stage_rows(dos, ldc, doB, dim, n, d);
    for (int e = threadIdx.x; e < n * (ldc - d); e += blockDim.x) {
        const int r = e / (ldc - d), c = d + (e - r * (ldc - d));
        qs[r * ldc + c] = 0.0f;
        dos[r * ldc + c] = 0.0f;
    }
    __syncthreads();
    const float* aPlane = attn + plane;
    float* dvB = dv + (long long)b * n * dim + h * d;
    float* dkB = dqkB + dim + h * d;
    const bool vec = gpsa_vec4_ok(dvB, dim, d) && gpsa_vec4_ok(dkB, 2 * dim, d);
    const int groups = ldc / GPSA_CHANNELS;
    // attn and dS rows are staged, a chunk of R rows at a time, into the per-warp buffers (free after phase 1):
    // the whole block reads each chunk from L2 once, coalesced, and every (j, channel group) task then reads it
    // from shared memory (lanes over j: conflict-free), instead of each task streaming both planes from L2.
    float* aRowsS = smem + gpsa_shared_kv_floats(n, d);
    const int chunk = max(1, min(n, warps * GPSA_ROWS * (n + d) / (2 * n))); // >= 2 rows: 4(n+d) >= 4n
    float* sRowsS = aRowsS + chunk * n;
    for (int t0 = 0; t0 < n * groups; t0 += blockDim.x) { // block-uniform: the chunk loop holds barriers
        const int t = t0 + threadIdx.x;
        const bool active = t < n * groups;
        const int cg = active ? t / n : 0, j = t - cg * n, c0 = cg * GPSA_CHANNELS; // lanes over keys
        float accV[GPSA_CHANNELS], accK[GPSA_CHANNELS];
#pragma unroll
        for (int k = 0; k < GPSA_CHANNELS; ++k) {
            accV[k] = 0.0f;
            accK[k] = 0.0f;
        }
        for (int i0 = 0; i0 < n; i0 += chunk) {
            const int cnt = min(chunk, n - i0);
            __syncthreads(); // the previous chunk (or phase 1's buffers) is no longer read
            for (int e = threadIdx.x; e < cnt * n; e += blockDim.x) {
                aRowsS[e] = aPlane[i0 * n + e];
                sRowsS[e] = dS[i0 * n + e];
            }
            __syncthreads();
            if (!active) continue;
#pragma unroll 1
            for (int r = 0; r < cnt; ++r) {
                const float a = aRowsS[r * n + j], s = sRowsS[r * n + j];
                const float4* o4 = reinterpret_cast<const float4*>(dos + (i0 + r) * ldc + c0);
                const float4* q4 = reinterpret_cast<const float4*>(qs + (i0 + r) * ldc + c0);
#pragma unroll
                for (int k = 0; k < GPSA_CHANNELS; k += 4) {
                    const float4 o = o4[k >> 2], q = q4[k >> 2];
                    accV[k] += a * o.x;
                    accV[k + 1] += a * o.y;
                    accV[k + 2] += a * o.z;
                    accV[k + 3] += a * o.w;
                    accK[k] += s * q.x;
                    accK[k + 1] += s * q.y;
                    accK[k + 2] += s * q.z;
                    accK[k + 3] += s * q.w;
                }
            }
        }
        if (!active) continue;
        float* dvRow = dvB + (long long)j * dim + c0;
        float* dkRow = dkB + (long long)j * 2 * dim + c0;
        if (vec && c0 + GPSA_CHANNELS <= d) {
#pragma unroll
            for (int k = 0; k < GPSA_CHANNELS; k += 4) {
                reinterpret_cast<float4*>(dvRow)[k >> 2] = make_float4(accV[k], accV[k + 1], accV[k + 2], accV[k + 3]);
                reinterpret_cast<float4*>(dkRow)[k >> 2] =
                    make_float4(scale * accK[k], scale * accK[k + 1], scale * accK[k + 2], scale * accK[k + 3]);
            }
        } else {
#pragma unroll
            for (int k = 0; k < GPSA_CHANNELS; ++k)
                if (c0 + k < d) {
                    dvRow[k] = accV[k];
                    dkRow[k] = scale * accK[k];
                }
        }
    }
}

// dPos[h, i, j] = Σ_b partial[b, h, i, j] and dGates[h] = σ'(g_h)·Σ_b gatePartial[b, h], b increasing.
// Grid-stride over H·N·N elements; scratch as written by gpsa_backward_f32.
// budget: registers <= 32
extern "C" __global__ void gpsa_backward_reduce_f32(float* dpos, float* dgates, const float* scratch, const float* gates,
                                                    int batch, int n, int heads) {
    const long long perHead = (long long)n * n, plane = heads * perHead;
    const long long planes = (long long)batch * plane;
    const float* part = scratch + planes;
    const float* gatePart = scratch + 2 * planes;
    const long long stride = (long long)gridDim.x * blockDim.x;
    for (long long e = (long long)blockIdx.x * blockDim.x + threadIdx.x; e < plane; e += stride) {
        float acc = 0.0f;
        for (int b = 0; b < batch; ++b) acc += part[(long long)b * plane + e];
        dpos[e] = acc;
    }
    const long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x;
    if (t < heads) {
        float acc = 0.0f;
        for (int b = 0; b < batch; ++b) acc += gatePart[(long long)b * heads + t];
        const float sigma = gpsa_sigmoid(gates[t]);
        dgates[t] = sigma * (1.0f - sigma) * acc;
    }
}
