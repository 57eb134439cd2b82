// tensor_ops.cu: the CUDA backend's generic tensor kernels: fill and strided copy of 4-byte elements
// (float32 and int32 alike), float32 <-> int32 casts, broadcasting binary ops over strided views, every
// unary op and its backward, affine and axpy.
//
// Launch: 1-D grid of 1-D blocks with grid-stride loops (any grid size is correct). Views have up to 6
// dimensions, outermost first, left-padded with size-1 dimensions by the host; strides are in elements
// and 0 along broadcast (expanded) dimensions. The op of binary/unary kernels is a kernel argument, so
// the switch is uniform across the grid.
// Bodies are never one line (NVRTC 11.8 + sm_90 + -lineinfo crashes on one-line inlined bodies).
#include "common.cuh"

// Strided copy: out[dst(i)] = in[src(i)] for the i-th element of the row-major index space size[].
struct CopyDesc6 {
    long long size[6];
    long long src[6];
    long long dst[6];
};

// Broadcasting binary operands: out is contiguous over size[]; a and b are read at their strides.
struct BinaryDesc6 {
    long long size[6];
    long long a[6];
    long long b[6];
};

// Op codes: the order of DyTox.Tensor.BinaryOp / UnaryOp.
#define DYTOX_BIN_ADD 0
#define DYTOX_BIN_SUB 1
#define DYTOX_BIN_MUL 2
#define DYTOX_BIN_DIV 3
#define DYTOX_BIN_MAX 4
#define DYTOX_BIN_MIN 5

#define DYTOX_UN_NEG 0
#define DYTOX_UN_EXP 1
#define DYTOX_UN_LOG 2
#define DYTOX_UN_SQRT 3
#define DYTOX_UN_SQUARE 4
#define DYTOX_UN_ABS 5
#define DYTOX_UN_RECIPROCAL 6
#define DYTOX_UN_SIGMOID 7
#define DYTOX_UN_TANH 8
#define DYTOX_UN_RELU 9
#define DYTOX_UN_GELU 10

__device__ __forceinline__ long long tops_thread_index() {
    return (long long)blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ long long tops_grid_stride() {
    return (long long)gridDim.x * blockDim.x;
}

__device__ __forceinline__ float tops_nan() {
    return __int_as_float(0x7fc00000);
}

// .NET's float.Max/Min semantics: NaN propagates.
__device__ __forceinline__ float tops_max(float x, float y) {
    if (x != x || y != y) return tops_nan();
    return x > y ? x : y;
}

__device__ __forceinline__ float tops_min(float x, float y) {
    if (x != x || y != y) return tops_nan();
    return x < y ? x : y;
}

__device__ __forceinline__ float tops_sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
}

// budget: registers <= 32
extern "C" __global__ void fill_u32(unsigned int* __restrict__ out, long long n, unsigned int value) {
    const long long step = tops_grid_stride();
    for (long long i = tops_thread_index(); i < n; i += step) {
        out[i] = value;
    }
}

// budget: registers <= 40
extern "C" __global__ void strided_copy_u32(unsigned int* out, const unsigned int* in, CopyDesc6 d, long long n) {
    const long long step = tops_grid_stride();
    for (long long i = tops_thread_index(); i < n; i += step) {
        long long rest = i, so = 0, dof = 0;
        for (int k = 5; k > 0; --k) {
            const long long c = rest % d.size[k];
            rest /= d.size[k];
            so += c * d.src[k];
            dof += c * d.dst[k];
        }
        so += rest * d.src[0];
        dof += rest * d.dst[0];
        out[dof] = in[so];
    }
}

// int32 -> float32 (exact up to 2^24, rounded to nearest beyond).
// budget: registers <= 32
extern "C" __global__ void cast_i32_to_f32(float* __restrict__ out, const int* __restrict__ in, long long n) {
    const long long step = tops_grid_stride();
    for (long long i = tops_thread_index(); i < n; i += step) {
        out[i] = (float)in[i];
    }
}

// float32 -> int32, rounded half to even (the CPU backend's Math.Round); the host checks the range.
// budget: registers <= 32
extern "C" __global__ void cast_f32_to_i32(int* __restrict__ out, const float* __restrict__ in, long long n) {
    const long long step = tops_grid_stride();
    for (long long i = tops_thread_index(); i < n; i += step) {
        out[i] = __float2int_rn(in[i]);
    }
}

__device__ __forceinline__ float tops_binary(int op, float x, float y) {
    switch (op) {
        case DYTOX_BIN_ADD: return x + y;
        case DYTOX_BIN_SUB: return x - y;
        case DYTOX_BIN_MUL: return x * y;
        case DYTOX_BIN_DIV: return x / y;
        case DYTOX_BIN_MAX: return tops_max(x, y);
        default: return tops_min(x, y);
    }
}

// out (contiguous, may alias a or b exactly) = a OP b with broadcasting.
// budget: registers <= 48
extern "C" __global__ void binary_broadcast_f32(float* out, const float* a, const float* b, BinaryDesc6 d, long long n, int op) {
    const long long step = tops_grid_stride();
    for (long long i = tops_thread_index(); i < n; i += step) {
        long long rest = i, oa = 0, ob = 0;
        for (int k = 5; k > 0; --k) {
            const long long c = rest % d.size[k];
            rest /= d.size[k];
            oa += c * d.a[k];
            ob += c * d.b[k];
        }
        oa += rest * d.a[0];
        ob += rest * d.b[0];
        out[i] = tops_binary(op, a[oa], b[ob]);
    }
}

__device__ __forceinline__ float tops_gelu(float x) {
    return 0.5f * x * (1.0f + erff(x * 0.70710678118654752440f));
}

__device__ __forceinline__ float tops_gelu_grad(float x) {
    const float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752440f));
    const float pdf = expf(-0.5f * x * x) * 0.39894228040143267794f;
    return cdf + x * pdf;
}

__device__ __forceinline__ float tops_unary(int op, float x) {
    switch (op) {
        case DYTOX_UN_NEG: return -x;
        case DYTOX_UN_EXP: return expf(x);
        case DYTOX_UN_LOG: return logf(x);
        case DYTOX_UN_SQRT: return sqrtf(x);
        case DYTOX_UN_SQUARE: return x * x;
        case DYTOX_UN_ABS: return fabsf(x);
        case DYTOX_UN_RECIPROCAL: return 1.0f / x;
        case DYTOX_UN_SIGMOID: return tops_sigmoid(x);
        case DYTOX_UN_TANH: return tanhf(x);
        case DYTOX_UN_RELU: return x != x ? x : (x > 0.0f ? x : 0.0f);
        default: return tops_gelu(x);
    }
}

// out = f(in); out may alias in.
// budget: registers <= 40
extern "C" __global__ void unary_f32(float* out, const float* in, long long n, int op) {
    const long long step = tops_grid_stride();
    for (long long i = tops_thread_index(); i < n; i += step) {
        out[i] = tops_unary(op, in[i]);
    }
}

// dx = dy · f'(x), using the forward output y where it is cheaper (exp, sqrt, reciprocal, sigmoid, tanh).
__device__ __forceinline__ float tops_unary_backward(int op, float x, float y, float g) {
    switch (op) {
        case DYTOX_UN_NEG: return -g;
        case DYTOX_UN_EXP: return g * y;
        case DYTOX_UN_LOG: return g / x;
        case DYTOX_UN_SQRT: return g / (2.0f * y);
        case DYTOX_UN_SQUARE: return 2.0f * x * g;
        case DYTOX_UN_ABS: return x > 0.0f ? g : (x < 0.0f ? -g : 0.0f);
        case DYTOX_UN_RECIPROCAL: return -g * y * y;
        case DYTOX_UN_SIGMOID: return g * y * (1.0f - y);
        case DYTOX_UN_TANH: return g * (1.0f - y * y);
        case DYTOX_UN_RELU: return x > 0.0f ? g : 0.0f;
        default: return g * tops_gelu_grad(x);
    }
}

// budget: registers <= 40
extern "C" __global__ void unary_backward_f32(float* dx, const float* x, const float* y, const float* dy, long long n, int op) {
    const long long step = tops_grid_stride();
    for (long long i = tops_thread_index(); i < n; i += step) {
        dx[i] = tops_unary_backward(op, x[i], y[i], dy[i]);
    }
}

// out = alpha·in + beta (out may alias in). Two roundings, no FMA, like the CPU backend.
// budget: registers <= 32
extern "C" __global__ void affine_f32(float* out, const float* in, long long n, float alpha, float beta) {
    const long long step = tops_grid_stride();
    for (long long i = tops_thread_index(); i < n; i += step) {
        out[i] = __fadd_rn(__fmul_rn(alpha, in[i]), beta);
    }
}

// y += alpha·x.
// budget: registers <= 32
extern "C" __global__ void axpy_f32(float* y, const float* x, long long n, float alpha) {
    const long long step = tops_grid_stride();
    for (long long i = tops_thread_index(); i < n; i += step) {
        y[i] = __fadd_rn(y[i], __fmul_rn(alpha, x[i]));
    }
}
