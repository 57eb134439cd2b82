// gpsa_mma_common.cuh: the parts of the tensor-core GPSA kernels (gpsa_attention_v4.cu, gpsa_attention_v5.cu) that do
// not depend on how their operands are staged: shared-memory strides, staging, 8-byte plane accesses, and the
// row-wise work on the C fragments (forward softmax / mix / renormalisation, backward renormalisation and softmax
// backwards). See gpsa_attention_v4.cu for the fragment layout and the design.
#pragma once
#include "gpsa_common.cuh"
#include "mma_tf32.cuh"

// Key tiles of 8 held in registers per 16-row tile: N <= 64 (CIFAR's token count). Longer sequences: v6 (chunks of these).
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

// Rows r0 = i0 + g and r0 + 8 of the scores (s: C fragments of GPSA4_KT key tiles) become attn in place:
// content = softmax over the n valid keys (written), mix = (1−σ)·content + σ·pos, attn = mix / Σ mix (written).
// Quad shuffles reduce each row (its 4 lanes); entries outside the n × n plane are 0 and never written.
__device__ __forceinline__ void gpsa4_scores_to_attn(float (&s)[GPSA4_KT][4], int r0, int n, int keyTiles, int t,
                                                     const float* posH, float* cPlane, float* aPlane, float sigma,
                                                     float keep, bool vec) {
    const int r1 = r0 + 8;
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

}

// Rows r0 and r0 + 8 of dA (ga: C fragments) become dS in place through the renormalisation and both softmax
// backwards: dmix = (dA − Σ dA∘attn) / Σ mix, dPos partial = σ·dmix (written), gate partial += Σ dmix∘(pos − content),
// dc = (1−σ)·dmix, dS = content∘(dc − Σ dc∘content). attn and dS rows are staged in attnS / dsS (stride ldp, zero
// outside the n × n plane up to smemTiles key tiles) for the column products of phase 2.
__device__ __forceinline__ void gpsa4_attn_grad_to_ds(float (&ga)[GPSA4_KT][4], int r0, int n, int keyTiles,
                                                      int smemTiles, int t, const float* aPlane, const float* cPlane,
                                                      const float* posH, float* dPosPart, float* attnS, float* dsS,
                                                      int ldp, float sigma, float keep, bool vec, float& gateAcc) {
    const int r1 = r0 + 8;
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

}
