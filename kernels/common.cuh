// common.cuh: the one shared header of every kernel (header-free otherwise: NVRTC receives it through
// nvrtcCreateProgram's headers array, the emulator through g++ -include). Engine guide §5.3, §9.1.
#pragma once

// Dynamic shared memory comes through this macro only: under NVRTC it is CUDA's extern __shared__
// array; under the emulator (DYTOX_EMULATOR defined by emu/cuda_emu.h) it is the block's buffer of the
// size given at launch.
#ifdef DYTOX_EMULATOR
#define DYTOX_DYNAMIC_SHARED(type, name) type* name = reinterpret_cast<type*>(dytox_emu_dynamic_shared())
#else
#define DYTOX_DYNAMIC_SHARED(type, name) extern __shared__ __align__(16) unsigned char dytox_dyn_smem_[]; \
    type* name = reinterpret_cast<type*>(dytox_dyn_smem_)
#endif

#define DYTOX_FULL_MASK 0xffffffffu

// Sum over the 32 lanes of a warp; every lane gets the result.
__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(DYTOX_FULL_MASK, v, offset);
    return v;
}

// Max over the 32 lanes of a warp; every lane gets the result.
__device__ __forceinline__ float warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(DYTOX_FULL_MASK, v, offset));
    return v;
}

// Block-wide sum. scratch must hold blockDim.x/32 floats of shared memory. All threads get the result.
// The fixed combination order (lane tree, then warps in index order) makes it deterministic.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float total = 0.f;
    for (int w = 0; w < warps; ++w) total += scratch[w];
    return total;
}

// Block-wide max; same contract as block_sum.
__device__ __forceinline__ float block_max(float v, float* scratch) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float m = scratch[0];
    for (int w = 1; w < warps; ++w) m = fmaxf(m, scratch[w]);
    return m;
}
