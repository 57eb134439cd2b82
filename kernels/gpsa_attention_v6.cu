// gpsa_attention_v6.cu: gated positional self-attention (dytox-spec §1.4) on tensor cores for 64 < N <= 256
// (ImageNet's 196 tokens), float32 accuracy. Version 6 of the fused GPSA core: v4 (gpsa_attention_v4.cu) keeps a
// 16-row tile's whole score rows in registers, which stops at 64 keys; v6 walks the keys in chunks of 64 and makes
// two passes over them, recomputing each chunk's scores on the tensor cores instead of keeping them (the
// FlashAttention recipe, here with the softmax statistics first because GPSA writes the normalised planes).
// Same inputs, outputs, scratch layout and semantics as v3/v4; the batch reduction is v3's gpsa_backward_reduce_f32.
// kernels/README.md "GPSA attention" has the versions, their measurements and the dispatch.
//
// Why: at N = 196 the production path (v3 forward, v2 backward: 3.85 ms fwd+bwd at B = 128 on the H200) runs 7–11×
// above the DRAM floor (131 µs forward, 352 µs backward), like v3 at CIFAR before v4; attention there is about half
// of the SAB's GEMM time, the largest GPU lever of an ImageNet step.
//
// Forward, one block per (b, h), a warp per 16 query rows at a time; Q (pre-scaled), K, V staged as in v4.
//   pass 1, per chunk: S = Q·Kᵀ (mma); per lane a running max and Σ exp over its own keys (one rescale per chunk);
//           then the quad combines them into the row's max M and Σ exp Z.
//   pass 2, per chunk: S again; content = exp(S − M)/Z (written), mix = (1−σ)·content + σ·pos, Σ mix accumulated,
//           mix written into attn unnormalised, O += mix·V (mix as the A operand with v4's key permutation).
//   end:    out = O / Σ mix; attn = mix / Σ mix rescaled in place (each lane rewrites exactly what it wrote, so
//           program order is all the ordering it needs).
// Backward, one block per (b, h), no atomics:
//   phase 1, per 16-row tile, pass 1 per chunk: dA = dO·Vᵀ (mma); row sums D1 = Σ dA∘attn, D2 = Σ dA∘content,
//           C = Σ content, W = Σ mix. Then Σ_k dc_k·content_k = (1−σ)/W · (D2 − D1·C), the one row sum the softmax
//           backward needs after dmix = (dA − D1)/W, known before pass 2.
//           pass 2 per chunk: dA again; dmix, dPos partial = σ·dmix (scratch), gate partial += Σ dmix∘(pos − content),
//           dS = content∘((1−σ)·dmix − Σ dc∘content) written to the scratch's dS plane, dQ += dS·K (mma).
//   phase 2, after the block barrier: Q and dO restaged (rows ≡ 8 mod 32); a warp per (16-key tile, dV or dK) over all
//           channel tiles, dV = attnᵀ·dO or dK = scale·dSᵀ·Q with the A fragments read from the attn or dS plane in
//           global memory (the block's own, L2-resident) and the rows summed in increasing 8-row steps.
//
// Shared memory (GpsaKernels.LongTensorCoreForwardSharedBytes / LongTensorCoreBackwardSharedBytes), Np = round16(N),
// ld = round8(d) + 4: forward 3·Np·ld floats, backward max(3·Np·ld, 2·Np·ld8(d)) floats (ImageNet, d = 32:
// 89,856 B each, 2 blocks per SM on the H200). Head width at most 64 (8 channel tiles of accumulators).
#include "gpsa_mma_common.cuh"

// Key tiles of 8 per chunk: one chunk's scores of a 16-row tile in registers, as v4 holds a whole row.
#define GPSA6_KC 8
// Longest sequence and widest head v6 takes.
#define GPSA6_MAX_N 256
#define GPSA6_MAX_CT 8

// s = A·Bᵀ for rows r0, r0 + 8 of as and the keys of key tiles kt0 … kt0 + GPSA6_KC − 1 (rows of bs); tiles at or
// beyond keyTiles stay 0. Forward: Q·Kᵀ; backward: dO·Vᵀ. Warp-uniform control flow (the mma is a warp collective).
__device__ __forceinline__ void gpsa6_chunk(float (&s)[GPSA6_KC][4], const float* as, const float* bs, int ld, int dk,
                                            int r0, int kt0, int keyTiles, int g, int t) {
#pragma unroll
    for (int kt = 0; kt < GPSA6_KC; ++kt) s[kt][0] = s[kt][1] = s[kt][2] = s[kt][3] = 0.0f;
    for (int c0 = 0; c0 < dk; c0 += 8) {
        const float* qa = as + r0 * ld + c0 + t;
        const Tf32A a = tf32_split_a(qa[0], qa[8 * ld], qa[4], qa[8 * ld + 4]);
#pragma unroll
        for (int kt = 0; kt < GPSA6_KC; ++kt)
            if (kt0 + kt < keyTiles) {
                const float* kb = bs + ((kt0 + kt) * 8 + g) * ld + c0 + t;
                mma_3xtf32(s[kt], a, tf32_split_b(kb[0], kb[4]));
            }
    }
}

// acc[ct] += p·B over the chunk's keys: p's C fragments as the A operand with the keys permuted inside each 8-key
// step (A column t ↔ key 2t, t + 4 ↔ 2t + 1), B's rows (bs, stride ld) read in the same order; keys in increasing
// order. Forward: O += mix·V; backward: dQ += dS·K.
template <int CT>
__device__ __forceinline__ void gpsa6_accumulate(float (&acc)[CT][4], const float (&p)[GPSA6_KC][4], const float* bs,
                                                 int ld, int chTiles, int kt0, int keyTiles, int g, int t) {
#pragma unroll
    for (int kt = 0; kt < GPSA6_KC; ++kt)
        if (kt0 + kt < keyTiles) {
            const Tf32A a = tf32_split_a(p[kt][0], p[kt][2], p[kt][1], p[kt][3]);
            const float* vb = bs + ((kt0 + kt) * 8 + 2 * t) * ld + g;
#pragma unroll
            for (int ct = 0; ct < CT; ++ct)
                if (ct < chTiles) mma_3xtf32(acc[ct], a, tf32_split_b(vb[ct * 8], vb[ct * 8 + ld]));
        }
}

// Rows r0 and r0 + 8 of acc (channels ct·8 + 2t, +1) times mul0 / mul1 into dst (row stride ld), within n rows, d channels.
template <int CT>
__device__ __forceinline__ void gpsa6_store_rows(float* dst, long long ld, const float (&acc)[CT][4], int r0, int n, int d,
                                                 int chTiles, int t, float mul0, float mul1, bool vec) {
#pragma unroll
    for (int ct = 0; ct < CT; ++ct)
        if (ct < chTiles) {
            const int c = ct * 8 + 2 * t;
            const bool c0 = c < d, c1 = c + 1 < d;
            if (r0 < n) gpsa4_store2(dst + r0 * ld + c, mul0 * acc[ct][0], mul0 * acc[ct][1], vec && c1, c0, c1);
            if (r0 + 8 < n) gpsa4_store2(dst + (r0 + 8) * ld + c, mul1 * acc[ct][2], mul1 * acc[ct][3], vec && c1, c0, c1);
        }
}

// z·exp(m − m') for a lane's running Σ exp z at max m when the max becomes m' (z = 0 while the lane has seen no key).
__device__ __forceinline__ float gpsa6_rescale(float z, float m, float mNew) {
    return z > 0.0f ? z * expf(m - mNew) : 0.0f;
}

// Forward body; 64 < N <= 256 (any N >= 1 works), head width <= 64. NC, DC > 0 fix N and the head width at compile
// time (ImageNet's instance: loop bounds, tile guards and plane strides fold, as in v4's CIFAR instance), 0 takes
// them from the arguments.
template <int NC, int DC>
__device__ __forceinline__ void gpsa6_forward(const float* qk, const float* v, const float* pos, const float* gates,
                                              float* content, float* attn, float* out, int batch, int nArg, int dim,
                                              int heads, float scale) {
    const int n = NC > 0 ? NC : nArg;
    constexpr int CT = DC > 0 ? (DC + 7) / 8 : GPSA6_MAX_CT;
    DYTOX_DYNAMIC_SHARED(float, smem);
    const int d = DC > 0 ? DC : dim / heads, dk = gpsa4_round(d, 8), ld = dk + 4, np = gpsa4_round(n, 16);
    const int chTiles = dk >> 3;
    const int b = blockIdx.x / heads, h = blockIdx.x - (blockIdx.x / heads) * heads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int g = lane >> 2, t = lane & 3;
    float* qs = smem;         // [np, ld]: scale·Q
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
    const bool vec = (n & 1) == 0 && gpsa4_aligned8(content) && gpsa4_aligned8(attn) && gpsa4_aligned8(pos);
    float* outB = out + (long long)b * n * dim + h * d;
    const bool vecOut = (dim & 1) == 0 && (d & 1) == 0 && gpsa4_aligned8(out);

    for (int i0 = warp * 16; i0 < n; i0 += warps * 16) {
        const int r0 = i0 + g, r1 = r0 + 8;
        float s[GPSA6_KC][4];

        // pass 1: row max and Σ exp, per lane over its keys, then over the quad
        float m0 = gpsa_neg_inf(), m1 = gpsa_neg_inf(), z0 = 0.0f, z1 = 0.0f;
        for (int kt0 = 0; kt0 < keyTiles; kt0 += GPSA6_KC) {
            gpsa6_chunk(s, qs, ks, ld, dk, r0, kt0, keyTiles, g, t);
            float c0 = gpsa_neg_inf(), c1 = gpsa_neg_inf();
#pragma unroll
            for (int kt = 0; kt < GPSA6_KC; ++kt)
#pragma unroll
                for (int u = 0; u < 2; ++u)
                    if (kt0 + kt < keyTiles && (kt0 + kt) * 8 + 2 * t + u < n) {
                        c0 = fmaxf(c0, s[kt][u]);
                        c1 = fmaxf(c1, s[kt][2 + u]);
                    }
            const float n0 = fmaxf(m0, c0), n1 = fmaxf(m1, c1);
            z0 = gpsa6_rescale(z0, m0, n0);
            z1 = gpsa6_rescale(z1, m1, n1);
#pragma unroll
            for (int kt = 0; kt < GPSA6_KC; ++kt)
#pragma unroll
                for (int u = 0; u < 2; ++u)
                    if (kt0 + kt < keyTiles && (kt0 + kt) * 8 + 2 * t + u < n) {
                        z0 += expf(s[kt][u] - n0);
                        z1 += expf(s[kt][2 + u] - n1);
                    }
            m0 = n0;
            m1 = n1;
        }
        const float rowMax0 = quad_max(m0), rowMax1 = quad_max(m1);
        const float inv0 = gpsa4_rcp(quad_sum(gpsa6_rescale(z0, m0, rowMax0)));
        const float inv1 = gpsa4_rcp(quad_sum(gpsa6_rescale(z1, m1, rowMax1)));

        // pass 2: content (written), mix (written unnormalised, accumulated), O += mix·V
        float o[CT][4];
#pragma unroll
        for (int ct = 0; ct < CT; ++ct) o[ct][0] = o[ct][1] = o[ct][2] = o[ct][3] = 0.0f;
        float w0 = 0.0f, w1 = 0.0f;
        for (int kt0 = 0; kt0 < keyTiles; kt0 += GPSA6_KC) {
            gpsa6_chunk(s, qs, ks, ld, dk, r0, kt0, keyTiles, g, t);
#pragma unroll
            for (int kt = 0; kt < GPSA6_KC; ++kt)
                if (kt0 + kt < keyTiles) {
                    const int j = (kt0 + kt) * 8 + 2 * t;
                    const bool okA0 = r0 < n && j < n, okA1 = r0 < n && j + 1 < n;
                    const bool okB0 = r1 < n && j < n, okB1 = r1 < n && j + 1 < n;
                    const float ca0 = okA0 ? expf(s[kt][0] - rowMax0) * inv0 : 0.0f;
                    const float ca1 = okA1 ? expf(s[kt][1] - rowMax0) * inv0 : 0.0f;
                    const float cb0 = okB0 ? expf(s[kt][2] - rowMax1) * inv1 : 0.0f;
                    const float cb1 = okB1 ? expf(s[kt][3] - rowMax1) * inv1 : 0.0f;
                    gpsa4_store2(cPlane + r0 * n + j, ca0, ca1, vec, okA0, okA1);
                    gpsa4_store2(cPlane + r1 * n + j, cb0, cb1, vec, okB0, okB1);
                    const float2 pa = gpsa4_load2(posH + r0 * n + j, vec, okA0, okA1);
                    const float2 pb = gpsa4_load2(posH + r1 * n + j, vec, okB0, okB1);
                    s[kt][0] = okA0 ? fmaf(sigma, pa.x, keep * ca0) : 0.0f;
                    s[kt][1] = okA1 ? fmaf(sigma, pa.y, keep * ca1) : 0.0f;
                    s[kt][2] = okB0 ? fmaf(sigma, pb.x, keep * cb0) : 0.0f;
                    s[kt][3] = okB1 ? fmaf(sigma, pb.y, keep * cb1) : 0.0f;
                    w0 += s[kt][0] + s[kt][1];
                    w1 += s[kt][2] + s[kt][3];
                    gpsa4_store2(aPlane + r0 * n + j, s[kt][0], s[kt][1], vec, okA0, okA1);
                    gpsa4_store2(aPlane + r1 * n + j, s[kt][2], s[kt][3], vec, okB0, okB1);
                }
            gpsa6_accumulate<CT>(o, s, vs, ld, chTiles, kt0, keyTiles, g, t);
        }
        w0 = quad_sum(w0);
        w1 = quad_sum(w1);
        const float iw0 = r0 < n ? gpsa4_rcp(w0) : 0.0f, iw1 = r1 < n ? gpsa4_rcp(w1) : 0.0f;
        gpsa6_store_rows<CT>(outB, dim, o, r0, n, d, chTiles, t, iw0, iw1, vecOut);

        // attn = mix / Σ mix, in place: every lane rescales the pairs it wrote itself
        for (int kt = 0; kt < keyTiles; ++kt) {
            const int j = kt * 8 + 2 * t;
            const bool okA0 = r0 < n && j < n, okA1 = r0 < n && j + 1 < n;
            const bool okB0 = r1 < n && j < n, okB1 = r1 < n && j + 1 < n;
            const float2 xa = gpsa4_load2(aPlane + r0 * n + j, vec, okA0, okA1);
            const float2 xb = gpsa4_load2(aPlane + r1 * n + j, vec, okB0, okB1);
            gpsa4_store2(aPlane + r0 * n + j, xa.x * iw0, xa.y * iw0, vec, okA0, okA1);
            gpsa4_store2(aPlane + r1 * n + j, xb.x * iw1, xb.y * iw1, vec, okB0, okB1);
        }
    }
}

// Backward body; 64 < N <= 256, head width <= 64; scratch as in gpsa_attention.cu (dS plane, dPos partials, gate
// partials); NC, DC as in the forward; reduce: 32 floats of shared memory for the block sum.
template <int NC, int DC>
__device__ __forceinline__ void gpsa6_backward(const float* dout, const float* qk, const float* v, const float* pos,
                                               const float* gates, const float* content, const float* attn, float* dqk,
                                               float* dv, float* scratch, int batch, int nArg, int dim, int heads,
                                               float scale, float* reduce) {
    const int n = NC > 0 ? NC : nArg;
    constexpr int CT = DC > 0 ? (DC + 7) / 8 : GPSA6_MAX_CT;
    DYTOX_DYNAMIC_SHARED(float, smem);
    const int d = DC > 0 ? DC : dim / heads, dk = gpsa4_round(d, 8), ld = dk + 4, ld2 = gpsa4_ld8(d);
    const int np = gpsa4_round(n, 16), chTiles = dk >> 3;
    const int b = blockIdx.x / heads, h = blockIdx.x - (blockIdx.x / heads) * heads;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    const int g = lane >> 2, t = lane & 3;
    float* dos = smem;             // phase 1: [np, ld] dO
    float* ks = dos + np * ld;     //          [np, ld] K
    float* vs = ks + np * ld;      //          [np, ld] V
    float* qs2 = smem;             // phase 2: [np, ld2] Q
    float* dos2 = smem + np * ld2; //          [np, ld2] dO
    if (b >= batch) return;        // uniform per block

    const long long plane = ((long long)b * heads + h) * n * n;
    const long long planes = (long long)batch * heads * n * n;
    float* dsPlane = scratch + plane;
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
    const int keyTiles = (n + 7) >> 3;
    const bool vec = (n & 1) == 0 && gpsa4_aligned8(content) && gpsa4_aligned8(attn) && gpsa4_aligned8(pos) &&
                     gpsa4_aligned8(scratch);
    const bool vecQ = (dim & 1) == 0 && (d & 1) == 0 && gpsa4_aligned8(dqk);
    float gateAcc = 0.0f;

    for (int i0 = warp * 16; i0 < n; i0 += warps * 16) {
        const int r0 = i0 + g, r1 = r0 + 8;
        float ga[GPSA6_KC][4];

        // pass 1: D1 = Σ dA∘attn, D2 = Σ dA∘content, C = Σ content, W = Σ mix per row
        float d10 = 0.0f, d11 = 0.0f, d20 = 0.0f, d21 = 0.0f, c0 = 0.0f, c1 = 0.0f, w0 = 0.0f, w1 = 0.0f;
        for (int kt0 = 0; kt0 < keyTiles; kt0 += GPSA6_KC) {
            gpsa6_chunk(ga, dos, vs, ld, dk, r0, kt0, keyTiles, g, t);
#pragma unroll
            for (int kt = 0; kt < GPSA6_KC; ++kt)
                if (kt0 + kt < keyTiles) {
                    const int j = (kt0 + kt) * 8 + 2 * t;
                    const bool okA0 = r0 < n && j < n, okA1 = r0 < n && j + 1 < n;
                    const bool okB0 = r1 < n && j < n, okB1 = r1 < n && j + 1 < n;
                    const float2 aa = gpsa4_load2(aPlane + r0 * n + j, vec, okA0, okA1);
                    const float2 ab = gpsa4_load2(aPlane + r1 * n + j, vec, okB0, okB1);
                    const float2 ca = gpsa4_load2(cPlane + r0 * n + j, vec, okA0, okA1);
                    const float2 cb = gpsa4_load2(cPlane + r1 * n + j, vec, okB0, okB1);
                    const float2 pa = gpsa4_load2(posH + r0 * n + j, vec, okA0, okA1);
                    const float2 pb = gpsa4_load2(posH + r1 * n + j, vec, okB0, okB1);
                    d10 += ga[kt][0] * aa.x + ga[kt][1] * aa.y;
                    d11 += ga[kt][2] * ab.x + ga[kt][3] * ab.y;
                    d20 += ga[kt][0] * ca.x + ga[kt][1] * ca.y;
                    d21 += ga[kt][2] * cb.x + ga[kt][3] * cb.y;
                    c0 += ca.x + ca.y;
                    c1 += cb.x + cb.y;
                    w0 += fmaf(sigma, pa.x, keep * ca.x) + fmaf(sigma, pa.y, keep * ca.y);
                    w1 += fmaf(sigma, pb.x, keep * cb.x) + fmaf(sigma, pb.y, keep * cb.y);
                }
        }
        d10 = quad_sum(d10);
        d11 = quad_sum(d11);
        d20 = quad_sum(d20);
        d21 = quad_sum(d21);
        c0 = quad_sum(c0);
        c1 = quad_sum(c1);
        w0 = quad_sum(w0);
        w1 = quad_sum(w1);
        const float iw0 = r0 < n ? gpsa4_rcp(w0) : 0.0f, iw1 = r1 < n ? gpsa4_rcp(w1) : 0.0f;
        // Σ_k dc_k·content_k with dc = (1−σ)·(dA − D1)/W
        const float e0 = keep * iw0 * (d20 - d10 * c0), e1 = keep * iw1 * (d21 - d11 * c1);

        // pass 2: dmix, dPos partial, gate partial, dS (to the dS plane), dQ += dS·K
        float q[CT][4];
#pragma unroll
        for (int ct = 0; ct < CT; ++ct) q[ct][0] = q[ct][1] = q[ct][2] = q[ct][3] = 0.0f;
        for (int kt0 = 0; kt0 < keyTiles; kt0 += GPSA6_KC) {
            gpsa6_chunk(ga, dos, vs, ld, dk, r0, kt0, keyTiles, g, t);
#pragma unroll
            for (int kt = 0; kt < GPSA6_KC; ++kt)
                if (kt0 + kt < keyTiles) {
                    const int j = (kt0 + kt) * 8 + 2 * t;
                    const bool okA0 = r0 < n && j < n, okA1 = r0 < n && j + 1 < n;
                    const bool okB0 = r1 < n && j < n, okB1 = r1 < n && j + 1 < n;
                    const float2 ca = gpsa4_load2(cPlane + r0 * n + j, vec, okA0, okA1);
                    const float2 cb = gpsa4_load2(cPlane + r1 * n + j, vec, okB0, okB1);
                    const float2 pa = gpsa4_load2(posH + r0 * n + j, vec, okA0, okA1);
                    const float2 pb = gpsa4_load2(posH + r1 * n + j, vec, okB0, okB1);
                    const float ma0 = okA0 ? (ga[kt][0] - d10) * iw0 : 0.0f, ma1 = okA1 ? (ga[kt][1] - d10) * iw0 : 0.0f;
                    const float mb0 = okB0 ? (ga[kt][2] - d11) * iw1 : 0.0f, mb1 = okB1 ? (ga[kt][3] - d11) * iw1 : 0.0f;
                    gpsa4_store2(dPosPart + r0 * n + j, sigma * ma0, sigma * ma1, vec, okA0, okA1);
                    gpsa4_store2(dPosPart + r1 * n + j, sigma * mb0, sigma * mb1, vec, okB0, okB1);
                    gateAcc = fmaf(ma0, pa.x - ca.x, gateAcc);
                    gateAcc = fmaf(ma1, pa.y - ca.y, gateAcc);
                    gateAcc = fmaf(mb0, pb.x - cb.x, gateAcc);
                    gateAcc = fmaf(mb1, pb.y - cb.y, gateAcc);
                    ga[kt][0] = ca.x * (keep * ma0 - e0);
                    ga[kt][1] = ca.y * (keep * ma1 - e0);
                    ga[kt][2] = cb.x * (keep * mb0 - e1);
                    ga[kt][3] = cb.y * (keep * mb1 - e1);
                    gpsa4_store2(dsPlane + r0 * n + j, ga[kt][0], ga[kt][1], vec, okA0, okA1);
                    gpsa4_store2(dsPlane + r1 * n + j, ga[kt][2], ga[kt][3], vec, okB0, okB1);
                }
            gpsa6_accumulate<CT>(q, ga, ks, ld, chTiles, kt0, keyTiles, g, t);
        }
        gpsa6_store_rows<CT>(dqkB + h * d, 2 * dim, q, r0, n, d, chTiles, t, scale, scale, vecQ);
    }
    gateAcc = block_sum(gateAcc, reduce); // its barriers end phase 1: every dS row is in the plane, dO/K/V are free
    if (threadIdx.x == 0) gatePart[(long long)b * heads + h] = gateAcc;

    // phase 2: Q and dO with rows ≡ 8 (mod 32) for the B fragments (lanes t over rows, g over channels)
    gpsa4_stage(qs2, ld2, np, dk, qkB + h * d, 2 * dim, n, d, 1.0f);
    gpsa4_stage(dos2, ld2, np, dk, doB, dim, n, d, 1.0f);
    __syncthreads();
    float* dvB = dv + (long long)b * n * dim + h * d;
    float* dkB = dqkB + dim + h * d;
    const bool vecV = (dim & 1) == 0 && (d & 1) == 0 && gpsa4_aligned8(dv);
    // Tasks alternate between dV and dK of one 16-key tile (one set of accumulators each: 8 channel tiles at most).
    for (int task = warp; task < 2 * (np >> 4); task += warps) {
        const bool keyGrad = (task & 1) != 0;
        const int ja = (task >> 1) * 16 + g, jb = ja + 8;
        const float* aSrc = keyGrad ? dsPlane : aPlane; // A = attnᵀ for dV, dSᵀ for dK
        const float* bSrc = keyGrad ? qs2 : dos2;       // B = dO for dV, Q for dK
        float acc[CT][4];
#pragma unroll
        for (int ct = 0; ct < CT; ++ct) acc[ct][0] = acc[ct][1] = acc[ct][2] = acc[ct][3] = 0.0f;
        for (int i0 = 0; i0 < n; i0 += 8) { // rows in increasing 8-row steps
            // A: row m = key ja (jb), column k = query row ia = i0 + t (ib = ia + 4); zero outside the n × n plane
            const int ia = i0 + t, ib = ia + 4;
            const Tf32A a = tf32_split_a(ia < n && ja < n ? aSrc[ia * n + ja] : 0.0f, ia < n && jb < n ? aSrc[ia * n + jb] : 0.0f,
                                         ib < n && ja < n ? aSrc[ib * n + ja] : 0.0f, ib < n && jb < n ? aSrc[ib * n + jb] : 0.0f);
            const float* bb = bSrc + ia * ld2 + g;
#pragma unroll
            for (int ct = 0; ct < CT; ++ct)
                if (ct < chTiles) mma_3xtf32(acc[ct], a, tf32_split_b(bb[ct * 8], bb[ct * 8 + 4 * ld2]));
        }
        if (keyGrad) gpsa6_store_rows<CT>(dkB, 2 * dim, acc, ja, n, d, chTiles, t, scale, scale, vecQ);
        else gpsa6_store_rows<CT>(dvB, dim, acc, ja, n, d, chTiles, t, 1.0f, 1.0f, vecV);
    }
}

// Grid = B·H, block = a multiple of 32 up to 256 (each warp takes 16-row tiles). 64 < N <= 256, head width <= 64.
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_forward_v6_f32(const float* qk, const float* v, const float* pos,
                                                                      const float* gates, float* content, float* attn,
                                                                      float* out, int batch, int n, int dim, int heads,
                                                                      float scale) {
    gpsa6_forward<0, 0>(qk, v, pos, gates, content, attn, out, batch, n, dim, heads, scale);
}

// Head width 32 (DyTox ImageNet: 384 channels, 12 heads); the launcher checks it.
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_forward_v6_d32_f32(const float* qk, const float* v, const float* pos,
                                                                          const float* gates, float* content, float* attn,
                                                                          float* out, int batch, int n, int dim, int heads,
                                                                          float scale) {
    gpsa6_forward<0, 32>(qk, v, pos, gates, content, attn, out, batch, n, dim, heads, scale);
}

// Grid = B·H, block = a multiple of 32 up to 256. 64 < N <= 256, head width <= 64. Two blocks' worth of registers:
// unbounded, ptxas gives the 8-channel-tile accumulators 156–162 registers (1 block of 256 threads per SM).
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256, 2) void gpsa_backward_v6_f32(const float* dout, const float* qk, const float* v,
                                                                       const float* pos, const float* gates,
                                                                       const float* content, const float* attn, float* dqk,
                                                                       float* dv, float* scratch, int batch, int n, int dim,
                                                                       int heads, float scale) {
    __shared__ float reduce[32];
    gpsa6_backward<0, 0>(dout, qk, v, pos, gates, content, attn, dqk, dv, scratch, batch, n, dim, heads, scale, reduce);
}

// Head width 32 (DyTox ImageNet); the launcher checks it.
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_backward_v6_d32_f32(const float* dout, const float* qk, const float* v,
                                                                           const float* pos, const float* gates,
                                                                           const float* content, const float* attn,
                                                                           float* dqk, float* dv, float* scratch, int batch,
                                                                           int n, int dim, int heads, float scale) {
    __shared__ float reduce[32];
    gpsa6_backward<0, 32>(dout, qk, v, pos, gates, content, attn, dqk, dv, scratch, batch, n, dim, heads, scale, reduce);
}

// N = 196, head width 32 (DyTox ImageNet: 224/16 = 14×14 patches, 384 channels, 12 heads); the launcher checks both.
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_forward_v6_n196_d32_f32(const float* qk, const float* v,
                                                                               const float* pos, const float* gates,
                                                                               float* content, float* attn, float* out,
                                                                               int batch, int n, int dim, int heads,
                                                                               float scale) {
    gpsa6_forward<196, 32>(qk, v, pos, gates, content, attn, out, batch, n, dim, heads, scale);
}

// N = 196, head width 32 (DyTox ImageNet); the launcher checks both.
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_backward_v6_n196_d32_f32(const float* dout, const float* qk,
                                                                                const float* v, const float* pos,
                                                                                const float* gates, const float* content,
                                                                                const float* attn, float* dqk, float* dv,
                                                                                float* scratch, int batch, int n, int dim,
                                                                                int heads, float scale) {
    __shared__ float reduce[32];
    gpsa6_backward<196, 32>(dout, qk, v, pos, gates, content, attn, dqk, dv, scratch, batch, n, dim, heads, scale, reduce);
}
