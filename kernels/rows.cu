// rows.cu: row-wise float32 kernels of the CUDA backend (warp per row over the last axis, rows of any
// length) and the gather/scatter permutations: log-softmax and its backward, L2 normalisation and its
// backward, patch unfolding/folding and index select/add.
//
// Warp-per-row kernels: block = 256 threads (8 rows), grid = ceil(rows / 8); the row test is uniform per
// warp, so the shuffles always see 32 lanes. Reductions are fixed lane trees: bitwise reproducible.
// Index kernels: one thread per output element, grid-stride. index_add_f32 gives every destination
// element one thread that adds the matching source elements in increasing i: deterministic, no atomics,
// and the same rounding sequence as a sequential loop.
#include "common.cuh"

__device__ __forceinline__ float rows_neg_inf() {
    return __int_as_float(0xff800000);
}

// y = x − max − log Σ exp(x − max).
// budget: registers <= 32
extern "C" __global__ void log_softmax_forward_f32(float* out, const float* in, int rows, int cols) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const float* x = in + (long long)row * cols;
    float* y = out + (long long)row * cols;
    float m = rows_neg_inf();
    for (int c = lane; c < cols; c += 32) m = fmaxf(m, x[c]);
    m = warp_max(m);
    float s = 0.0f;
    for (int c = lane; c < cols; c += 32) s += expf(x[c] - m);
    s = warp_sum(s);
    const float shift = m + logf(s);
    for (int c = lane; c < cols; c += 32) y[c] = x[c] - shift;
}

// dx = dy − exp(y) · Σ dy.
// budget: registers <= 32
extern "C" __global__ void log_softmax_backward_f32(float* dinp, const float* out, const float* dout, int rows, int cols) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const long long base = (long long)row * cols;
    float s = 0.0f;
    for (int c = lane; c < cols; c += 32) s += dout[base + c];
    s = warp_sum(s);
    for (int c = lane; c < cols; c += 32) dinp[base + c] = dout[base + c] - expf(out[base + c]) * s;
}

// y = x / (‖x‖ + eps).
// budget: registers <= 32
extern "C" __global__ void l2norm_forward_f32(float* out, const float* in, int rows, int cols, float eps) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const long long base = (long long)row * cols;
    float s = 0.0f;
    for (int c = lane; c < cols; c += 32) s += in[base + c] * in[base + c];
    s = warp_sum(s);
    const float d = sqrtf(s) + eps;
    for (int c = lane; c < cols; c += 32) out[base + c] = in[base + c] / d;
}

// dx = dy/d − x·(dy·x)/(d²·‖x‖), d = ‖x‖ + eps; the norm's gradient is 0 at x = 0.
// budget: registers <= 32
extern "C" __global__ void l2norm_backward_f32(float* dinp, const float* in, const float* dout, int rows, int cols, float eps) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const long long base = (long long)row * cols;
    float ss = 0.0f, dot = 0.0f;
    for (int c = lane; c < cols; c += 32) {
        const float x = in[base + c];
        ss += x * x;
        dot += dout[base + c] * x;
    }
    ss = warp_sum(ss);
    dot = warp_sum(dot);
    const float norm = sqrtf(ss);
    const float d = norm + eps;
    const float coef = norm > 0.0f ? -dot / (d * d * norm) : 0.0f;
    const float inv = 1.0f / d;
    for (int c = lane; c < cols; c += 32) dinp[base + c] = dout[base + c] * inv + in[base + c] * coef;
}

// patches[b, t, f] = images[b, c, r·p + i, q·p + j], t = r·(W/p) + q, f = (c·p + i)·p + j.
// budget: registers <= 40
extern "C" __global__ void im2patch_f32(float* patches, const float* images, int B, int C, int H, int W, int p) {
    const int gw = W / p, tokens = (H / p) * gw, features = C * p * p;
    const long long n = (long long)B * tokens * features;
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += step) {
        const int f = (int)(idx % features);
        const long long bt = idx / features;
        const int t = (int)(bt % tokens);
        const int b = (int)(bt / tokens);
        const int c = f / (p * p), i = (f / p) % p, j = f % p;
        const int y = (t / gw) * p + i, x = (t % gw) * p + j;
        patches[idx] = images[(((long long)b * C + c) * H + y) * W + x];
    }
}

// images[b, c, y, x] = patches[b, t, f] (the inverse permutation; assigns every pixel).
// budget: registers <= 40
extern "C" __global__ void patch2im_f32(float* images, const float* patches, int B, int C, int H, int W, int p) {
    const int gw = W / p, tokens = (H / p) * gw, features = C * p * p;
    const long long n = (long long)B * C * H * W;
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long idx = (long long)blockIdx.x * blockDim.x + threadIdx.x; idx < n; idx += step) {
        const int x = (int)(idx % W);
        const int y = (int)((idx / W) % H);
        const int c = (int)((idx / ((long long)W * H)) % C);
        const int b = (int)(idx / ((long long)W * H * C));
        const int t = (y / p) * gw + x / p, f = (c * p + y % p) * p + x % p;
        images[idx] = patches[((long long)b * tokens + t) * features + f];
    }
}

// out[o, k, i] = in[o, idx[k], i] for 4-byte elements; in is [outer, extent, inner], out [outer, K, inner].
// budget: registers <= 40
extern "C" __global__ void index_select_u32(unsigned int* out, const unsigned int* in, const int* idx,
                                            long long outer, int extent, int K, long long inner) {
    const long long n = outer * K * inner;
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += step) {
        const long long i = t % inner;
        const long long ok = t / inner;
        const int k = (int)(ok % K);
        const long long o = ok / K;
        out[t] = in[(o * extent + idx[k]) * inner + i];
    }
}

// dst[o, e, i] += Σ_{k: idx[k] = e, in increasing k} src[o, k, i]; one thread per destination element.
// budget: registers <= 32
extern "C" __global__ void index_add_f32(float* dst, const float* src, const int* idx,
                                         long long outer, int extent, int K, long long inner) {
    const long long n = outer * extent * inner;
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long t = (long long)blockIdx.x * blockDim.x + threadIdx.x; t < n; t += step) {
        const long long i = t % inner;
        const long long oe = t / inner;
        const int e = (int)(oe % extent);
        const long long o = oe / extent;
        float v = dst[t];
        for (int k = 0; k < K; ++k) {
            if (idx[k] == e) v += src[(o * K + k) * inner + i];
        }
        dst[t] = v;
    }
}
