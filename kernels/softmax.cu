// softmax.cu: row softmax over the last dimension of a contiguous [rows, cols] float32 tensor,
// forward y = exp(x − max) / Σ exp(x − max) and backward dx = y · (dy − Σ dy·y).
//
// Two launch shapes, chosen by the host from cols:
// - warp per row (cols up to a few thousand; DyTox's attention rows are 64–65 long): block = 32·W
//   threads, grid = ceil(rows / W). No shared memory, no block barrier.
// - block per row (long rows): grid = rows, block = a multiple of 32 up to 1024, reductions through
//   block_max/block_sum (common.cuh) with a static 32-float scratch.
// Reductions combine in a fixed order, so results are bitwise reproducible run to run.
// in/out may alias (in-place forward); dinp may alias dout.
#include "common.cuh"

__device__ __forceinline__ float dytox_neg_inf() { return __int_as_float(0xff800000); }

// budget: registers <= 32
extern "C" __global__ void softmax_forward_warp_f32(float* out, const float* in, int rows, int cols) {
    const int warps_per_block = blockDim.x >> 5;
    const int row = blockIdx.x * warps_per_block + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return; // uniform per warp: the shuffles below always see all 32 lanes
    const float* x = in + (long long)row * cols;
    float* y = out + (long long)row * cols;

    float m = dytox_neg_inf();
    for (int c = lane; c < cols; c += 32) m = fmaxf(m, x[c]);
    m = warp_max(m);
    float s = 0.0f;
    for (int c = lane; c < cols; c += 32) s += expf(x[c] - m);
    s = warp_sum(s);
    const float inv = 1.0f / s;
    for (int c = lane; c < cols; c += 32) y[c] = expf(x[c] - m) * inv;
}

// budget: registers <= 32
extern "C" __global__ void softmax_forward_block_f32(float* out, const float* in, int rows, int cols) {
    __shared__ float scratch[32];
    const int row = blockIdx.x;
    if (row >= rows) return; // uniform per block
    const float* x = in + (long long)row * cols;
    float* y = out + (long long)row * cols;

    float m = dytox_neg_inf();
    for (int c = threadIdx.x; c < cols; c += blockDim.x) m = fmaxf(m, x[c]);
    m = block_max(m, scratch);
    float s = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) s += expf(x[c] - m);
    s = block_sum(s, scratch);
    const float inv = 1.0f / s;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) y[c] = expf(x[c] - m) * inv;
}

// budget: registers <= 32
extern "C" __global__ void softmax_backward_warp_f32(float* dinp, const float* out, const float* dout, int rows, int cols) {
    const int warps_per_block = blockDim.x >> 5;
    const int row = blockIdx.x * warps_per_block + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const long long base = (long long)row * cols;
    const float* y = out + base;
    const float* dy = dout + base;
    float* dx = dinp + base;

    float dot = 0.0f;
    for (int c = lane; c < cols; c += 32) dot += dy[c] * y[c];
    dot = warp_sum(dot);
    for (int c = lane; c < cols; c += 32) dx[c] = y[c] * (dy[c] - dot);
}

// budget: registers <= 32
extern "C" __global__ void softmax_backward_block_f32(float* dinp, const float* out, const float* dout, int rows, int cols) {
    __shared__ float scratch[32];
    const int row = blockIdx.x;
    if (row >= rows) return;
    const long long base = (long long)row * cols;
    const float* y = out + base;
    const float* dy = dout + base;
    float* dx = dinp + base;

    float dot = 0.0f;
    for (int c = threadIdx.x; c < cols; c += blockDim.x) dot += dy[c] * y[c];
    dot = block_sum(dot, scratch);
    for (int c = threadIdx.x; c < cols; c += blockDim.x) dx[c] = y[c] * (dy[c] - dot);
}
