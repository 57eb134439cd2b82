// Test-only kernels: probes of warp-collective and barrier semantics for the emulator tests.
#include "common.cuh"

// Four shuffles per lane: out[4t..4t+3] = idx(src_lane), up(delta), down(delta), xor(delta), all with `width`.
extern "C" __global__ void emu_shuffles(const int* in, int* out, int width, int delta, int src_lane) {
    const int t = threadIdx.x;
    const int v = in[t];
    out[4 * t + 0] = __shfl_sync(0xffffffffu, v, src_lane, width);
    out[4 * t + 1] = __shfl_up_sync(0xffffffffu, v, delta, width);
    out[4 * t + 2] = __shfl_down_sync(0xffffffffu, v, delta, width);
    out[4 * t + 3] = __shfl_xor_sync(0xffffffffu, v, delta, width);
}

// Shuffles of 8-byte values keep all bits.
extern "C" __global__ void emu_shuffle_double(const double* in, double* out) {
    const int t = threadIdx.x;
    out[t] = __shfl_xor_sync(0xffffffffu, in[t], 5);
}

// Votes over `mask`; lanes outside the mask leave their outputs untouched.
extern "C" __global__ void emu_votes(const int* pred, unsigned* out, unsigned mask) {
    const int t = threadIdx.x, lane = t & 31;
    if ((mask >> lane) & 1u) {
        const int p = pred[t];
        out[3 * t + 0] = __ballot_sync(mask, p);
        out[3 * t + 1] = (unsigned)__any_sync(mask, p);
        out[3 * t + 2] = (unsigned)__all_sync(mask, p);
    }
}

// A shuffle inside a half-warp mask that reads lanes outside the mask (undefined on a GPU).
extern "C" __global__ void emu_shuffle_outside_mask(int* out) {
    const int lane = threadIdx.x & 31;
    if (lane < 16) out[lane] = __shfl_down_sync(0x0000ffffu, lane, 8);
}

// __syncthreads_count / _and / _or.
extern "C" __global__ void emu_barrier_reductions(const int* pred, int* out) {
    const int p = pred[threadIdx.x];
    const int c = __syncthreads_count(p);
    const int a = __syncthreads_and(p);
    const int o = __syncthreads_or(p);
    if (threadIdx.x == 0) { out[0] = c; out[1] = a; out[2] = o; }
}

// __syncwarp-ordered exchange through shared memory within each warp.
extern "C" __global__ void emu_syncwarp_exchange(const float* x, float* out) {
    __shared__ float s[256];
    const int t = threadIdx.x;
    s[t] = x[t];
    __syncwarp();
    out[t] = s[t ^ 1];
}

// Row sums and maxima with common.cuh's block_sum / block_max: one block per row.
extern "C" __global__ void emu_row_reduce(const float* x, float* sums, float* maxima, int cols) {
    __shared__ float scratch[32];
    const float* row = x + (size_t)blockIdx.x * cols;
    float s = 0.f, m = -INFINITY;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) { s += row[c]; m = fmaxf(m, row[c]); }
    const float total = block_sum(s, scratch);
    const float top = block_max(m, scratch);
    if (threadIdx.x == 0) { sums[blockIdx.x] = total; maxima[blockIdx.x] = top; }
}

// Each thread publishes a value and reads its neighbour's; with_barrier selects the correct version.
extern "C" __global__ void emu_neighbour(const float* x, float* out, int with_barrier) {
    __shared__ float tile[256];
    const int t = threadIdx.x, g = blockIdx.x * blockDim.x + t;
    tile[t] = 2.f * x[g];
    if (with_barrier) __syncthreads();
    out[g] = tile[(t + 1) % blockDim.x];
}

// One warp per row; warps past the last row exit before any collective (uniform per warp), which is
// allowed: no live lane's mask names them.
extern "C" __global__ void emu_warp_row_sum(const float* x, float* out, int rows, int cols) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5), lane = threadIdx.x & 31;
    if (row >= rows) return;
    float s = 0.f;
    for (int c = lane; c < cols; c += 32) s += x[(size_t)row * cols + c];
    s = warp_sum(s);
    if (lane == 0) out[row] = s;
}

// sm_80 warp reductions: out[6w..6w+5] = add, signed min, unsigned max, and, or, xor over each warp.
extern "C" __global__ void emu_warp_reductions(const int* v, int* out) {
    const int t = threadIdx.x, w = t >> 5;
    const int add = __reduce_add_sync(0xffffffffu, v[t]);
    const int mn = __reduce_min_sync(0xffffffffu, v[t]);
    const unsigned mx = __reduce_max_sync(0xffffffffu, (unsigned)v[t]);
    const unsigned a = __reduce_and_sync(0xffffffffu, (unsigned)v[t]);
    const unsigned o = __reduce_or_sync(0xffffffffu, (unsigned)v[t]);
    const unsigned x = __reduce_xor_sync(0xffffffffu, (unsigned)v[t]);
    if ((t & 31) == 0) { out[6 * w] = add; out[6 * w + 1] = mn; out[6 * w + 2] = (int)mx; out[6 * w + 3] = (int)a; out[6 * w + 4] = (int)o; out[6 * w + 5] = (int)x; }
}
