// Test-only kernels with deliberate defects that the emulator must report.
#include "common.cuh"

// Off by one: the thread with i == n writes one element past the end.
extern "C" __global__ void emu_oob_write(float* out, int n) {
    const int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i <= n) out[i] = 1.f;
}

// Thread 0 writes one element before the start.
extern "C" __global__ void emu_underrun(float* out) {
    out[(int)threadIdx.x - 1] = 2.f;
}

// Writes element `index` (for overruns smaller than the 256-byte granule, caught by the tail canary).
extern "C" __global__ void emu_write_at(float* out, long long index) {
    if (threadIdx.x == 0) out[index] = 3.f;
}

// Reads base[offset]: with an offset that lands in a freed allocation this is a use after free.
extern "C" __global__ void emu_read_at(const float* base, long long offset, float* out) {
    if (threadIdx.x == 0) out[0] = base[offset];
}

// __syncthreads inside a branch taken by one warp only.
extern "C" __global__ void emu_divergent_barrier(float* out) {
    if (threadIdx.x < 32) {
        __syncthreads();
    }
    out[threadIdx.x] = 1.f;
    __syncthreads();
}

// Odd lanes shuffle with a full mask that names the even lanes, which never get there.
extern "C" __global__ void emu_shuffle_deadlock(float* out) {
    float v = (float)threadIdx.x;
    if (threadIdx.x & 1) {
        v = __shfl_xor_sync(0xffffffffu, v, 1);
    }
    __syncthreads();
    out[threadIdx.x] = v;
}

// Threads beyond n return before the barrier the others wait at (undefined behaviour in CUDA).
extern "C" __global__ void emu_early_exit_barrier(float* out, int n) {
    __shared__ float s[64];
    if ((int)threadIdx.x >= n) return;
    s[threadIdx.x] = (float)threadIdx.x;
    __syncthreads();
    out[threadIdx.x] = s[n - 1 - (int)threadIdx.x];
}

// Warp-collective mask that does not include the caller.
extern "C" __global__ void emu_mask_without_self(float* out) {
    out[threadIdx.x] = __shfl_sync(0x1u, 1.f, 0);
}

// A local array far larger than the fiber stack.
extern "C" __global__ void emu_stack_hog(float* out) {
    volatile float big[100000];
    for (int i = 0; i < 100000; i += 512) big[i] = (float)i;
    out[threadIdx.x] = big[512 * (threadIdx.x % 8)];
}

// Device-side assert.
extern "C" __global__ void emu_assert(const int* v) {
    assert(v[threadIdx.x] >= 0);
}

// Integer division by a zero divisor (traps on the host CPU).
extern "C" __global__ void emu_divide(const int* divisors, int* out) {
    out[threadIdx.x] = 1000 / divisors[threadIdx.x];
}
