// cuda_emu.h: the shim that lets g++ compile kernels/*.cu as C++17 for the CPU emulator (engine guide §9.1).
// Force-included: g++ -x c++ -std=c++17 -include cuda_emu.h. Everything a kernel may name (qualifiers,
// built-in variables, barriers, warp collectives, atomics, intrinsics, vector types) is defined here;
// the execution machinery behind it lives in emu_runtime.cpp.
#pragma once
#define DYTOX_EMULATOR 1

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <cstdio>
#include <cmath>
#include <math.h>
#include <climits>
#include <cfloat>
#include <type_traits>

// ---- qualifiers -------------------------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __constant__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __restrict__ __restrict
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
// One OS thread runs one block at a time with all its fibers, so a thread_local is per-block storage.
// The runtime fills the module's zero-initialised thread-local segment (where these live) with the NaN
// byte pattern before every block, so reads of unwritten shared memory show up.
#define __shared__ static thread_local

#define DYTOX_EMU_EXPORT __attribute__((visibility("default")))

// ---- built-in types ---------------------------------------------------------------------------------
struct uint3 { unsigned int x, y, z; };
struct dim3 {
    unsigned int x, y, z;
    constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1) : x(vx), y(vy), z(vz) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
    constexpr operator uint3() const { return uint3{x, y, z}; }
};

#define DYTOX_EMU_VEC2(T, N, A) struct __attribute__((aligned(A))) N##2 { T x, y; }; \
    static inline N##2 make_##N##2(T x, T y) { N##2 r; r.x = x; r.y = y; return r; }
#define DYTOX_EMU_VEC3(T, N) struct N##3 { T x, y, z; }; \
    static inline N##3 make_##N##3(T x, T y, T z) { N##3 r; r.x = x; r.y = y; r.z = z; return r; }
#define DYTOX_EMU_VEC4(T, N, A) struct __attribute__((aligned(A))) N##4 { T x, y, z, w; }; \
    static inline N##4 make_##N##4(T x, T y, T z, T w) { N##4 r; r.x = x; r.y = y; r.z = z; r.w = w; return r; }

DYTOX_EMU_VEC2(float, float, 8)   DYTOX_EMU_VEC3(float, float)   DYTOX_EMU_VEC4(float, float, 16)
DYTOX_EMU_VEC2(int, int, 8)       DYTOX_EMU_VEC3(int, int)       DYTOX_EMU_VEC4(int, int, 16)
DYTOX_EMU_VEC2(unsigned int, uint, 8)                            DYTOX_EMU_VEC4(unsigned int, uint, 16)
DYTOX_EMU_VEC2(double, double, 16)                               DYTOX_EMU_VEC4(double, double, 32)
DYTOX_EMU_VEC2(long long, longlong, 16)
DYTOX_EMU_VEC2(unsigned short, ushort, 4)                        DYTOX_EMU_VEC4(unsigned short, ushort, 8)
DYTOX_EMU_VEC2(short, short, 4)                                  DYTOX_EMU_VEC4(short, short, 8)
DYTOX_EMU_VEC2(unsigned char, uchar, 2)                          DYTOX_EMU_VEC4(unsigned char, uchar, 4)
DYTOX_EMU_VEC2(signed char, char, 2)                             DYTOX_EMU_VEC4(signed char, char, 4)
static inline uint3 make_uint3(unsigned int x, unsigned int y, unsigned int z) { return uint3{x, y, z}; }

// ---- the runtime interface the shim calls (defined in emu_runtime.cpp) ------------------------------
namespace dytox_emu {

// What one fiber (one CUDA thread) sees. The scheduler points tl_thread at the running fiber's copy.
struct ThreadView {
    uint3 thread_idx;
    uint3 block_idx;
    dim3 block_dim;
    dim3 grid_dim;
    unsigned char* dynamic_shared;
};

extern thread_local const ThreadView* tl_view DYTOX_EMU_EXPORT;

enum class Op : int {
    None = 0, SyncThreads, SyncWarp, ShflIdx, ShflUp, ShflDown, ShflXor, Ballot, Any, All,
    ReduceAdd, ReduceMinSigned, ReduceMaxSigned, ReduceMinUnsigned, ReduceMaxUnsigned, ReduceAnd, ReduceOr, ReduceXor
};

// Blocks the calling fiber at a warp collective; returns the lane's result (shuffled bits or vote).
DYTOX_EMU_EXPORT uint64_t warp_collective(const char* file, int line, Op op, unsigned mask, uint64_t value, int arg, int width);
// Blocks the calling fiber at the block barrier; returns the number of threads whose predicate was non-zero.
DYTOX_EMU_EXPORT int block_barrier(const char* file, int line, int predicate);
// The lanes of the caller's warp that have not exited.
DYTOX_EMU_EXPORT unsigned active_mask();
// Aborts the launch with an error (device-side assert, __trap).
[[noreturn]] DYTOX_EMU_EXPORT void trap(const char* what, const char* file, int line);

template <class T> inline uint64_t to_bits(T v) {
    static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "warp shuffles move at most 8 bytes");
    uint64_t b = 0; std::memcpy(&b, &v, sizeof(T)); return b;
}
template <class T> inline T from_bits(uint64_t b) { T v; std::memcpy(&v, &b, sizeof(T)); return v; }

template <class T> inline T shfl(const char* f, int l, Op op, unsigned mask, T v, int arg, int width) {
    return from_bits<T>(warp_collective(f, l, op, mask, to_bits(v), arg, width));
}

// sm_80 warp reductions over 32-bit integers (__reduce_*_sync).
inline unsigned reduce(const char* f, int l, Op op, unsigned mask, unsigned v) { return (unsigned)warp_collective(f, l, op, mask, v, 0, 32); }
inline int reduce(const char* f, int l, Op op, unsigned mask, int v) {
    if (op == Op::ReduceMinUnsigned) op = Op::ReduceMinSigned;
    if (op == Op::ReduceMaxUnsigned) op = Op::ReduceMaxSigned;
    return (int)(unsigned)warp_collective(f, l, op, mask, (unsigned)v, 0, 32);
}

} // namespace dytox_emu

// ---- built-in variables -----------------------------------------------------------------------------
#define threadIdx (::dytox_emu::tl_view->thread_idx)
#define blockIdx (::dytox_emu::tl_view->block_idx)
#define blockDim (::dytox_emu::tl_view->block_dim)
#define gridDim (::dytox_emu::tl_view->grid_dim)
#define warpSize 32

static inline void* dytox_emu_dynamic_shared() { return ::dytox_emu::tl_view->dynamic_shared; }

// ---- synchronisation and warp collectives (file:line recorded as the wait point) --------------------
#define __syncthreads() ((void)::dytox_emu::block_barrier(__FILE__, __LINE__, 0))
#define __syncthreads_count(p) (::dytox_emu::block_barrier(__FILE__, __LINE__, (p) ? 1 : 0))
#define __syncthreads_and(p) (::dytox_emu::block_barrier(__FILE__, __LINE__, (p) ? 1 : 0) == (int)(blockDim.x * blockDim.y * blockDim.z))
#define __syncthreads_or(p) (::dytox_emu::block_barrier(__FILE__, __LINE__, (p) ? 1 : 0) != 0)
#define __syncwarp(...) ((void)::dytox_emu::warp_collective(__FILE__, __LINE__, ::dytox_emu::Op::SyncWarp, dytox_emu_mask_or_full(__VA_ARGS__), 0, 0, 32))
static inline unsigned dytox_emu_mask_or_full(unsigned m = 0xffffffffu) { return m; }

#define __shfl_sync(mask, v, lane, ...) ::dytox_emu::shfl(__FILE__, __LINE__, ::dytox_emu::Op::ShflIdx, (mask), (v), (lane), dytox_emu_width(__VA_ARGS__))
#define __shfl_up_sync(mask, v, d, ...) ::dytox_emu::shfl(__FILE__, __LINE__, ::dytox_emu::Op::ShflUp, (mask), (v), (int)(d), dytox_emu_width(__VA_ARGS__))
#define __shfl_down_sync(mask, v, d, ...) ::dytox_emu::shfl(__FILE__, __LINE__, ::dytox_emu::Op::ShflDown, (mask), (v), (int)(d), dytox_emu_width(__VA_ARGS__))
#define __shfl_xor_sync(mask, v, m, ...) ::dytox_emu::shfl(__FILE__, __LINE__, ::dytox_emu::Op::ShflXor, (mask), (v), (m), dytox_emu_width(__VA_ARGS__))
static inline int dytox_emu_width(int w = 32) { return w; }

#define __ballot_sync(mask, p) ((unsigned)::dytox_emu::warp_collective(__FILE__, __LINE__, ::dytox_emu::Op::Ballot, (mask), (p) ? 1 : 0, 0, 32))
#define __any_sync(mask, p) ((int)::dytox_emu::warp_collective(__FILE__, __LINE__, ::dytox_emu::Op::Any, (mask), (p) ? 1 : 0, 0, 32))
#define __all_sync(mask, p) ((int)::dytox_emu::warp_collective(__FILE__, __LINE__, ::dytox_emu::Op::All, (mask), (p) ? 1 : 0, 0, 32))
#define __activemask() (::dytox_emu::active_mask())
#define __reduce_add_sync(mask, v) ::dytox_emu::reduce(__FILE__, __LINE__, ::dytox_emu::Op::ReduceAdd, (mask), (v))
#define __reduce_min_sync(mask, v) ::dytox_emu::reduce(__FILE__, __LINE__, ::dytox_emu::Op::ReduceMinUnsigned, (mask), (v))
#define __reduce_max_sync(mask, v) ::dytox_emu::reduce(__FILE__, __LINE__, ::dytox_emu::Op::ReduceMaxUnsigned, (mask), (v))
#define __reduce_and_sync(mask, v) ((unsigned)::dytox_emu::reduce(__FILE__, __LINE__, ::dytox_emu::Op::ReduceAnd, (mask), (unsigned)(v)))
#define __reduce_or_sync(mask, v) ((unsigned)::dytox_emu::reduce(__FILE__, __LINE__, ::dytox_emu::Op::ReduceOr, (mask), (unsigned)(v)))
#define __reduce_xor_sync(mask, v) ((unsigned)::dytox_emu::reduce(__FILE__, __LINE__, ::dytox_emu::Op::ReduceXor, (mask), (unsigned)(v)))

#define __trap() ::dytox_emu::trap("__trap()", __FILE__, __LINE__)
#include <cassert>
#undef assert
#define assert(e) ((e) ? (void)0 : ::dytox_emu::trap("assertion failed: " #e, __FILE__, __LINE__))

// Memory ordering between blocks is not modelled (§9.5); a host fence keeps the intent.
static inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }

// ---- atomics: real host atomics, because blocks run concurrently on several OS threads --------------
#define DYTOX_EMU_INT_ATOMICS(T) \
    static inline T atomicAdd(T* p, T v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); } \
    static inline T atomicSub(T* p, T v) { return __atomic_fetch_sub(p, v, __ATOMIC_SEQ_CST); } \
    static inline T atomicExch(T* p, T v) { return __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST); } \
    static inline T atomicAnd(T* p, T v) { return __atomic_fetch_and(p, v, __ATOMIC_SEQ_CST); } \
    static inline T atomicOr(T* p, T v) { return __atomic_fetch_or(p, v, __ATOMIC_SEQ_CST); } \
    static inline T atomicXor(T* p, T v) { return __atomic_fetch_xor(p, v, __ATOMIC_SEQ_CST); } \
    static inline T atomicCAS(T* p, T expected, T desired) { \
        __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); return expected; } \
    static inline T atomicMax(T* p, T v) { T old = __atomic_load_n(p, __ATOMIC_SEQ_CST); \
        while (old < v && !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {} return old; } \
    static inline T atomicMin(T* p, T v) { T old = __atomic_load_n(p, __ATOMIC_SEQ_CST); \
        while (old > v && !__atomic_compare_exchange_n(p, &old, v, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {} return old; }
DYTOX_EMU_INT_ATOMICS(int)
DYTOX_EMU_INT_ATOMICS(unsigned int)
DYTOX_EMU_INT_ATOMICS(unsigned long long)
DYTOX_EMU_INT_ATOMICS(long long)
#undef DYTOX_EMU_INT_ATOMICS

// Float/double read-modify-write through a compare-and-swap loop on the bit pattern.
template <class F, class Bits, class Fn> static inline F dytox_emu_float_rmw(F* p, Fn fn) {
    Bits* bp = reinterpret_cast<Bits*>(p);
    Bits old = __atomic_load_n(bp, __ATOMIC_SEQ_CST), next;
    do {
        F o; std::memcpy(&o, &old, sizeof(F));
        F n = fn(o); std::memcpy(&next, &n, sizeof(F));
    } while (!__atomic_compare_exchange_n(bp, &old, next, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    F r; std::memcpy(&r, &old, sizeof(F)); return r;
}
static inline float atomicAdd(float* p, float v) { return dytox_emu_float_rmw<float, uint32_t>(p, [v](float o) { return o + v; }); }
static inline double atomicAdd(double* p, double v) { return dytox_emu_float_rmw<double, uint64_t>(p, [v](double o) { return o + v; }); }
static inline float atomicExch(float* p, float v) { return dytox_emu_float_rmw<float, uint32_t>(p, [v](float) { return v; }); }
static inline float atomicMax(float* p, float v) { return dytox_emu_float_rmw<float, uint32_t>(p, [v](float o) { return fmaxf(o, v); }); }
static inline float atomicMin(float* p, float v) { return dytox_emu_float_rmw<float, uint32_t>(p, [v](float o) { return fminf(o, v); }); }
static inline unsigned int atomicInc(unsigned int* p, unsigned int limit) {
    unsigned old = __atomic_load_n(p, __ATOMIC_SEQ_CST), n;
    do { n = old >= limit ? 0u : old + 1u; } while (!__atomic_compare_exchange_n(p, &old, n, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    return old;
}
static inline unsigned int atomicDec(unsigned int* p, unsigned int limit) {
    unsigned old = __atomic_load_n(p, __ATOMIC_SEQ_CST), n;
    do { n = (old == 0u || old > limit) ? limit : old - 1u; } while (!__atomic_compare_exchange_n(p, &old, n, true, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
    return old;
}

// ---- integer and bit intrinsics ---------------------------------------------------------------------
static inline int min(int a, int b) { return a < b ? a : b; }
static inline int max(int a, int b) { return a > b ? a : b; }
static inline unsigned int min(unsigned int a, unsigned int b) { return a < b ? a : b; }
static inline unsigned int max(unsigned int a, unsigned int b) { return a > b ? a : b; }
static inline unsigned int min(int a, unsigned int b) { return min((unsigned)a, b); }
static inline unsigned int max(int a, unsigned int b) { return max((unsigned)a, b); }
static inline unsigned int min(unsigned int a, int b) { return min(a, (unsigned)b); }
static inline unsigned int max(unsigned int a, int b) { return max(a, (unsigned)b); }
static inline long long min(long long a, long long b) { return a < b ? a : b; }
static inline long long max(long long a, long long b) { return a > b ? a : b; }
static inline unsigned long long min(unsigned long long a, unsigned long long b) { return a < b ? a : b; }
static inline unsigned long long max(unsigned long long a, unsigned long long b) { return a > b ? a : b; }
static inline long min(long a, long b) { return a < b ? a : b; }
static inline long max(long a, long b) { return a > b ? a : b; }
static inline unsigned long min(unsigned long a, unsigned long b) { return a < b ? a : b; }
static inline unsigned long max(unsigned long a, unsigned long b) { return a > b ? a : b; }
static inline float min(float a, float b) { return fminf(a, b); }
static inline float max(float a, float b) { return fmaxf(a, b); }
static inline double min(double a, double b) { return fmin(a, b); }
static inline double max(double a, double b) { return fmax(a, b); }

static inline int __popc(unsigned int x) { return __builtin_popcount(x); }
static inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
static inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned)x); }
static inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll((unsigned long long)x); }
static inline int __ffs(int x) { return __builtin_ffs(x); }
static inline int __ffsll(long long x) { return __builtin_ffsll(x); }
static inline unsigned int __brev(unsigned int x) {
    x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1); x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
    x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4); return __builtin_bswap32(x);
}
static inline unsigned int __umulhi(unsigned int a, unsigned int b) { return (unsigned)(((unsigned long long)a * b) >> 32); }
static inline int __mulhi(int a, int b) { return (int)(((long long)a * b) >> 32); }
static inline int __mul24(int a, int b) { return ((a << 8) >> 8) * ((b << 8) >> 8); }
static inline unsigned int __umul24(unsigned a, unsigned b) { return (a & 0xffffffu) * (b & 0xffffffu); }

// ---- bit casts and conversions ----------------------------------------------------------------------
static inline int __float_as_int(float f) { int i; std::memcpy(&i, &f, 4); return i; }
static inline float __int_as_float(int i) { float f; std::memcpy(&f, &i, 4); return f; }
static inline unsigned int __float_as_uint(float f) { unsigned u; std::memcpy(&u, &f, 4); return u; }
static inline float __uint_as_float(unsigned int u) { float f; std::memcpy(&f, &u, 4); return f; }
static inline long long __double_as_longlong(double d) { long long i; std::memcpy(&i, &d, 8); return i; }
static inline double __longlong_as_double(long long i) { double d; std::memcpy(&d, &i, 8); return d; }
static inline int __float2int_rn(float x) { return (int)nearbyintf(x); }
static inline int __float2int_rz(float x) { return (int)truncf(x); }
static inline int __float2int_rd(float x) { return (int)floorf(x); }
static inline int __float2int_ru(float x) { return (int)ceilf(x); }
static inline unsigned int __float2uint_rn(float x) { return (unsigned)nearbyintf(x); }
static inline float __int2float_rn(int x) { return (float)x; }
static inline float __uint2float_rn(unsigned x) { return (float)x; }
static inline int __double2int_rn(double x) { return (int)nearbyint(x); }
static inline float __double2float_rn(double x) { return (float)x; }

// ---- float intrinsics (host math: close to, not bit-equal with, device math; §9.5) ------------------
// glibc declares __expf etc. itself, so the fast-math names are macros over the precise functions.
#define __expf(x) expf(x)
#define __exp10f(x) powf(10.f, (x))
#define __logf(x) logf(x)
#define __log2f(x) log2f(x)
#define __log10f(x) log10f(x)
#define __powf(a, b) powf((a), (b))
#define __sinf(x) sinf(x)
#define __cosf(x) cosf(x)
#define __tanf(x) tanf(x)
#define __sincosf(x, s, c) sincosf((x), (s), (c))
static inline float __fdividef(float a, float b) { return a / b; }
static inline float __fdiv_rn(float a, float b) { return a / b; }
static inline float __frcp_rn(float x) { return 1.0f / x; }
static inline float __fsqrt_rn(float x) { return sqrtf(x); }
static inline float __frsqrt_rn(float x) { return 1.0f / sqrtf(x); }
static inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
static inline double rsqrt(double x) { return 1.0 / sqrt(x); }
static inline float rcbrtf(float x) { return 1.0f / cbrtf(x); }
static inline float __fmul_rn(float a, float b) { volatile float r = a * b; return r; }
static inline float __fadd_rn(float a, float b) { volatile float r = a + b; return r; }
static inline float __fsub_rn(float a, float b) { volatile float r = a - b; return r; }
static inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
static inline double __dmul_rn(double a, double b) { volatile double r = a * b; return r; }
static inline double __dadd_rn(double a, double b) { volatile double r = a + b; return r; }
static inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }
static inline float __saturatef(float x) { return x >= 1.0f ? 1.0f : (x > 0.0f ? x : 0.0f); }
static inline float saturatef(float x) { return __saturatef(x); }
static inline float normcdff(float x) { return 0.5f * erfcf(-x * 0.70710678118654752f); }
static inline double normcdf(double x) { return 0.5 * erfc(-x * 0.70710678118654752); }
static inline float fdividef(float a, float b) { return a / b; }

// ---- load/store cache hints: plain accesses ---------------------------------------------------------
template <class T> static inline T __ldg(const T* p) { return *p; }
template <class T> static inline T __ldcs(const T* p) { return *p; }
template <class T> static inline T __ldcg(const T* p) { return *p; }
template <class T> static inline T __ldca(const T* p) { return *p; }
template <class T> static inline T __ldlu(const T* p) { return *p; }
template <class T> static inline T __ldcv(const T* p) { return *p; }
template <class T> static inline void __stcs(T* p, T v) { *p = v; }
template <class T> static inline void __stcg(T* p, T v) { *p = v; }
template <class T> static inline void __stwb(T* p, T v) { *p = v; }
template <class T> static inline void __stwt(T* p, T v) { *p = v; }
