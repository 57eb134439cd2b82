// mma_tf32.cuh: warp-wide tensor-core products (mma.sync.aligned.m16n8k8 with TF32 inputs and float32
// accumulators, sm_80 and later) at about float32 accuracy, and their portable twin for the CPU emulator.
//
// Fragment coordinates of lane = 4·g + t, g = lane / 4, t = lane % 4 (PTX ISA, "Matrix fragments for mma.m16n8k8",
// .tf32 operands; the same as CUTLASS's SM80_16x8x8_F32TF32TF32F32_TN):
//   A (16 × 8, row-major):  a0 (row g, col t)  a1 (g+8, t)  a2 (g, t+4)  a3 (g+8, t+4)
//   B (8 × 8, k × n):       b0 (k t, col g)    b1 (k t+4, col g)
//   C, D (16 × 8, float32): c0 (g, 2t)  c1 (g, 2t+1)  c2 (g+8, 2t)  c3 (g+8, 2t+1)
//
// Accuracy ("3xTF32", as CUTLASS's fast-accurate float32 GEMM): TF32 keeps 10 of float32's 23 mantissa bits, so
// each operand x is split into big = tf32(x) and small = tf32(x − big) (x − big is exact in float32), and
// a·b ≈ big_a·big_b + big_a·small_b + small_a·big_b, the small·small term (< 2^-20·|a·b|) dropped. The products of
// TF32 values are exact in float32 and accumulate in float32, so the result is within a few float32 ulps of the
// SIMT dot product: the tolerance of the CPU-twin tests is unchanged. Three mma per tile instead of one.
//
// Under the emulator (DYTOX_EMULATOR) or with DYTOX_PORTABLE_MMA defined, the mma is computed from warp shuffles
// (64-bit, two fragment registers per shuffle) with the same fragment layout, so kernels that use it run, and are
// checked against the CPU backend, without a GPU; kernels/mma_check.cu runs both on one tile of exactly
// representable values so a GPU check can compare the instruction, the twin and a host product bit for bit.
// Every lane of the warp must call it together (no divergence): it is a warp collective.
#pragma once
#include "common.cuh"

// x truncated to TF32 (the low 13 mantissa bits cleared): one LOP3. Inf and NaN stay inf and NaN. The split below
// uses truncation, not cvt.rna: CUDA 11.8's ptxas emulates cvt.rna.tf32.f32 on sm_90 with 4 instructions (measured
// with tools/sass_mix.sh), which made the splits a third of the tensor-core kernels' instructions.
__device__ __forceinline__ unsigned tf32_truncate(float x) {
    return __float_as_uint(x) & 0xffffe000u;
}

// An A fragment split into its TF32 big and small parts.
struct Tf32A {
    unsigned big[4], small[4];
};

// A B fragment split into its TF32 big and small parts.
struct Tf32B {
    unsigned big[2], small[2];
};

// big = x truncated to TF32 and small = x − big (exact in float32) truncated to TF32 as well: |small| < 2^-10·|x| and
// its truncation loses < 2^-20·|x|, so big + small carries x to about 2^-20 relative (cvt.rna for both parts would
// give 2^-21, at 4 more instructions per value). small is truncated here rather than left to the tensor cores, whose
// reading of the low 13 bits of a .tf32 operand the PTX ISA leaves open: every mma input is then exactly TF32, on the
// GPU as in the portable twin.
__device__ __forceinline__ void tf32_split(float x, unsigned& big, unsigned& small) {
    big = tf32_truncate(x);
    small = tf32_truncate(x - __uint_as_float(big));
}

// The A fragment (a0, a1, a2, a3) in the order of the table above.
__device__ __forceinline__ Tf32A tf32_split_a(float a0, float a1, float a2, float a3) {
    Tf32A r;
    tf32_split(a0, r.big[0], r.small[0]);
    tf32_split(a1, r.big[1], r.small[1]);
    tf32_split(a2, r.big[2], r.small[2]);
    tf32_split(a3, r.big[3], r.small[3]);
    return r;
}

// The B fragment (b0, b1).
__device__ __forceinline__ Tf32B tf32_split_b(float b0, float b1) {
    Tf32B r;
    tf32_split(b0, r.big[0], r.small[0]);
    tf32_split(b1, r.big[1], r.small[1]);
    return r;
}

// The same fragments from operands split ahead of time (x = big bits, y = small bits), e.g. staged that way in
// shared memory so that each fragment costs loads only.
__device__ __forceinline__ Tf32A tf32_a_from_pairs(uint2 a0, uint2 a1, uint2 a2, uint2 a3) {
    Tf32A r;
    r.big[0] = a0.x;
    r.small[0] = a0.y;
    r.big[1] = a1.x;
    r.small[1] = a1.y;
    r.big[2] = a2.x;
    r.small[2] = a2.y;
    r.big[3] = a3.x;
    r.small[3] = a3.y;
    return r;
}

__device__ __forceinline__ Tf32B tf32_b_from_pairs(uint2 b0, uint2 b1) {
    Tf32B r;
    r.big[0] = b0.x;
    r.small[0] = b0.y;
    r.big[1] = b1.x;
    r.small[1] = b1.y;
    return r;
}

// x split into (big, small) TF32 bits.
__device__ __forceinline__ uint2 tf32_split_pair(float x) {
    uint2 r;
    tf32_split(x, r.x, r.y);
    return r;
}

__device__ __forceinline__ unsigned long long tf32_pair(unsigned lo, unsigned hi) {
    return (unsigned long long)lo | ((unsigned long long)hi << 32);
}

// The portable twin: d += A·B for one 16×8×8 tile from shuffles: lane (g, t) gathers rows g and g+8 of A (from
// lanes 4g..4g+3) and columns 2t, 2t+1 of B (from lanes 8t..8t+7), then sums k = 0..7 in order. Inputs are truncated
// to TF32 as the tensor cores read them. Compiled everywhere: kernels/mma_check.cu compares it with the instruction.
__device__ __forceinline__ void mma_tf32_m16n8k8_portable(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    const unsigned long long rowLo = tf32_pair(a[0], a[2]); // row g: k = t, t + 4
    const unsigned long long rowHi = tf32_pair(a[1], a[3]); // row g + 8
    const unsigned long long col = tf32_pair(b[0], b[1]);   // column g: k = t, t + 4
    float ag[8], ag8[8], b0[8], b1[8];
    for (int k = 0; k < 4; ++k) {
        const unsigned long long lo = __shfl_sync(DYTOX_FULL_MASK, rowLo, 4 * g + k);
        const unsigned long long hi = __shfl_sync(DYTOX_FULL_MASK, rowHi, 4 * g + k);
        const unsigned long long c0 = __shfl_sync(DYTOX_FULL_MASK, col, 8 * t + k);     // column 2t
        const unsigned long long c1 = __shfl_sync(DYTOX_FULL_MASK, col, 8 * t + 4 + k); // column 2t + 1
        ag[k] = __uint_as_float((unsigned)lo & 0xffffe000u);
        ag[k + 4] = __uint_as_float((unsigned)(lo >> 32) & 0xffffe000u);
        ag8[k] = __uint_as_float((unsigned)hi & 0xffffe000u);
        ag8[k + 4] = __uint_as_float((unsigned)(hi >> 32) & 0xffffe000u);
        b0[k] = __uint_as_float((unsigned)c0 & 0xffffe000u);
        b0[k + 4] = __uint_as_float((unsigned)(c0 >> 32) & 0xffffe000u);
        b1[k] = __uint_as_float((unsigned)c1 & 0xffffe000u);
        b1[k + 4] = __uint_as_float((unsigned)(c1 >> 32) & 0xffffe000u);
    }
    for (int k = 0; k < 8; ++k) {
        d[0] = fmaf(ag[k], b0[k], d[0]);
        d[1] = fmaf(ag[k], b1[k], d[1]);
        d[2] = fmaf(ag8[k], b0[k], d[2]);
        d[3] = fmaf(ag8[k], b1[k], d[3]);
    }
}

// d += A·B for one 16×8×8 tile: the tensor-core instruction, or its portable twin under the emulator (or with
// DYTOX_PORTABLE_MMA defined).
__device__ __forceinline__ void mma_tf32_m16n8k8(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
#if defined(DYTOX_EMULATOR) || defined(DYTOX_PORTABLE_MMA)
    mma_tf32_m16n8k8_portable(d, a, b);
#else
    asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
                 "{%0, %1, %2, %3};"
                 : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#endif
}

// d += A·B at about float32 accuracy (3xTF32); the small terms first, so the big product lands on the smaller sum.
__device__ __forceinline__ void mma_3xtf32(float (&d)[4], const Tf32A& a, const Tf32B& b) {
    mma_tf32_m16n8k8(d, a.small, b.big);
    mma_tf32_m16n8k8(d, a.big, b.small);
    mma_tf32_m16n8k8(d, a.big, b.big);
}

// Sum and max over the 4 lanes of a quad (the lanes holding one row of a C fragment); every lane gets the result,
// the same bits on each (the butterfly pairs commute).
__device__ __forceinline__ float quad_sum(float v) {
    v += __shfl_xor_sync(DYTOX_FULL_MASK, v, 1);
    v += __shfl_xor_sync(DYTOX_FULL_MASK, v, 2);
    return v;
}

__device__ __forceinline__ float quad_max(float v) {
    v = fmaxf(v, __shfl_xor_sync(DYTOX_FULL_MASK, v, 1));
    v = fmaxf(v, __shfl_xor_sync(DYTOX_FULL_MASK, v, 2));
    return v;
}
