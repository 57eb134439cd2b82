// mma_check.cu: one m16n8k8 TF32 tile through the tensor-core instruction and through its portable twin
// (kernels/mma_tf32.cuh), for a check that both match a host product bit for bit (DyTox.Kernels.Checks.MmaChecks).
// With small-integer inputs every product and partial sum is exact in float32, so any summation order gives the same
// bits and a mismatch can only be a fragment-layout error. Under the emulator both paths are the twin, and the check
// still compares the twin's layout with the host's (PTX ISA) mapping.
#include "mma_tf32.cuh"

// One warp. a [16, 8] and b [8, 8] (k × n) row-major; dHw, dPortable [16, 8] row-major, each = a·b + 1.
// budget: registers <= 64
extern "C" __global__ void mma_tf32_tile_check(const float* a, const float* b, float* dHw, float* dPortable) {
    if (threadIdx.x >= 32) return; // one warp; the launch uses exactly 32 threads
    const int lane = threadIdx.x, g = lane >> 2, t = lane & 3;
    const unsigned af[4] = {__float_as_uint(a[g * 8 + t]), __float_as_uint(a[(g + 8) * 8 + t]),
                            __float_as_uint(a[g * 8 + t + 4]), __float_as_uint(a[(g + 8) * 8 + t + 4])};
    const unsigned bf[2] = {__float_as_uint(b[t * 8 + g]), __float_as_uint(b[(t + 4) * 8 + g])};
    float hw[4] = {1.0f, 1.0f, 1.0f, 1.0f}, tw[4] = {1.0f, 1.0f, 1.0f, 1.0f};
    mma_tf32_m16n8k8(hw, af, bf);
    mma_tf32_m16n8k8_portable(tw, af, bf);
    const int c = 2 * t;
    dHw[g * 8 + c] = hw[0];
    dHw[g * 8 + c + 1] = hw[1];
    dHw[(g + 8) * 8 + c] = hw[2];
    dHw[(g + 8) * 8 + c + 1] = hw[3];
    dPortable[g * 8 + c] = tw[0];
    dPortable[g * 8 + c + 1] = tw[1];
    dPortable[(g + 8) * 8 + c] = tw[2];
    dPortable[(g + 8) * 8 + c + 1] = tw[3];
}
