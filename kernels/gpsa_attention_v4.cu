// gpsa_attention_v4.cu: gated positional self-attention (dytox-spec §1.4) on tensor cores, float32 accuracy.
// Version 4 of the fused GPSA core (v3: gpsa_attention.cu, v2: gpsa_attention_v2.cu, v1: dev/gpsa_attention_v1.cu);
// same inputs, outputs, scratch layout and semantics as v3, for sequences of at most 64 tokens (CIFAR).
// kernels/README.md "GPSA attention" has the versions, their measurements and the dispatch.
//
// Why: v3 at CIFAR (N = 64, d = 32) issues its N×N×d products as SIMT FMAs fed from shared memory; measured at
// 7.6 TFLOP/s forward+backward, 4–5× above both the memory and the FP32 floors, i.e. bound by instruction issue
// and latency, not by bytes. v4 runs the four products (S = Q·Kᵀ, O = P·V, dA = dO·Vᵀ, dQ = dS·K) and the two
// batch-free column products (dV = Pᵀ·dO, dK = dSᵀ·Q) as mma.sync m16n8k8 TF32 tiles at float32 accuracy
// (3xTF32, kernels/mma_tf32.cuh): one instruction per 16×8×8 tile instead of 1024/32 FMAs plus their operand loads,
// and the softmax work happens on the accumulator fragments in registers (row reductions over a lane quad).
//
// Forward, one block per (b, h), a warp per 16 query rows at a time: Q (pre-scaled), K, V staged in shared memory
// with rows padded to round8(d) + 4 floats (≡ 4 mod 8: the fragment loads g·ld + t and 2t·ld + g hit 32 distinct
// banks) and zero padding to round16(N) rows (padded keys are masked out of the softmax; padded rows never
// written). S lives in registers as GPSA4_KT key tiles of the C fragment; content = softmax(S), mix = (1−σ)·content +
// σ·pos, attn = mix / Σ mix are computed in place there (content, attn written with 8-byte stores when N is even),
// and P = attn is used directly as the A operand of O = P·V by permuting the keys inside each 8-key step
// (A column t ↔ key 2t, column t+4 ↔ key 2t+1; V's rows are read in the same permuted order).
//
// Backward, one block per (b, h), no atomics: phase 1 per warp and 16 rows: dA = dO·Vᵀ in registers;
// dmix = (dA − Σ dA∘attn) / Σ mix, dPos partial = σ·dmix (scratch), gate partial += Σ dmix∘(pos − content),
// dc = (1−σ)·dmix, dS = content∘(dc − Σ dc∘content); dQ = scale·dS·K (permuted keys again). attn and dS rows go
// to a block-wide [Np, Np] pair in shared memory (stride ≡ 8 mod 32, for the transposed fragment loads of phase 2).
// Phase 2 after the barrier, Q and dO restaged with rows ≡ 8 mod 32: warps over (16-key, 8-channel) tiles,
// dV = attnᵀ·dO and dK = scale·dSᵀ·Q with the rows summed in increasing 8-row steps. dPos and dGates are reduced
// over the batch by gpsa_backward_reduce_f32 (gpsa_attention.cu) in increasing b, so results are bitwise
// reproducible for a given block size.
//
// Shared memory (GpsaKernels.TensorCoreForwardSharedBytes / TensorCoreBackwardSharedBytes), Np = round16(N), ld = round8(d) + 4:
//   forward  3·Np·ld floats                                          (CIFAR: 27,648 B)
//   backward (max(3·Np·ld, 2·Np·ld8(d)) + 2·Np·ld8(Np)) floats, ld8(x) = round8(x) rounded up to ≡ 8 mod 32
//                                                                    (CIFAR: 64,512 B)
#include "gpsa_mma_common.cuh"

// Forward body; N <= 8·GPSA4_KT = 64. NC, DC > 0 fix N and the head width at compile time (the CIFAR instance:
// tile guards, strides and fragment addresses fold into constants; tools/sass_mix.sh counted integer and branch
// instructions as over half of the generic instance's), 0 takes them from the arguments.
template <int NC, int DC>
__device__ __forceinline__ void gpsa4_forward(const float* qk, const float* v, const float* pos, const float* gates,
                                              float* content, float* attn, float* out, int batch, int nArg, int dim,
                                              int heads, float scale) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    const int n = NC > 0 ? NC : nArg;
    const int d = DC > 0 ? DC : dim / heads, dk = gpsa4_round(d, 8), ld = dk + 4, np = gpsa4_round(n, 16);
    const int b = blockIdx.x / heads, h = blockIdx.x - (blockIdx.x / heads) * heads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int g = lane >> 2, t = lane & 3;
    float* qs = smem;       // [np, ld]: scale·Q
    float* ks = qs + np * ld; // [np, ld]
    float* vs = ks + np * ld; // [np, ld]
    if (b >= batch) return;   // uniform per block

    const float* qkB = qk + (long long)b * n * 2 * dim;
    gpsa4_stage(qs, ld, np, dk, qkB + h * d, 2 * dim, n, d, scale);
    gpsa4_stage(ks, ld, np, dk, qkB + dim + h * d, 2 * dim, n, d, 1.0f);
    gpsa4_stage(vs, ld, np, dk, v + (long long)b * n * dim + h * d, dim, n, d, 1.0f);
    __syncthreads();

    const float sigma = gpsa_sigmoid(gates[h]), keep = 1.0f - sigma;
    const long long plane = ((long long)b * heads + h) * n * n;
    const float* posH = pos + (long long)h * n * n;
    float* cPlane = content + plane;
    float* aPlane = attn + plane;
    const int keyTiles = (n + 7) >> 3;
    // 8-byte accesses to the [N, N] planes need an even N (then a pair j, j+1 with even j is in or out together).
    const bool vec = (n & 1) == 0 && gpsa4_aligned8(content) && gpsa4_aligned8(attn) && gpsa4_aligned8(pos);
    float* outB = out + (long long)b * n * dim + h * d;
    const bool vecOut = (dim & 1) == 0 && (d & 1) == 0 && gpsa4_aligned8(out);

    for (int i0 = warp * 16; i0 < n; i0 += warps * 16) {
        const int r0 = i0 + g;
        float s[GPSA4_KT][4];
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt) s[kt][0] = s[kt][1] = s[kt][2] = s[kt][3] = 0.0f;
        for (int c0 = 0; c0 < dk; c0 += 8) { // S = (scale·Q)·Kᵀ
            const float* qa = qs + r0 * ld + c0 + t;
            const Tf32A a = tf32_split_a(qa[0], qa[8 * ld], qa[4], qa[8 * ld + 4]);
#pragma unroll
            for (int kt = 0; kt < GPSA4_KT; ++kt)
                if (kt < keyTiles) {
                    const float* kb = ks + (kt * 8 + g) * ld + c0 + t;
                    mma_3xtf32(s[kt], a, tf32_split_b(kb[0], kb[4]));
                }
        }

        gpsa4_scores_to_attn(s, r0, n, keyTiles, t, posH, cPlane, aPlane, sigma, keep, vec);

        // out = P·V: P's C fragment is the A operand with keys permuted (column t ↔ key 2t, t+4 ↔ 2t+1)
        for (int c0 = 0; c0 < dk; c0 += 8) {
            float o[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
            for (int kt = 0; kt < GPSA4_KT; ++kt)
                if (kt < keyTiles) {
                    const Tf32A a = tf32_split_a(s[kt][0], s[kt][2], s[kt][1], s[kt][3]);
                    const float* vb = vs + (kt * 8 + 2 * t) * ld + c0 + g;
                    mma_3xtf32(o, a, tf32_split_b(vb[0], vb[ld]));
                }
            gpsa4_store_tile(outB, dim, o, r0, c0 + 2 * t, n, d, 1.0f, vecOut);
        }
    }
}

// Backward body; N <= 64; scratch as in gpsa_attention.cu (its dS region unused here; dPos partials, gate
// partials); NC, DC as in the forward; reduce: 32 floats of shared memory for the block sum.
template <int NC, int DC>
__device__ __forceinline__ void gpsa4_backward(const float* dout, const float* qk, const float* v, const float* pos,
                                               const float* gates, const float* content, const float* attn, float* dqk,
                                               float* dv, float* scratch, int batch, int nArg, int dim, int heads,
                                               float scale, float* reduce) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    const int n = NC > 0 ? NC : nArg;
    const int d = DC > 0 ? DC : dim / heads, dk = gpsa4_round(d, 8), ld = dk + 4, ld2 = gpsa4_ld8(d);
    const int np = gpsa4_round(n, 16), ldp = gpsa4_ld8(np);
    const int region = max(3 * np * ld, 2 * np * ld2);
    const int b = blockIdx.x / heads, h = blockIdx.x - (blockIdx.x / heads) * heads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int g = lane >> 2, t = lane & 3;
    float* dos = smem;          // phase 1: [np, ld] dO
    float* ks = dos + np * ld;  //          [np, ld] K
    float* vs = ks + np * ld;   //          [np, ld] V
    float* qs2 = smem;          // phase 2: [np, ld2] Q
    float* dos2 = smem + np * ld2; //       [np, ld2] dO
    float* attnS = smem + region;  // [np, ldp] attn rows (zero outside N × N)
    float* dsS = attnS + np * ldp; // [np, ldp] content rows, then dS rows
    if (b >= batch) return;        // uniform per block

    const long long plane = ((long long)b * heads + h) * n * n;
    const long long planes = (long long)batch * heads * n * n;
    float* dPosPart = scratch + planes + plane;
    float* gatePart = scratch + 2 * planes;
    const float* qkB = qk + (long long)b * n * 2 * dim;
    const float* doB = dout + (long long)b * n * dim + h * d;
    float* dqkB = dqk + (long long)b * n * 2 * dim;
    const float* posH = pos + (long long)h * n * n;
    const float* aPlane = attn + plane;
    const float* cPlane = content + plane;

    gpsa4_stage(dos, ld, np, dk, doB, dim, n, d, 1.0f);
    gpsa4_stage(ks, ld, np, dk, qkB + dim + h * d, 2 * dim, n, d, 1.0f);
    gpsa4_stage(vs, ld, np, dk, v + (long long)b * n * dim + h * d, dim, n, d, 1.0f);
    __syncthreads();

    const float sigma = gpsa_sigmoid(gates[h]), keep = 1.0f - sigma;
    const int keyTiles = (n + 7) >> 3, smemTiles = np >> 3;
    const bool vec = (n & 1) == 0 && gpsa4_aligned8(content) && gpsa4_aligned8(attn) && gpsa4_aligned8(pos) &&
                     gpsa4_aligned8(scratch);
    const bool vecQ = (dim & 1) == 0 && (d & 1) == 0 && gpsa4_aligned8(dqk);
    float gateAcc = 0.0f;

    for (int i0 = warp * 16; i0 < n; i0 += warps * 16) {
        const int r0 = i0 + g;
        float ga[GPSA4_KT][4];
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt) ga[kt][0] = ga[kt][1] = ga[kt][2] = ga[kt][3] = 0.0f;
        for (int c0 = 0; c0 < dk; c0 += 8) { // dA = dO·Vᵀ
            const float* oa = dos + r0 * ld + c0 + t;
            const Tf32A a = tf32_split_a(oa[0], oa[8 * ld], oa[4], oa[8 * ld + 4]);
#pragma unroll
            for (int kt = 0; kt < GPSA4_KT; ++kt)
                if (kt < keyTiles) {
                    const float* vb = vs + (kt * 8 + g) * ld + c0 + t;
                    mma_3xtf32(ga[kt], a, tf32_split_b(vb[0], vb[4]));
                }
        }

        gpsa4_attn_grad_to_ds(ga, r0, n, keyTiles, smemTiles, t, aPlane, cPlane, posH, dPosPart, attnS, dsS, ldp, sigma, keep,
                              vec, gateAcc);

        // dQ = scale·dS·K: dS's C fragment as the A operand with keys permuted, K rows read in the same order
        for (int c0 = 0; c0 < dk; c0 += 8) {
            float q[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
            for (int kt = 0; kt < GPSA4_KT; ++kt)
                if (kt < keyTiles) {
                    const Tf32A a = tf32_split_a(ga[kt][0], ga[kt][2], ga[kt][1], ga[kt][3]);
                    const float* kb = ks + (kt * 8 + 2 * t) * ld + c0 + g;
                    mma_3xtf32(q, a, tf32_split_b(kb[0], kb[ld]));
                }
            gpsa4_store_tile(dqkB + h * d, 2 * dim, q, r0, c0 + 2 * t, n, d, scale, vecQ);
        }
    }
    gateAcc = block_sum(gateAcc, reduce); // its barriers end phase 1: every attn/dS row is staged, K/V/dO are free
    if (threadIdx.x == 0) gatePart[(long long)b * heads + h] = gateAcc;

    // phase 2: Q and dO with rows ≡ 8 (mod 32) for the B fragments (lanes t over rows, g over channels)
    gpsa4_stage(qs2, ld2, np, dk, qkB + h * d, 2 * dim, n, d, 1.0f);
    gpsa4_stage(dos2, ld2, np, dk, doB, dim, n, d, 1.0f);
    __syncthreads();
    float* dvB = dv + (long long)b * n * dim + h * d;
    float* dkB = dqkB + dim + h * d;
    const bool vecV = (dim & 1) == 0 && (d & 1) == 0 && gpsa4_aligned8(dv);
    const int chTiles = dk >> 3, tasks = (np >> 4) * chTiles;
    for (int task = warp; task < tasks; task += warps) {
        const int j0 = (task / chTiles) * 16, c0 = (task - (task / chTiles) * chTiles) * 8;
        float accV[4] = {0.0f, 0.0f, 0.0f, 0.0f}, accK[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll 2
        for (int i0 = 0; i0 < np; i0 += 8) { // rows in increasing 8-row steps
            // A = attnᵀ (dSᵀ): row m = key j0 + g (+8), column k = query row i0 + t (+4)
            const float* ar = attnS + (i0 + t) * ldp + j0 + g;
            const float* sr = dsS + (i0 + t) * ldp + j0 + g;
            const float* ob = dos2 + (i0 + t) * ld2 + c0 + g;
            const float* qb = qs2 + (i0 + t) * ld2 + c0 + g;
            mma_3xtf32(accV, tf32_split_a(ar[0], ar[8], ar[4 * ldp], ar[4 * ldp + 8]), tf32_split_b(ob[0], ob[4 * ld2]));
            mma_3xtf32(accK, tf32_split_a(sr[0], sr[8], sr[4 * ldp], sr[4 * ldp + 8]), tf32_split_b(qb[0], qb[4 * ld2]));
        }
        gpsa4_store_tile(dvB, dim, accV, j0 + g, c0 + 2 * t, n, d, 1.0f, vecV);
        gpsa4_store_tile(dkB, 2 * dim, accK, j0 + g, c0 + 2 * t, n, d, scale, vecQ);
    }
}

// Grid = B·H, block = a multiple of 32 up to 256 (each warp takes 16-row tiles). Any N <= 64 and head width.
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_forward_v4_f32(const float* qk, const float* v, const float* pos,
                                                                      const float* gates, float* content, float* attn,
                                                                      float* out, int batch, int n, int dim, int heads,
                                                                      float scale) {
    gpsa4_forward<0, 0>(qk, v, pos, gates, content, attn, out, batch, n, dim, heads, scale);
}

// N = 64, head width 32 (DyTox CIFAR); the launcher checks both.
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_forward_v4_n64_d32_f32(const float* qk, const float* v,
                                                                              const float* pos, const float* gates,
                                                                              float* content, float* attn, float* out,
                                                                              int batch, int n, int dim, int heads,
                                                                              float scale) {
    gpsa4_forward<64, 32>(qk, v, pos, gates, content, attn, out, batch, n, dim, heads, scale);
}

// Grid = B·H, block = a multiple of 32 up to 256. Any N <= 64 and head width.
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_backward_v4_f32(const float* dout, const float* qk, const float* v,
                                                                       const float* pos, const float* gates,
                                                                       const float* content, const float* attn, float* dqk,
                                                                       float* dv, float* scratch, int batch, int n, int dim,
                                                                       int heads, float scale) {
    __shared__ float reduce[32];
    gpsa4_backward<0, 0>(dout, qk, v, pos, gates, content, attn, dqk, dv, scratch, batch, n, dim, heads, scale, reduce);
}

// N = 64, head width 32 (DyTox CIFAR); the launcher checks both.
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_backward_v4_n64_d32_f32(const float* dout, const float* qk,
                                                                               const float* v, const float* pos,
                                                                               const float* gates, const float* content,
                                                                               const float* attn, float* dqk, float* dv,
                                                                               float* scratch, int batch, int n, int dim,
                                                                               int heads, float scale) {
    __shared__ float reduce[32];
    gpsa4_backward<64, 32>(dout, qk, v, pos, gates, content, attn, dqk, dv, scratch, batch, n, dim, heads, scale, reduce);
}
