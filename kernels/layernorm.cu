// layernorm.cu: LayerNorm over the last dimension C of a contiguous [rows, C] float32 tensor.
//
// Forward (warp per row): y = (x − mean)·rstd·weight + bias, rstd = 1/sqrt(var + eps) with the
// biased variance (PyTorch's), computed in two passes over the row (mean, then Σ(x − mean)²) rather
// than E[x²] − mean², which cancels badly. mean and rstd are written per row for the backward pass.
// 16-byte loads when C % 4 == 0 and the pointers are 16-byte aligned; scalar code otherwise.
//
// Budgets: forward <= 48 registers (sm_80 keeps the float4 row in registers across the three passes;
// 62% occupancy is ample for a warp-per-row kernel); the backward kernels fit in 32.
//
// Backward:
// - dx (warp per row), assigned (not accumulated):
//   dx = rstd · (g − mean(g) − x̂ · mean(g·x̂)), g = dy·weight, x̂ = (x − mean)·rstd.
// - dweight = Σ_rows dy·x̂ and dbias = Σ_rows dy by a deterministic two-pass column reduction, no
//   atomics: pass 1 (grid = [ceil(C/32), chunks], block = [32, 8]) writes one partial sum per
//   (row chunk, column), combining the 8 row lanes in a fixed order; pass 2 (one thread per column)
//   adds the chunks in order and assigns or accumulates into dweight/dbias.
#include "common.cuh"

#define DYTOX_LN_PARAM_ROWS 8   // blockDim.y of the partial-sum pass

// budget: registers <= 48
extern "C" __global__ void layernorm_forward_f32(float* __restrict__ out, float* __restrict__ mean, float* __restrict__ rstd,
                                                 const float* __restrict__ inp, const float* __restrict__ weight,
                                                 const float* __restrict__ bias, int rows, int C, float eps) {
    const int warps_per_block = blockDim.x >> 5;
    const int row = blockIdx.x * warps_per_block + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return; // uniform per warp
    const float* x = inp + (long long)row * C;
    float* y = out + (long long)row * C;
    const bool vec = (C & 3) == 0 &&
        ((reinterpret_cast<unsigned long long>(x) | reinterpret_cast<unsigned long long>(y) |
          reinterpret_cast<unsigned long long>(weight) | reinterpret_cast<unsigned long long>(bias)) & 15ull) == 0ull;
    const int C4 = C >> 2;

    float s = 0.0f;
    if (vec) {
        for (int c = lane; c < C4; c += 32) { const float4 v = reinterpret_cast<const float4*>(x)[c]; s += (v.x + v.y) + (v.z + v.w); }
    } else {
        for (int c = lane; c < C; c += 32) s += x[c];
    }
    const float m = warp_sum(s) / (float)C;

    float v2 = 0.0f;
    if (vec) {
        for (int c = lane; c < C4; c += 32) {
            const float4 v = reinterpret_cast<const float4*>(x)[c];
            const float a = v.x - m, b = v.y - m, d = v.z - m, e = v.w - m;
            v2 += (a * a + b * b) + (d * d + e * e);
        }
    } else {
        for (int c = lane; c < C; c += 32) { const float d = x[c] - m; v2 += d * d; }
    }
    const float r = rsqrtf(warp_sum(v2) / (float)C + eps);

    if (vec) {
        for (int c = lane; c < C4; c += 32) {
            const float4 v = reinterpret_cast<const float4*>(x)[c];
            const float4 w = reinterpret_cast<const float4*>(weight)[c];
            const float4 b = reinterpret_cast<const float4*>(bias)[c];
            reinterpret_cast<float4*>(y)[c] = make_float4((v.x - m) * r * w.x + b.x, (v.y - m) * r * w.y + b.y,
                                                          (v.z - m) * r * w.z + b.z, (v.w - m) * r * w.w + b.w);
        }
    } else {
        for (int c = lane; c < C; c += 32) y[c] = (x[c] - m) * r * weight[c] + bias[c];
    }
    if (lane == 0) { mean[row] = m; rstd[row] = r; }
}

// budget: registers <= 32
extern "C" __global__ void layernorm_backward_input_f32(float* __restrict__ dinp, const float* __restrict__ dout,
                                                        const float* __restrict__ inp, const float* __restrict__ weight,
                                                        const float* __restrict__ mean, const float* __restrict__ rstd,
                                                        int rows, int C) {
    const int warps_per_block = blockDim.x >> 5;
    const int row = blockIdx.x * warps_per_block + (threadIdx.x >> 5);
    const int lane = threadIdx.x & 31;
    if (row >= rows) return;
    const long long base = (long long)row * C;
    const float* x = inp + base;
    const float* dy = dout + base;
    float* dx = dinp + base;
    const float m = mean[row], r = rstd[row];

    float sum_g = 0.0f, sum_gx = 0.0f;
    for (int c = lane; c < C; c += 32) {
        const float g = dy[c] * weight[c];
        sum_g += g;
        sum_gx += g * ((x[c] - m) * r);
    }
    const float mean_g = warp_sum(sum_g) / (float)C;
    const float mean_gx = warp_sum(sum_gx) / (float)C;
    for (int c = lane; c < C; c += 32) {
        const float g = dy[c] * weight[c];
        const float xhat = (x[c] - m) * r;
        dx[c] = r * (g - mean_g - xhat * mean_gx);
    }
}

// Pass 1: partial_dweight[chunk, c] = Σ_{rows of chunk} dy·x̂, partial_dbias[chunk, c] = Σ dy.
// block = (32, DYTOX_LN_PARAM_ROWS), grid = (ceil(C/32), ceil(rows/rows_per_chunk)).
// budget: registers <= 32
extern "C" __global__ void layernorm_backward_params_partial_f32(float* __restrict__ partial_dweight, float* __restrict__ partial_dbias,
                                                                const float* __restrict__ dout, const float* __restrict__ inp,
                                                                const float* __restrict__ mean, const float* __restrict__ rstd,
                                                                int rows, int C, int rows_per_chunk) {
    __shared__ float sw[DYTOX_LN_PARAM_ROWS][33];
    __shared__ float sb[DYTOX_LN_PARAM_ROWS][33];
    const int tx = threadIdx.x, ty = threadIdx.y;
    const int col = blockIdx.x * 32 + tx;
    const int chunk = blockIdx.y;
    const int r0 = chunk * rows_per_chunk;
    const int r1 = min(rows, r0 + rows_per_chunk);

    float dw = 0.0f, db = 0.0f;
    if (col < C) {
        for (int r = r0 + ty; r < r1; r += DYTOX_LN_PARAM_ROWS) {
            const long long i = (long long)r * C + col;
            const float g = dout[i];
            dw += g * ((inp[i] - mean[r]) * rstd[r]);
            db += g;
        }
    }
    sw[ty][tx] = dw;
    sb[ty][tx] = db;
    __syncthreads();
    if (ty == 0 && col < C) {
        float tw = 0.0f, tb = 0.0f;
        for (int k = 0; k < DYTOX_LN_PARAM_ROWS; ++k) { tw += sw[k][tx]; tb += sb[k][tx]; }
        partial_dweight[(long long)chunk * C + col] = tw;
        partial_dbias[(long long)chunk * C + col] = tb;
    }
}

// Pass 2: dweight[c] (=|+=) Σ_chunks partial_dweight[chunk, c]; same for dbias. accumulate != 0 adds
// to the existing gradient (parameters accumulate across uses). One thread per column.
// budget: registers <= 32
extern "C" __global__ void layernorm_backward_params_finalize_f32(float* __restrict__ dweight, float* __restrict__ dbias,
                                                                 const float* __restrict__ partial_dweight,
                                                                 const float* __restrict__ partial_dbias,
                                                                 int chunks, int C, int accumulate) {
    const int col = blockIdx.x * blockDim.x + threadIdx.x;
    if (col >= C) return;
    float tw = 0.0f, tb = 0.0f;
    for (int k = 0; k < chunks; ++k) {
        tw += partial_dweight[(long long)k * C + col];
        tb += partial_dbias[(long long)k * C + col];
    }
    if (accumulate) { dweight[col] += tw; dbias[col] += tb; }
    else { dweight[col] = tw; dbias[col] = tb; }
}
