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
// Shared memory (GpsaKernels.V4ForwardSharedBytes / V4BackwardSharedBytes), Np = round16(N), ld = round8(d) + 4:
//   forward  3·Np·ld floats                                          (CIFAR: 27,648 B)
//   backward (max(3·Np·ld, 2·Np·ld8(d)) + 2·Np·ld8(Np)) floats, ld8(x) = round8(x) rounded up to ≡ 8 mod 32
//                                                                    (CIFAR: 64,512 B)
#include "gpsa_common.cuh"
#include "mma_tf32.cuh"

// Key tiles of 8 held in registers per 16-row tile: N <= 64 (CIFAR's token count). Longer sequences run v3/v2.
#define GPSA4_KT 8

__device__ __forceinline__ int gpsa4_round(int x, int m) {
    return (x + m - 1) / m * m;
}

// Row stride ≡ 8 (mod 32) of at least round8(cols) floats: loads with lanes t over rows and g over columns
// (address t·ld + g) hit 32 distinct banks, and float2 stores at g·ld + 2t are conflict-free per half warp.
__device__ __forceinline__ int gpsa4_ld8(int cols) {
    const int c = gpsa4_round(cols, 8);
    return c + ((40 - (c & 31)) & 31);
}

// 1/x for the positive, normal row sums of the softmaxes (≥ 1 for Σ exp, about 1 for Σ mix): the hardware
// approximation refined by one Newton step (within 1 ulp). The IEEE division's slow path is a called subroutine,
// and a call made ptxas spill around it (16 bytes on sm_90).
__device__ __forceinline__ float gpsa4_rcp(float x) {
#if defined(DYTOX_EMULATOR)
    return 1.0f / x;
#else
    float r;
    asm("rcp.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
    return fmaf(r, fmaf(-x, r, 1.0f), r);
#endif
}

__device__ __forceinline__ bool gpsa4_aligned8(const void* p) {
    return (reinterpret_cast<unsigned long long>(p) & 7ull) == 0ull;
}

// dst[r, c] = mul·src[r, c] for r < n, c < d, and 0 elsewhere up to rows × cols (cols a multiple of 4; dst rows
// of ld floats, 16-byte aligned). 16-byte global loads where d, the source stride and the pointer allow.
__device__ __forceinline__ void gpsa4_stage(float* dst, int ld, int rows, int cols, const float* src, int srcLd,
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
        x.x *= mul;
        x.y *= mul;
        x.z *= mul;
        x.w *= mul;
        *reinterpret_cast<float4*>(dst + r * ld + c) = x;
    }
}

// The pair (p[0], p[1]) where ok0 / ok1 (0 elsewhere); one 8-byte load when vec (then ok0 == ok1).
__device__ __forceinline__ float2 gpsa4_load2(const float* p, bool vec, bool ok0, bool ok1) {
    if (vec) return ok0 ? *reinterpret_cast<const float2*>(p) : make_float2(0.0f, 0.0f);
    return make_float2(ok0 ? p[0] : 0.0f, ok1 ? p[1] : 0.0f);
}

__device__ __forceinline__ void gpsa4_store2(float* p, float x, float y, bool vec, bool ok0, bool ok1) {
    if (vec) {
        if (ok0) *reinterpret_cast<float2*>(p) = make_float2(x, y);
        return;
    }
    if (ok0) p[0] = x;
    if (ok1) p[1] = y;
}

// Writes rows r0 = i0 + g and r0 + 8, channels ct·8 + 2t, +1 of a C fragment times mul into dst (row stride ld),
// within n rows and d channels.
__device__ __forceinline__ void gpsa4_store_tile(float* dst, long long ld, const float (&acc)[4], int r0, int c, int n,
                                                 int d, float mul, bool vec) {
    const bool c0 = c < d, c1 = c + 1 < d;
    if (r0 < n) gpsa4_store2(dst + r0 * ld + c, mul * acc[0], mul * acc[1], vec && c1, c0, c1);
    if (r0 + 8 < n) gpsa4_store2(dst + (r0 + 8) * ld + c, mul * acc[2], mul * acc[3], vec && c1, c0, c1);
}

// Forward; N <= 8·GPSA4_KT = 64; grid = B·H, block = a multiple of 32 up to 256 (each warp takes 16-row tiles).
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_forward_v4_f32(const float* qk, const float* v, const float* pos,
                                                                      const float* gates, float* content, float* attn,
                                                                      float* out, int batch, int n, int dim, int heads,
                                                                      float scale) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    const int d = dim / heads, dk = gpsa4_round(d, 8), ld = dk + 4, np = gpsa4_round(n, 16);
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
        const int r0 = i0 + g, r1 = r0 + 8;
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

        // content = softmax over the valid keys (rows r0 and r1 are spread over the 4 lanes of a quad)
        float m0 = gpsa_neg_inf(), m1 = gpsa_neg_inf();
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt)
#pragma unroll
            for (int u = 0; u < 2; ++u)
                if (kt < keyTiles && kt * 8 + 2 * t + u < n) {
                    m0 = fmaxf(m0, s[kt][u]);
                    m1 = fmaxf(m1, s[kt][2 + u]);
                }
        m0 = quad_max(m0);
        m1 = quad_max(m1);
        float z0 = 0.0f, z1 = 0.0f;
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt)
#pragma unroll
            for (int u = 0; u < 2; ++u) {
                const bool ok = kt < keyTiles && kt * 8 + 2 * t + u < n;
                const float e0 = ok ? expf(s[kt][u] - m0) : 0.0f, e1 = ok ? expf(s[kt][2 + u] - m1) : 0.0f;
                s[kt][u] = e0;
                s[kt][2 + u] = e1;
                z0 += e0;
                z1 += e1;
            }
        const float inv0 = gpsa4_rcp(quad_sum(z0)), inv1 = gpsa4_rcp(quad_sum(z1));

        // mix = (1−σ)·content + σ·pos (0 outside the valid rows and keys), content written
        float w0 = 0.0f, w1 = 0.0f;
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt)
            if (kt < keyTiles) {
                const int j = kt * 8 + 2 * t;
                const bool okA0 = r0 < n && j < n, okA1 = r0 < n && j + 1 < n;
                const bool okB0 = r1 < n && j < n, okB1 = r1 < n && j + 1 < n;
                const float ca0 = s[kt][0] * inv0, ca1 = s[kt][1] * inv0, cb0 = s[kt][2] * inv1, cb1 = s[kt][3] * inv1;
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
            }
        w0 = quad_sum(w0);
        w1 = quad_sum(w1);
        const float iw0 = r0 < n ? gpsa4_rcp(w0) : 0.0f, iw1 = r1 < n ? gpsa4_rcp(w1) : 0.0f; // padded rows: all zero

        // attn = mix / Σ mix, written; it stays in s as P
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt)
            if (kt < keyTiles) {
                const int j = kt * 8 + 2 * t;
                s[kt][0] *= iw0;
                s[kt][1] *= iw0;
                s[kt][2] *= iw1;
                s[kt][3] *= iw1;
                gpsa4_store2(aPlane + r0 * n + j, s[kt][0], s[kt][1], vec, r0 < n && j < n, r0 < n && j + 1 < n);
                gpsa4_store2(aPlane + r1 * n + j, s[kt][2], s[kt][3], vec, r1 < n && j < n, r1 < n && j + 1 < n);
            }

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

// Backward; N <= 64; scratch as in gpsa_attention.cu (its dS region unused here; dPos partials, gate partials).
// Grid = B·H, block = a multiple of 32 up to 256.
// budget: registers <= 128
extern "C" __global__ __launch_bounds__(256) void gpsa_backward_v4_f32(const float* dout, const float* qk, const float* v,
                                                                       const float* pos, const float* gates,
                                                                       const float* content, const float* attn, float* dqk,
                                                                       float* dv, float* scratch, int batch, int n, int dim,
                                                                       int heads, float scale) {
    DYTOX_DYNAMIC_SHARED(float, smem);
    __shared__ float reduce[32];
    const int d = dim / heads, dk = gpsa4_round(d, 8), ld = dk + 4, ld2 = gpsa4_ld8(d);
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
        const int r0 = i0 + g, r1 = r0 + 8;
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

        // pass 1: Σ dA∘attn and Σ mix per row; attn and content rows staged for phase 2 and pass 3
        float dot0 = 0.0f, dot1 = 0.0f, w0 = 0.0f, w1 = 0.0f;
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt)
            if (kt < smemTiles) {
                const int j = kt * 8 + 2 * t;
                const bool okA0 = r0 < n && j < n, okA1 = r0 < n && j + 1 < n;
                const bool okB0 = r1 < n && j < n, okB1 = r1 < n && j + 1 < n;
                const float2 aa = gpsa4_load2(aPlane + r0 * n + j, vec, okA0, okA1);
                const float2 ab = gpsa4_load2(aPlane + r1 * n + j, vec, okB0, okB1);
                const float2 ca = gpsa4_load2(cPlane + r0 * n + j, vec, okA0, okA1);
                const float2 cb = gpsa4_load2(cPlane + r1 * n + j, vec, okB0, okB1);
                const float2 pa = gpsa4_load2(posH + r0 * n + j, vec, okA0, okA1);
                const float2 pb = gpsa4_load2(posH + r1 * n + j, vec, okB0, okB1);
                if (kt < keyTiles) {
                    dot0 += ga[kt][0] * aa.x + ga[kt][1] * aa.y;
                    dot1 += ga[kt][2] * ab.x + ga[kt][3] * ab.y;
                }
                w0 += fmaf(sigma, pa.x, keep * ca.x) + fmaf(sigma, pa.y, keep * ca.y);
                w1 += fmaf(sigma, pb.x, keep * cb.x) + fmaf(sigma, pb.y, keep * cb.y);
                *reinterpret_cast<float2*>(attnS + r0 * ldp + j) = aa;
                *reinterpret_cast<float2*>(attnS + r1 * ldp + j) = ab;
                *reinterpret_cast<float2*>(dsS + r0 * ldp + j) = ca;
                *reinterpret_cast<float2*>(dsS + r1 * ldp + j) = cb;
            }
        dot0 = quad_sum(dot0);
        dot1 = quad_sum(dot1);
        w0 = quad_sum(w0);
        w1 = quad_sum(w1);
        const float iw0 = r0 < n ? gpsa4_rcp(w0) : 0.0f, iw1 = r1 < n ? gpsa4_rcp(w1) : 0.0f;

        // pass 2: dmix (0 outside the valid entries), dPos partial, gate partial, dc = (1−σ)·dmix, Σ dc∘content
        float cd0 = 0.0f, cd1 = 0.0f;
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt)
            if (kt < keyTiles) {
                const int j = kt * 8 + 2 * t;
                const bool okA0 = r0 < n && j < n, okA1 = r0 < n && j + 1 < n;
                const bool okB0 = r1 < n && j < n, okB1 = r1 < n && j + 1 < n;
                const float2 ca = *reinterpret_cast<const float2*>(dsS + r0 * ldp + j);
                const float2 cb = *reinterpret_cast<const float2*>(dsS + r1 * ldp + j);
                const float2 pa = gpsa4_load2(posH + r0 * n + j, vec, okA0, okA1);
                const float2 pb = gpsa4_load2(posH + r1 * n + j, vec, okB0, okB1);
                const float ma0 = okA0 ? (ga[kt][0] - dot0) * iw0 : 0.0f, ma1 = okA1 ? (ga[kt][1] - dot0) * iw0 : 0.0f;
                const float mb0 = okB0 ? (ga[kt][2] - dot1) * iw1 : 0.0f, mb1 = okB1 ? (ga[kt][3] - dot1) * iw1 : 0.0f;
                gpsa4_store2(dPosPart + r0 * n + j, sigma * ma0, sigma * ma1, vec, okA0, okA1);
                gpsa4_store2(dPosPart + r1 * n + j, sigma * mb0, sigma * mb1, vec, okB0, okB1);
                gateAcc = fmaf(ma0, pa.x - ca.x, gateAcc);
                gateAcc = fmaf(ma1, pa.y - ca.y, gateAcc);
                gateAcc = fmaf(mb0, pb.x - cb.x, gateAcc);
                gateAcc = fmaf(mb1, pb.y - cb.y, gateAcc);
                ga[kt][0] = keep * ma0;
                ga[kt][1] = keep * ma1;
                ga[kt][2] = keep * mb0;
                ga[kt][3] = keep * mb1;
                cd0 += ga[kt][0] * ca.x + ga[kt][1] * ca.y;
                cd1 += ga[kt][2] * cb.x + ga[kt][3] * cb.y;
            }
        cd0 = quad_sum(cd0);
        cd1 = quad_sum(cd1);

        // pass 3: dS = content∘(dc − Σ dc∘content), kept in ga and staged (zero outside the valid entries)
#pragma unroll
        for (int kt = 0; kt < GPSA4_KT; ++kt)
            if (kt < smemTiles) {
                const int j = kt * 8 + 2 * t;
                float* sa = dsS + r0 * ldp + j;
                float* sb = dsS + r1 * ldp + j;
                float2 x = make_float2(0.0f, 0.0f), y = make_float2(0.0f, 0.0f);
                if (kt < keyTiles) {
                    const float2 ca = *reinterpret_cast<const float2*>(sa);
                    const float2 cb = *reinterpret_cast<const float2*>(sb);
                    x = make_float2(ca.x * (ga[kt][0] - cd0), ca.y * (ga[kt][1] - cd0));
                    y = make_float2(cb.x * (ga[kt][2] - cd1), cb.y * (ga[kt][3] - cd1));
                    ga[kt][0] = x.x;
                    ga[kt][1] = x.y;
                    ga[kt][2] = y.x;
                    ga[kt][3] = y.y;
                }
                *reinterpret_cast<float2*>(sa) = x;
                *reinterpret_cast<float2*>(sb) = y;
            }

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

