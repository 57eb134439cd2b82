// Test-only kernels for shared memory, atomics and launch limits.
#include "common.cuh"

// out[n + t] = the unwritten dynamic shared memory; out[t] = x reversed through dynamic shared memory.
extern "C" __global__ void emu_dynamic_reverse(const float* x, float* out, int n) {
    DYTOX_DYNAMIC_SHARED(float, buf);
    const int t = threadIdx.x;
    out[n + t] = buf[t];
    __syncthreads();
    buf[t] = x[t];
    __syncthreads();
    out[t] = buf[n - 1 - t];
}

// Fills `count` floats of dynamic shared memory (grid-stride) and writes them back reversed.
extern "C" __global__ void emu_dynamic_fill(float* out, int count) {
    DYTOX_DYNAMIC_SHARED(float, buf);
    for (int i = threadIdx.x; i < count; i += blockDim.x) buf[i] = (float)i;
    __syncthreads();
    for (int i = threadIdx.x; i < count; i += blockDim.x) out[i] = buf[count - 1 - i];
}

// Writes one float past the dynamic shared memory of `count` floats.
extern "C" __global__ void emu_dynamic_overrun(int count) {
    DYTOX_DYNAMIC_SHARED(float, buf);
    if (threadIdx.x == 0) buf[count] = 1.f;
}

// Static shared memory: written only when `write` is set, then read back by every thread.
extern "C" __global__ void emu_static_shared(float* out, int write) {
    __shared__ float s[128];
    const int t = threadIdx.x;
    if (write) s[t] = (float)t;
    __syncthreads();
    out[blockIdx.x * blockDim.x + t] = s[t];
}

// Every thread of every block hits the same counters.
extern "C" __global__ void emu_atomics(int* ints, float* fsum, unsigned* umax, unsigned long long* usum, double* dsum) {
    const int g = blockIdx.x * blockDim.x + threadIdx.x;
    atomicAdd(&ints[0], 1);
    atomicSub(&ints[1], 2);
    atomicMin(&ints[2], -g);
    atomicMax(&ints[3], g);
    int old = atomicAdd(&ints[4], 0), assumed;
    do { assumed = old; old = atomicCAS(&ints[4], assumed, assumed + 3); } while (old != assumed);
    atomicOr(&ints[5], 1 << (g & 15));
    atomicAdd(fsum, 1.0f);
    atomicMax(umax, (unsigned)g * 7u);
    atomicAdd(usum, (unsigned long long)g);
    atomicAdd(dsum, 0.25);
}

// Copies x to out (used for launch-configuration checks).
extern "C" __global__ void emu_copy(const float* x, float* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] = x[i];
}

// Vector types: float4 loads/stores and make_float2.
extern "C" __global__ void emu_vector_types(const float4* x, float4* out, float2* pairs) {
    const int t = threadIdx.x;
    float4 v = x[t];
    out[t] = make_float4(v.w, v.z, v.y, v.x);
    pairs[t] = make_float2(v.x + v.y, __saturatef(v.z));
}

// Math intrinsics, one result each.
extern "C" __global__ void emu_intrinsics(const float* x, float* out, int* ints) {
    const float v = x[0];
    out[0] = __expf(v); out[1] = __logf(v); out[2] = __fdividef(v, 3.f); out[3] = rsqrtf(v);
    out[4] = erff(v); out[5] = fmaf(v, 2.f, 1.f); out[6] = __frcp_rn(v); out[7] = __saturatef(v - 1.f);
    out[8] = __int_as_float(__float_as_int(v)); out[9] = tanhf(v);
    ints[0] = __popc(0xF0F0u); ints[1] = __clz(1); ints[2] = __ffs(8); ints[3] = __float2int_rn(2.5f);
    ints[4] = __float2int_rn(3.5f); ints[5] = min(3, -4); ints[6] = max(3u, 9u); ints[7] = __clz(0);
}
