// losses.cu: fused float32 loss kernels of the CUDA backend. Forward kernels write per-row (or per-chunk)
// partial sums; the host then adds them with reduce.cu's final_sum_f32 (one block, fixed tree), so the
// scalar loss is deterministic. Backward kernels assign the gradient scaled by dL/dloss.
//
// Row kernels (cross-entropy, distillation): warp per row, block = 256 threads (8 rows),
// grid = ceil(rows / 8), log-sum-exp with the row maximum subtracted (finite for any finite logits).
// BCE: pass 1 one block per fixed chunk of elements (block_sum), stable form max(x,0) − x·y + log1p(e^−|x|).
#include "common.cuh"

__device__ __forceinline__ float loss_neg_inf() {
    return __int_as_float(0xff800000);
}

__device__ __forceinline__ float loss_sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
}

// partials[blockIdx.x] = Σ over its chunk of BCE(sigmoid(x), y).
// budget: registers <= 32
extern "C" __global__ void bce_partial_f32(float* partials, const float* logits, const float* targets, long long n, int chunk) {
    __shared__ float scratch[32];
    const long long start = (long long)blockIdx.x * chunk;
    const long long stop = start + chunk < n ? start + chunk : n;
    float acc = 0.0f;
    for (long long i = start + threadIdx.x; i < stop; i += blockDim.x) {
        const float x = logits[i], y = targets[i];
        acc += fmaxf(x, 0.0f) - x * y + log1pf(expf(-fabsf(x)));
    }
    const float total = block_sum(acc, scratch);
    if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

// dx = scale · (sigmoid(x) − y).
// budget: registers <= 40
extern "C" __global__ void bce_backward_f32(float* dlogits, const float* logits, const float* targets, long long n, float scale) {
    const long long step = (long long)gridDim.x * blockDim.x;
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        dlogits[i] = scale * (loss_sigmoid(logits[i]) - targets[i]);
    }
}

// Row maximum and log Σ exp(s·x − max) over one row, every lane gets both.
__device__ __forceinline__ void loss_row_lse(const float* x, int cols, float s, int lane, float* max_out, float* lse_out) {
    float m = loss_neg_inf();
    for (int c = lane; c < cols; c += 32) m = fmaxf(m, s * x[c]);
    m = warp_max(m);
    float sum = 0.0f;
    for (int c = lane; c < cols; c += 32) sum += expf(s * x[c] - m);
    sum = warp_sum(sum);
    *max_out = m;
    *lse_out = logf(sum);
}

// per_row[b] = −(1 − ε)·log p[label] − (ε/C)·Σ_c log p_c.
// budget: registers <= 32
extern "C" __global__ void cross_entropy_rows_f32(float* per_row, const float* logits, const int* labels, int rows, int cols, float smoothing) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const float* x = logits + (long long)row * cols;
    float m, lse;
    loss_row_lse(x, cols, 1.0f, lane, &m, &lse);
    float sum_logp = 0.0f;
    for (int c = lane; c < cols; c += 32) sum_logp += x[c] - m - lse;
    sum_logp = warp_sum(sum_logp);
    if (lane == 0) {
        const float logp_label = x[labels[row]] - m - lse;
        per_row[row] = -(1.0f - smoothing) * logp_label - (smoothing / cols) * sum_logp;
    }
}

// d[b, c] = scale · (p_c − t_c), t = (1 − ε)·onehot + ε/C.
// budget: registers <= 32
extern "C" __global__ void cross_entropy_backward_f32(float* dlogits, const float* logits, const int* labels, int rows, int cols,
                                                      float smoothing, float scale) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const float* x = logits + (long long)row * cols;
    float* d = dlogits + (long long)row * cols;
    float m, lse;
    loss_row_lse(x, cols, 1.0f, lane, &m, &lse);
    const float off = smoothing / cols, on = 1.0f - smoothing + off;
    const int label = labels[row];
    for (int c = lane; c < cols; c += 32) {
        const float p = expf(x[c] - m - lse);
        d[c] = scale * (p - (c == label ? on : off));
    }
}

// per_row[b] = Σ_c p_t·(log p_t − log p_s), p = softmax(z/τ); s = 1/τ.
// budget: registers <= 40
extern "C" __global__ void distillation_rows_f32(float* per_row, const float* student, const float* teacher, int rows, int cols, float s) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const float* zs = student + (long long)row * cols;
    const float* zt = teacher + (long long)row * cols;
    float ms, ls, mt, lt;
    loss_row_lse(zs, cols, s, lane, &ms, &ls);
    loss_row_lse(zt, cols, s, lane, &mt, &lt);
    float sum = 0.0f;
    for (int c = lane; c < cols; c += 32) {
        const float logpt = s * zt[c] - mt - lt;
        const float logps = s * zs[c] - ms - ls;
        sum += expf(logpt) * (logpt - logps);
    }
    sum = warp_sum(sum);
    if (lane == 0) per_row[row] = sum;
}

// d[b, c] = scale · (p_s − p_t).
// budget: registers <= 40
extern "C" __global__ void distillation_backward_f32(float* dstudent, const float* student, const float* teacher, int rows, int cols,
                                                     float s, float scale) {
    const int row = blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const float* zs = student + (long long)row * cols;
    const float* zt = teacher + (long long)row * cols;
    float* d = dstudent + (long long)row * cols;
    float ms, ls, mt, lt;
    loss_row_lse(zs, cols, s, lane, &ms, &ls);
    loss_row_lse(zt, cols, s, lane, &mt, &lt);
    for (int c = lane; c < cols; c += 32) {
        const float ps = expf(s * zs[c] - ms - ls);
        const float pt = expf(s * zt[c] - mt - lt);
        d[c] = scale * (ps - pt);
    }
}
