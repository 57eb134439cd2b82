// dev/gpsa_attention_v5.cu: GPSA on tensor cores with operands split once (v5, not promoted; v4: ../gpsa_attention_v4.cu).
// Same algorithm, fragment layouts, inputs, outputs and scratch as v4 (read its header first); N <= 64, d <= 32.
//
// Why: in v4 every fragment load from shared memory is followed by the 3xTF32 split of its values, and the same
// K / V / dO values are split again for every 16-row tile and every channel tile: counted with tools/sass_mix.sh at
// CIFAR, the splits were 35% (forward) and 40% (backward) of v4's instructions (kernels/README.md, "v5").
// v5 splits each operand once:
//   * Q, K, V (forward) and dO, V, K (backward phase 1) are staged in shared memory as (big, small) TF32 bit pairs
//     (uint2), so an A fragment is 4 and a B fragment 2 eight-byte loads and no arithmetic. Strides in uint2 units:
//     ≡ 4 (mod 8) for the g·ld + t fragment pattern, ≡ 2 (mod 8) for 2t·ld + g, ≡ 4 (mod 16) for t·ld + g: each
//     half warp's 8-byte loads hit 32 distinct banks.
//   * P (forward) and dS (backward) are split once per key tile in registers, not once per channel tile.
//   * phase 2 runs a warp per 16-key tile over every channel tile, so its attnᵀ / dSᵀ fragments are split once per
//     8-row step (v4 split them again for each channel tile), with Q and dO staged as pairs.
// Costs: shared memory per block grows (forward 54,272 B, backward 91,136 B at CIFAR: 4 forward / 2 backward
// blocks of 128 threads per SM, v4: 4 / 3), and d is limited to 32 (4 channel tiles of accumulators in phase 2).
//
// Shared memory (GpsaV5.ForwardSharedBytes / BackwardSharedBytes in tests/DyTox.Kernels.Tests/Attention),
// Np = round16(N), dk = round8(d), ldA = dk + 4, ldV = dk + 2, ld2 = dk rounded up to ≡ 4 (mod 16) (uint2 units):
//   forward  Np·(2·ldA + ldV) pairs
//   backward max(Np·(2·ldA + ldV), 2·Np·ld2) pairs + 2·Np·ld8(Np) floats (attn and dS rows, as v4)
#include "gpsa_mma_common.cuh"

// Channel tiles of 8 held as phase-2 accumulators: d <= 32 (DyTox's heads: 384 / 12). With 8 tiles (d <= 64) the
// backward took 170–174 registers; v4 serves wider heads.
#define GPSA5_CT 4

// dst[r, c] = split(mul·src[r, c]) for r < n, c < d, and (0, 0) elsewhere up to rows × cols (cols a multiple of 4,
// ld even, so each quad is two 16-byte stores). 16-byte global loads where d, the source stride and the pointer allow.
__device__ __forceinline__ void gpsa5_stage_split(uint2* dst, int ld, int rows, int cols, const float* src, int srcLd,
                                                  int n, int d, float mul) {
    const bool vec = gpsa_vec4_ok(src, srcLd, d);
    const int quads = cols >> 2;
    for (int e = threadIdx.x; e < rows * quads; e += blockDim.x) {
        const int r = e / quads, c = (e - r * quads) << 2;
        float4 x = make_float4(0.0f, 0.0f, 0.0f, 0.0f);
        if (r < n) {
            const float* s = src + (long long)r * srcLd + c;
            if (vec && c < d) {
                x = *reinterpret_cast<const float4*>(s);
            } else {
                if (c < d) x.x = s[0];
                if (c + 1 < d) x.y = s[1];
                if (c + 2 < d) x.z = s[2];
                if (c + 3 < d) x.w = s[3];
            }
        }
        const uint2 p0 = tf32_split_pair(mul * x.x), p1 = tf32_split_pair(mul * x.y);
        const uint2 p2 = tf32_split_pair(mul * x.z), p3 = tf32_split_pair(mul * x.w);
        uint4* q = reinterpret_cast<uint4*>(dst + r * ld + c);
        q[0] = make_uint4(p0.x, p0.y, p1.x, p1.y);
        q[1] = make_uint4(p2.x, p2.y, p3.x, p3.y);
    }
}

// Stride in uint2 units ≡ 4 (mod 16), at least cols: t·ld + g loads of 8 bytes are conflict-free per half warp.
__device__ __forceinline__ int gpsa5_ld4mod16(int cols) {
    return cols + (((4 - cols) % 16) + 16) % 16;
}

// Forward; N <= 64, d <= 32; grid = B·H, block = a multiple of 32 up to 256 (each warp takes 16-row tiles).
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_forward_v5_f32(const float* qk, const float* v, const float* pos,
                                                                      const float* gates, float* content, float* attn,
                                                                      float* out, int batch, int n, int dim, int heads,
                                                                      float scale) {
    DYTOX_DYNAMIC_SHARED(uint2, smem);
    const int d = dim / heads, dk = gpsa4_round(d, 8), ldA = dk + 4, ldV = dk + 2, np = gpsa4_round(n, 16);
    const int b = blockIdx.x / heads, h = blockIdx.x - (blockIdx.x / heads) * heads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int g = lane >> 2, t = lane & 3;
    uint2* qs = smem;           // [np, ldA]: split(scale·Q)
    uint2* ks = qs + np * ldA;  // [np, ldA]: split(K)
    uint2* vs = ks + np * ldA;  // [np, ldV]: split(V)
    if (b >= batch) return;     // uniform per block

    const float* qkB = qk + (long long)b * n * 2 * dim;
    gpsa5_stage_split(qs, ldA, np, dk, qkB + h * d, 2 * dim, n, d, scale);
    gpsa5_stage_split(ks, ldA, np, dk, qkB + dim + h * d, 2 * dim, n, d, 1.0f);
    gpsa5_stage_split(vs, ldV, np, dk, v + (long long)b * n * dim + h * d, dim, n, d, 1.0f);
    __syncthreads();

    const float sigma = gpsa_sigmoid(gates[h]), keep = 1.0f - sigma;
    const long long plane = ((long long)b * heads + h) * n * n;
    const float* posH = pos + (long long)h * n * n;
    float* cPlane = content + plane;
    float* aPlane = attn + plane;
    const int keyTiles = (n + 7) >> 3;
    const bool vec = (n & 1) == 0 && gpsa4_aligned8(content) && gpsa4_aligned8(attn) && gpsa4_aligned8(pos);
    float* outB = out + (long long)b * n * dim + h * d;
    const bool vecOut = (dim & 1) == 0 && (d & 1) == 0 && gpsa4_aligned8(out);

    for (int i0 = warp * 16; i0 < n; i0 += warps * 16) {
        const int r0 = i0 + g;
        float s[GPSA4_KT][4];
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt) s[kt][0] = s[kt][1] = s[kt][2] = s[kt][3] = 0.0f;
        for (int c0 = 0; c0 < dk; c0 += 8) { // S = (scale·Q)·Kᵀ
            const uint2* qa = qs + r0 * ldA + c0 + t;
            const Tf32A a = tf32_a_from_pairs(qa[0], qa[8 * ldA], qa[4], qa[8 * ldA + 4]);
#pragma unroll
            for (int kt = 0; kt < GPSA4_KT; ++kt)
                if (kt < keyTiles) {
                    const uint2* kb = ks + (kt * 8 + g) * ldA + c0 + t;
                    mma_3xtf32(s[kt], a, tf32_b_from_pairs(kb[0], kb[4]));
                }
        }

        gpsa4_scores_to_attn(s, r0, n, keyTiles, t, posH, cPlane, aPlane, sigma, keep, vec);

        // out = P·V with P split once per key tile (A operand, keys permuted as in v4)
        Tf32A p[GPSA4_KT];
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt) p[kt] = tf32_split_a(s[kt][0], s[kt][2], s[kt][1], s[kt][3]);
        for (int c0 = 0; c0 < dk; c0 += 8) {
            float o[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
            for (int kt = 0; kt < GPSA4_KT; ++kt)
                if (kt < keyTiles) {
                    const uint2* vb = vs + (kt * 8 + 2 * t) * ldV + c0 + g;
                    mma_3xtf32(o, p[kt], tf32_b_from_pairs(vb[0], vb[ldV]));
                }
            gpsa4_store_tile(outB, dim, o, r0, c0 + 2 * t, n, d, 1.0f, vecOut);
        }
    }
}

// Backward; N <= 64, d <= 32; scratch as in gpsa_attention.cu (its dS region unused; dPos and gate partials).
// Grid = B·H, block = a multiple of 32 up to 256.
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_backward_v5_f32(const float* dout, const float* qk, const float* v,
                                                                       const float* pos, const float* gates,
                                                                       const float* content, const float* attn, float* dqk,
                                                                       float* dv, float* scratch, int batch, int n, int dim,
                                                                       int heads, float scale) {
    DYTOX_DYNAMIC_SHARED(uint2, smem);
    __shared__ float reduce[32];
    const int d = dim / heads, dk = gpsa4_round(d, 8), ldA = dk + 4, ldV = dk + 2, ld2 = gpsa5_ld4mod16(dk);
    const int np = gpsa4_round(n, 16), ldp = gpsa4_ld8(np);
    const int region = max(np * (2 * ldA + ldV), 2 * np * ld2); // uint2 units, even
    const int b = blockIdx.x / heads, h = blockIdx.x - (blockIdx.x / heads) * heads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int g = lane >> 2, t = lane & 3;
    uint2* dos = smem;               // phase 1: [np, ldA] split(dO)
    uint2* vs = dos + np * ldA;      //          [np, ldA] split(V)
    uint2* ks = vs + np * ldA;       //          [np, ldV] split(K)
    uint2* qs2 = smem;               // phase 2: [np, ld2] split(Q)
    uint2* dos2 = smem + np * ld2;   //          [np, ld2] split(dO)
    float* attnS = reinterpret_cast<float*>(smem + region); // [np, ldp] attn rows
    float* dsS = attnS + np * ldp;                           // [np, ldp] content, then dS rows
    if (b >= batch) return;          // uniform per block

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

    gpsa5_stage_split(dos, ldA, np, dk, doB, dim, n, d, 1.0f);
    gpsa5_stage_split(vs, ldA, np, dk, v + (long long)b * n * dim + h * d, dim, n, d, 1.0f);
    gpsa5_stage_split(ks, ldV, np, dk, qkB + dim + h * d, 2 * dim, n, d, 1.0f);
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
            const uint2* oa = dos + r0 * ldA + c0 + t;
            const Tf32A a = tf32_a_from_pairs(oa[0], oa[8 * ldA], oa[4], oa[8 * ldA + 4]);
#pragma unroll
            for (int kt = 0; kt < GPSA4_KT; ++kt)
                if (kt < keyTiles) {
                    const uint2* vb = vs + (kt * 8 + g) * ldA + c0 + t;
                    mma_3xtf32(ga[kt], a, tf32_b_from_pairs(vb[0], vb[4]));
                }
        }

        gpsa4_attn_grad_to_ds(ga, r0, n, keyTiles, smemTiles, t, aPlane, cPlane, posH, dPosPart, attnS, dsS, ldp, sigma, keep,
                              vec, gateAcc);

        // dQ = scale·dS·K with dS split once per key tile
        Tf32A ds[GPSA4_KT];
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt) ds[kt] = tf32_split_a(ga[kt][0], ga[kt][2], ga[kt][1], ga[kt][3]);
        for (int c0 = 0; c0 < dk; c0 += 8) {
            float q[4] = {0.0f, 0.0f, 0.0f, 0.0f};
#pragma unroll
            for (int kt = 0; kt < GPSA4_KT; ++kt)
                if (kt < keyTiles) {
                    const uint2* kb = ks + (kt * 8 + 2 * t) * ldV + c0 + g;
                    mma_3xtf32(q, ds[kt], tf32_b_from_pairs(kb[0], kb[ldV]));
                }
            gpsa4_store_tile(dqkB + h * d, 2 * dim, q, r0, c0 + 2 * t, n, d, scale, vecQ);
        }
    }
    gateAcc = block_sum(gateAcc, reduce); // its barriers end phase 1: every attn/dS row is staged, dO/V/K are free
    if (threadIdx.x == 0) gatePart[(long long)b * heads + h] = gateAcc;

    // phase 2: a warp per 16-key tile, every channel tile; Q and dO as pairs for the B fragments (t·ld2 + g)
    gpsa5_stage_split(qs2, ld2, np, dk, qkB + h * d, 2 * dim, n, d, 1.0f);
    gpsa5_stage_split(dos2, ld2, np, dk, doB, dim, n, d, 1.0f);
    __syncthreads();
    float* dvB = dv + (long long)b * n * dim + h * d;
    float* dkB = dqkB + dim + h * d;
    const bool vecV = (dim & 1) == 0 && (d & 1) == 0 && gpsa4_aligned8(dv);
    const int chTiles = dk >> 3;
    for (int j0 = warp * 16; j0 < np; j0 += warps * 16) {
        float accV[GPSA5_CT][4], accK[GPSA5_CT][4];
#pragma unroll
        for (int ct = 0; ct < GPSA5_CT; ++ct)
#pragma unroll
            for (int k = 0; k < 4; ++k) {
                accV[ct][k] = 0.0f;
                accK[ct][k] = 0.0f;
            }
        for (int i0 = 0; i0 < np; i0 += 8) { // rows in increasing 8-row steps
            // A = attnᵀ (dSᵀ): row m = key j0 + g (+8), column k = query row i0 + t (+4)
            const float* ar = attnS + (i0 + t) * ldp + j0 + g;
            const float* sr = dsS + (i0 + t) * ldp + j0 + g;
            const Tf32A aA = tf32_split_a(ar[0], ar[8], ar[4 * ldp], ar[4 * ldp + 8]);
            const Tf32A aS = tf32_split_a(sr[0], sr[8], sr[4 * ldp], sr[4 * ldp + 8]);
            const uint2* ob = dos2 + (i0 + t) * ld2 + g;
            const uint2* qb = qs2 + (i0 + t) * ld2 + g;
#pragma unroll
            for (int ct = 0; ct < GPSA5_CT; ++ct)
                if (ct < chTiles) {
                    mma_3xtf32(accV[ct], aA, tf32_b_from_pairs(ob[ct * 8], ob[4 * ld2 + ct * 8]));
                    mma_3xtf32(accK[ct], aS, tf32_b_from_pairs(qb[ct * 8], qb[4 * ld2 + ct * 8]));
                }
        }
#pragma unroll
        for (int ct = 0; ct < GPSA5_CT; ++ct)
            if (ct < chTiles) {
                gpsa4_store_tile(dvB, dim, accV[ct], j0 + g, ct * 8 + 2 * t, n, d, 1.0f, vecV);
                gpsa4_store_tile(dkB, 2 * dim, accK[ct], j0 + g, ct * 8 + 2 * t, n, d, scale, vecQ);
            }
    }
}
