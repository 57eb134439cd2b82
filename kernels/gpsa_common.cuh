// gpsa_common.cuh: device helpers shared by the GPSA kernel versions (kernels/gpsa_attention.cu, v3, and
// kernels/gpsa_attention_v2.cu, whose backward serves long sequences). Header-free otherwise, like common.cuh.
#pragma once
#include "common.cuh"

__device__ __forceinline__ float gpsa_neg_inf() {
    return __int_as_float(0xff800000);
}

__device__ __forceinline__ float gpsa_sigmoid(float g) {
    return 1.0f / (1.0f + expf(-g));
}

// True when every row start of a strided [rows, ld] view at p is 16-byte aligned and d is a multiple of 4.
__device__ __forceinline__ bool gpsa_vec4_ok(const float* p, int ld, int d) {
    return ((d & 3) == 0) && ((ld & 3) == 0) && ((reinterpret_cast<unsigned long long>(p) & 15ull) == 0ull);
}

// Copies rows [n, d] of a strided global view (row stride ld) into shared memory with row stride sld,
// with 16-byte global loads where aligned, scalar loads otherwise. All threads of the block take part.
__device__ __forceinline__ void gpsa_stage_rows(float* dst, int sld, const float* src, int ld, int n, int d) {
    if (gpsa_vec4_ok(src, ld, d)) {
        const int quads = d >> 2;
        for (int e = threadIdx.x; e < n * quads; e += blockDim.x) {
            const int r = e / quads, c = (e - r * quads) << 2;
            const float4 x = *reinterpret_cast<const float4*>(src + (long long)r * ld + c);
            float* o = dst + r * sld + c;
            o[0] = x.x;
            o[1] = x.y;
            o[2] = x.z;
            o[3] = x.w;
        }
    } else {
        for (int e = threadIdx.x; e < n * d; e += blockDim.x) {
            const int r = e / d, c = e - r * d;
            dst[r * sld + c] = src[(long long)r * ld + c];
        }
    }
}
