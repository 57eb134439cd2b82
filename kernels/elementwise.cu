// elementwise.cu: float32 elementwise kernels: fill, copy, strided (up to 4-D) to contiguous copy,
// add/sub/mul/div (contiguous, and broadcasting through stride arrays), scale, exact-erf GELU
// forward/backward, sigmoid forward/backward.
//
// Launch: 1-D grid of 1-D blocks, grid-stride loops, so any grid size is correct. Contiguous kernels
// use 16-byte (float4) loads and stores when every pointer is 16-byte aligned (a uniform branch) and
// finish the last n % 4 elements with scalar code. Sizes are 64-bit element counts.
//
// Kernel bodies are never written on one line: NVRTC 11.8 (ptxas for sm_90 with -lineinfo) crashes
// with a segmentation fault on a one-line kernel whose body is an inlined call.
//
// Each kernel's "budget:" line is its ptxas register ceiling (sm_80 and sm_90, precise and fast math),
// checked by the compile tests. <= 32 registers keeps 2048 resident threads per SM (64K / 2048); the
// index arithmetic of the strided/broadcast kernels and the erf/exp of GELU/sigmoid need up to 40
// (6 blocks of 256 = 75% occupancy), precise division up to 48 (62%): still enough warps in flight
// to saturate DRAM for these streaming loops.
#include "common.cuh"

// A strided view of up to 4 dimensions, outermost first. Unused leading dimensions have size 1.
struct StridedDesc4 {
    long long size[4];
    long long stride[4];
};

// Broadcasting binary operands: out is contiguous with shape size[]; a and b are read at their own
// element strides, 0 along broadcast dimensions.
struct BroadcastDesc4 {
    long long size[4];
    long long a_stride[4];
    long long b_stride[4];
};

__device__ __forceinline__ bool dytox_aligned16(const void* p) {
    return (reinterpret_cast<unsigned long long>(p) & 15ull) == 0ull;
}

__device__ __forceinline__ long long dytox_thread_index() {
    return (long long)blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ long long dytox_grid_stride() {
    return (long long)gridDim.x * blockDim.x;
}

// ---- unary maps -------------------------------------------------------------------------------------

struct ScaleOp {
    float alpha;
    __device__ __forceinline__ float operator()(float x) const { return alpha * x; }
};

struct IdentityOp {
    __device__ __forceinline__ float operator()(float x) const { return x; }
};

// GELU with the exact erf form (timm/DyTox nn.GELU), not the tanh approximation.
struct GeluForwardOp {
    __device__ __forceinline__ float operator()(float x) const {
        return 0.5f * x * (1.0f + erff(x * 0.70710678118654752440f));
    }
};

// Numerically stable logistic: never evaluates exp of a large positive number.
__device__ __forceinline__ float dytox_sigmoid(float x) {
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
}

struct SigmoidForwardOp {
    __device__ __forceinline__ float operator()(float x) const { return dytox_sigmoid(x); }
};

template <typename Op>
__device__ __forceinline__ void dytox_unary_map(float* __restrict__ out, const float* __restrict__ in, long long n, Op op) {
    const long long start = dytox_thread_index(), step = dytox_grid_stride();
    long long tail = 0;
    if (dytox_aligned16(out) && dytox_aligned16(in)) {
        const long long n4 = n >> 2;
        float4* o4 = reinterpret_cast<float4*>(out);
        const float4* i4 = reinterpret_cast<const float4*>(in);
        for (long long i = start; i < n4; i += step) {
            const float4 v = i4[i];
            o4[i] = make_float4(op(v.x), op(v.y), op(v.z), op(v.w));
        }
        tail = n4 << 2;
    }
    for (long long i = tail + start; i < n; i += step) out[i] = op(in[i]);
}

// budget: registers <= 32
extern "C" __global__ void fill_f32(float* __restrict__ out, long long n, float value) {
    const long long start = dytox_thread_index(), step = dytox_grid_stride();
    long long tail = 0;
    if (dytox_aligned16(out)) {
        const long long n4 = n >> 2;
        const float4 v = make_float4(value, value, value, value);
        float4* o4 = reinterpret_cast<float4*>(out);
        for (long long i = start; i < n4; i += step) o4[i] = v;
        tail = n4 << 2;
    }
    for (long long i = tail + start; i < n; i += step) out[i] = value;
}

// budget: registers <= 32
extern "C" __global__ void copy_f32(float* __restrict__ out, const float* __restrict__ in, long long n) {
    dytox_unary_map(out, in, n, IdentityOp{});
}

// out (contiguous, n = product of sizes) = the strided view src of in. Gathers permutes/transposes.
// budget: registers <= 40
extern "C" __global__ void strided_copy_f32(float* __restrict__ out, const float* __restrict__ in, StridedDesc4 src) {
    const long long n = src.size[0] * src.size[1] * src.size[2] * src.size[3];
    const long long step = dytox_grid_stride();
    for (long long i = dytox_thread_index(); i < n; i += step) {
        long long rest = i, offset = 0;
        for (int d = 3; d > 0; --d) {
            const long long coord = rest % src.size[d];
            rest /= src.size[d];
            offset += coord * src.stride[d];
        }
        offset += rest * src.stride[0];
        out[i] = in[offset];
    }
}

// out = alpha * in (in place allowed: out == in).
// budget: registers <= 32
extern "C" __global__ void scale_f32(float* out, const float* in, long long n, float alpha) {
    const long long start = dytox_thread_index(), step = dytox_grid_stride();
    long long tail = 0;
    if (dytox_aligned16(out) && dytox_aligned16(in)) {
        const long long n4 = n >> 2;
        float4* o4 = reinterpret_cast<float4*>(out);
        const float4* i4 = reinterpret_cast<const float4*>(in);
        for (long long i = start; i < n4; i += step) {
            const float4 v = i4[i];
            o4[i] = make_float4(alpha * v.x, alpha * v.y, alpha * v.z, alpha * v.w);
        }
        tail = n4 << 2;
    }
    for (long long i = tail + start; i < n; i += step) out[i] = alpha * in[i];
}

// budget: registers <= 40
extern "C" __global__ void gelu_forward_f32(float* __restrict__ out, const float* __restrict__ in, long long n) {
    dytox_unary_map(out, in, n, GeluForwardOp{});
}

// d/dx [x Φ(x)] = Φ(x) + x φ(x); dinp = dout · that.
__device__ __forceinline__ float dytox_gelu_grad(float x, float g) {
    const float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752440f));
    const float pdf = expf(-0.5f * x * x) * 0.39894228040143267794f;
    return g * (cdf + x * pdf);
}

// budget: registers <= 40
extern "C" __global__ void gelu_backward_f32(float* __restrict__ dinp, const float* __restrict__ inp,
                                             const float* __restrict__ dout, long long n) {
    const long long start = dytox_thread_index(), step = dytox_grid_stride();
    long long tail = 0;
    if (dytox_aligned16(dinp) && dytox_aligned16(inp) && dytox_aligned16(dout)) {
        const long long n4 = n >> 2;
        float4* d4 = reinterpret_cast<float4*>(dinp);
        const float4* x4 = reinterpret_cast<const float4*>(inp);
        const float4* g4 = reinterpret_cast<const float4*>(dout);
        for (long long i = start; i < n4; i += step) {
            const float4 x = x4[i], g = g4[i];
            d4[i] = make_float4(dytox_gelu_grad(x.x, g.x), dytox_gelu_grad(x.y, g.y),
                                dytox_gelu_grad(x.z, g.z), dytox_gelu_grad(x.w, g.w));
        }
        tail = n4 << 2;
    }
    for (long long i = tail + start; i < n; i += step) dinp[i] = dytox_gelu_grad(inp[i], dout[i]);
}

// budget: registers <= 40
extern "C" __global__ void sigmoid_forward_f32(float* __restrict__ out, const float* __restrict__ in, long long n) {
    dytox_unary_map(out, in, n, SigmoidForwardOp{});
}

// dinp = dout · y · (1 − y), from the forward output y.
// budget: registers <= 40
extern "C" __global__ void sigmoid_backward_f32(float* __restrict__ dinp, const float* __restrict__ out,
                                                const float* __restrict__ dout, long long n) {
    const long long start = dytox_thread_index(), step = dytox_grid_stride();
    long long tail = 0;
    if (dytox_aligned16(dinp) && dytox_aligned16(out) && dytox_aligned16(dout)) {
        const long long n4 = n >> 2;
        float4* d4 = reinterpret_cast<float4*>(dinp);
        const float4* y4 = reinterpret_cast<const float4*>(out);
        const float4* g4 = reinterpret_cast<const float4*>(dout);
        for (long long i = start; i < n4; i += step) {
            const float4 y = y4[i], g = g4[i];
            d4[i] = make_float4(g.x * y.x * (1.0f - y.x), g.y * y.y * (1.0f - y.y),
                                g.z * y.z * (1.0f - y.z), g.w * y.w * (1.0f - y.w));
        }
        tail = n4 << 2;
    }
    for (long long i = tail + start; i < n; i += step) {
        const float y = out[i];
        dinp[i] = dout[i] * y * (1.0f - y);
    }
}

// ---- binary ops ---------------------------------------------------------------------------------------

// One functor per operation, as for the unary maps.
struct AddOp { __device__ __forceinline__ float operator()(float a, float b) const { return a + b; } };
struct SubOp { __device__ __forceinline__ float operator()(float a, float b) const { return a - b; } };
struct MulOp { __device__ __forceinline__ float operator()(float a, float b) const { return a * b; } };
struct DivOp { __device__ __forceinline__ float operator()(float a, float b) const { return a / b; } };

// Same-shape contiguous operands (out may alias a or b).
template <typename Op>
__device__ __forceinline__ void dytox_binary_contiguous(float* out, const float* a, const float* b, long long n, Op op) {
    const long long start = dytox_thread_index(), step = dytox_grid_stride();
    long long tail = 0;
    if (dytox_aligned16(out) && dytox_aligned16(a) && dytox_aligned16(b)) {
        const long long n4 = n >> 2;
        float4* o4 = reinterpret_cast<float4*>(out);
        const float4* a4 = reinterpret_cast<const float4*>(a);
        const float4* b4 = reinterpret_cast<const float4*>(b);
        for (long long i = start; i < n4; i += step) {
            const float4 x = a4[i], y = b4[i];
            o4[i] = make_float4(op(x.x, y.x), op(x.y, y.y),
                                op(x.z, y.z), op(x.w, y.w));
        }
        tail = n4 << 2;
    }
    for (long long i = tail + start; i < n; i += step) out[i] = op(a[i], b[i]);
}

// Broadcasting operands: out[i] (contiguous over d.size) = a[offset_a(i)] OP b[offset_b(i)].
template <typename Op>
__device__ __forceinline__ void dytox_binary_broadcast(float* out, const float* a, const float* b, const BroadcastDesc4& d, Op op) {
    const long long n = d.size[0] * d.size[1] * d.size[2] * d.size[3];
    const long long step = dytox_grid_stride();
    for (long long i = dytox_thread_index(); i < n; i += step) {
        long long rest = i, oa = 0, ob = 0;
        for (int k = 3; k > 0; --k) {
            const long long coord = rest % d.size[k];
            rest /= d.size[k];
            oa += coord * d.a_stride[k];
            ob += coord * d.b_stride[k];
        }
        oa += rest * d.a_stride[0];
        ob += rest * d.b_stride[0];
        out[i] = op(a[oa], b[ob]);
    }
}

// budget: registers <= 32
extern "C" __global__ void add_f32(float* out, const float* a, const float* b, long long n) {
    dytox_binary_contiguous(out, a, b, n, AddOp{});
}
// budget: registers <= 32
extern "C" __global__ void sub_f32(float* out, const float* a, const float* b, long long n) {
    dytox_binary_contiguous(out, a, b, n, SubOp{});
}
// budget: registers <= 32
extern "C" __global__ void mul_f32(float* out, const float* a, const float* b, long long n) {
    dytox_binary_contiguous(out, a, b, n, MulOp{});
}
// budget: registers <= 48
extern "C" __global__ void div_f32(float* out, const float* a, const float* b, long long n) {
    dytox_binary_contiguous(out, a, b, n, DivOp{});
}

// budget: registers <= 40
extern "C" __global__ void add_broadcast_f32(float* out, const float* a, const float* b, BroadcastDesc4 d) {
    dytox_binary_broadcast(out, a, b, d, AddOp{});
}
// budget: registers <= 40
extern "C" __global__ void sub_broadcast_f32(float* out, const float* a, const float* b, BroadcastDesc4 d) {
    dytox_binary_broadcast(out, a, b, d, SubOp{});
}
// budget: registers <= 40
extern "C" __global__ void mul_broadcast_f32(float* out, const float* a, const float* b, BroadcastDesc4 d) {
    dytox_binary_broadcast(out, a, b, d, MulOp{});
}
// budget: registers <= 40
extern "C" __global__ void div_broadcast_f32(float* out, const float* a, const float* b, BroadcastDesc4 d) {
    dytox_binary_broadcast(out, a, b, d, DivOp{});
}
