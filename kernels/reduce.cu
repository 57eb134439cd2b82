// reduce.cu: deterministic float32 reductions for the CUDA backend. Never atomics: every sum is a fixed
// tree (per-thread strided partials, warp shuffles, then warps in index order; common.cuh block_sum), so
// the bits depend only on the shape and the block size, which the host derives from the shape alone.
//
// - segment_sum_f32 / segment_max_f32: one block per output element; the output and the reduced index
//   spaces are described by up to 6 dimensions each (sizes and source strides, outermost first), so one
//   kernel serves Reduce over an axis, SumToShape over any set of broadcast axes and bias column sums.
// - argmax_f32: one thread per output element scanning its axis in order (first maximum, NaN wins).
// - chunk_sum_f32 (pass 1: one block per fixed chunk of a flat array, Σx or Σx²) and final_sum_f32
//   (pass 2: one block adds the partials in a fixed tree and scales): SumAll, SumOfSquares, loss means.
// - column_sum_partial_f32 / column_sum_finalize_f32: Σ over the middle axis of x [outer, extent, inner]
//   with coalesced loads for wide inner extents (bias gradients, SumToShape over leading axes): pass 1
//   grid = [⌈inner/32⌉, chunks, outer], block = [32, 8], each (chunk of rows, column) partial combines
//   its 8 row lanes in a fixed order; pass 2 adds the chunks in order, one thread per output.
#include "common.cuh"

struct SegmentDesc6 {
    long long out_size[6];
    long long out_stride[6];   // source stride of each output dimension
    long long red_size[6];
    long long red_stride[6];   // source stride of each reduced dimension
};

__device__ __forceinline__ long long red_offset(long long index, const long long* size, const long long* stride) {
    long long rest = index, offset = 0;
    for (int k = 5; k > 0; --k) {
        const long long c = rest % size[k];
        rest /= size[k];
        offset += c * stride[k];
    }
    return offset + rest * stride[0];
}

__device__ __forceinline__ float red_nan() {
    return __int_as_float(0x7fc00000);
}

__device__ __forceinline__ float red_neg_inf() {
    return __int_as_float(0xff800000);
}

// NaN-propagating maximum (the CPU backend's float.Max).
__device__ __forceinline__ float red_max(float x, float y) {
    if (x != x || y != y) return red_nan();
    return x > y ? x : y;
}

// out[o] = scale · Σ_r in[base(o) + off(r)]; grid = outputs, block = a multiple of 32.
// budget: registers <= 40
extern "C" __global__ void segment_sum_f32(float* out, const float* in, SegmentDesc6 d, long long reduced, float scale) {
    __shared__ float scratch[32];
    const long long o = blockIdx.x;
    const long long base = red_offset(o, d.out_size, d.out_stride);
    float acc = 0.0f;
    for (long long r = threadIdx.x; r < reduced; r += blockDim.x) {
        acc += in[base + red_offset(r, d.red_size, d.red_stride)];
    }
    const float total = block_sum(acc, scratch);
    if (threadIdx.x == 0) out[o] = total * scale;
}

// out[o] = max_r in[base(o) + off(r)] (NaN propagates); grid = outputs, block = a multiple of 32.
// budget: registers <= 40
extern "C" __global__ void segment_max_f32(float* out, const float* in, SegmentDesc6 d, long long reduced) {
    __shared__ float scratch[32];
    const long long o = blockIdx.x;
    const long long base = red_offset(o, d.out_size, d.out_stride);
    float m = red_neg_inf();
    for (long long r = threadIdx.x; r < reduced; r += blockDim.x) {
        m = red_max(m, in[base + red_offset(r, d.red_size, d.red_stride)]);
    }
    for (int offset = 16; offset > 0; offset >>= 1) {
        m = red_max(m, __shfl_xor_sync(DYTOX_FULL_MASK, m, offset));
    }
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
    if (lane == 0) scratch[warp] = m;
    __syncthreads();
    if (threadIdx.x == 0) {
        float total = scratch[0];
        for (int w = 1; w < warps; ++w) total = red_max(total, scratch[w]);
        out[o] = total;
    }
}

// indices[o, i] = first argmax over e of x[o, e, i], x viewed as [outer, extent, inner]; a NaN counts as the
// maximum (the last NaN wins, like the CPU backend).
// budget: registers <= 32
extern "C" __global__ void argmax_f32(int* indices, const float* x, long long outer, int extent, long long inner) {
    const long long n = outer * inner;
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += step) {
        const long long o = t / inner, i = t % inner;
        const float* p = x + o * extent * inner + i;
        float best = p[0];
        int best_index = 0;
        for (int e = 1; e < extent; ++e) {
            const float v = p[(long long)e * inner];
            if (v > best || v != v) {
                best = v;
                best_index = e;
            }
        }
        indices[t] = best_index;
    }
}

// partials[blockIdx.x] = Σ over chunk blockIdx.x of x (or x²); chunk elements per block.
// budget: registers <= 32
extern "C" __global__ void chunk_sum_f32(float* partials, const float* x, long long n, int chunk, int squares) {
    __shared__ float scratch[32];
    const long long start = (long long)blockIdx.x * chunk;
    const long long stop = start + chunk < n ? start + chunk : n;
    float acc = 0.0f;
    for (long long i = start + threadIdx.x; i < stop; i += blockDim.x) {
        const float v = x[i];
        acc += squares ? v * v : v;
    }
    const float total = block_sum(acc, scratch);
    if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

// out[0] = scale · Σ partials (one block, fixed tree).
// budget: registers <= 32
extern "C" __global__ void final_sum_f32(float* out, const float* partials, int count, float scale) {
    __shared__ float scratch[32];
    float acc = 0.0f;
    for (int i = threadIdx.x; i < count; i += blockDim.x) {
        acc += partials[i];
    }
    const float total = block_sum(acc, scratch);
    if (threadIdx.x == 0) out[0] = total * scale;
}

#define DYTOX_COLUMN_ROWS 8   // blockDim.y of column_sum_partial_f32

// partials[o, chunk, i] = Σ over rows [chunk·rows_per_chunk, +rows_per_chunk) of x[o, row, i].
// budget: registers <= 32
extern "C" __global__ void column_sum_partial_f32(float* partials, const float* x, int extent, int inner, int rows_per_chunk) {
    __shared__ float lanes[DYTOX_COLUMN_ROWS][33];
    const int i = blockIdx.x * 32 + threadIdx.x;
    const int chunk = blockIdx.y, chunks = gridDim.y;
    const long long o = blockIdx.z;
    const int start = chunk * rows_per_chunk;
    const int stop = start + rows_per_chunk < extent ? start + rows_per_chunk : extent;
    float acc = 0.0f;
    if (i < inner) {
        const float* base = x + o * extent * inner + i;
        for (int row = start + threadIdx.y; row < stop; row += DYTOX_COLUMN_ROWS) {
            acc += base[(long long)row * inner];
        }
    }
    lanes[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && i < inner) {
        float total = lanes[0][threadIdx.x];
        for (int r = 1; r < DYTOX_COLUMN_ROWS; ++r) total += lanes[r][threadIdx.x];
        partials[(o * chunks + chunk) * inner + i] = total;
    }
}

// out[o, i] = scale · Σ_chunk partials[o, chunk, i], chunks in order; one thread per output.
// budget: registers <= 32
extern "C" __global__ void column_sum_finalize_f32(float* out, const float* partials, long long outer, int chunks, int inner, float scale) {
    const long long n = outer * inner;
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += step) {
        const long long o = t / inner, i = t % inner;
        const float* p = partials + o * chunks * inner + i;
        float total = 0.0f;
        for (int c = 0; c < chunks; ++c) total += p[(long long)c * inner];
        out[t] = total * scale;
    }
}
