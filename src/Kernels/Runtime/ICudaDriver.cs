namespace DyTox.Kernels.Runtime;

/// <summary>A launch grid or block extent, as CUDA's dim3.</summary>
public readonly record struct Dim3(int X, int Y = 1, int Z = 1)
{
    public long Count => (long)X * Y * Z;
}

/// <summary>What the CUDA backend needs to know about the device it runs on.</summary>
public sealed record DeviceInfo(
    string Name,
    int Major,
    int Minor,
    long TotalMemoryBytes,
    int MultiprocessorCount,
    int MaxThreadsPerBlock,
    int MaxSharedMemoryPerBlock,
    int MaxSharedMemoryPerBlockOptin,
    string DriverVersion)
{
    /// <summary>The NVRTC/ptxas architecture name, e.g. "sm_90".</summary>
    public string Arch => $"sm_{Major}{Minor}";
}

/// <summary>A kernel function resolved from a loaded module (an opaque handle of the driver that made it).</summary>
public readonly record struct KernelFunction(nint Handle, string Name);

/// <summary>
/// The seam between the CUDA backend and whatever executes kernels: the real driver (libcuda +
/// NVRTC + cuBLAS) or the CPU emulator (the same kernels/*.cu built by g++). The backend's C#
/// launch code (argument packing, block-size choice, shape checks) runs unchanged on both, which is
/// how CI exercises it without a GPU (engine guide §9.4).
/// Device pointers are plain 64-bit addresses; the emulator's are host addresses.
/// </summary>
public unsafe interface ICudaDriver : IDisposable
{
    /// <summary>"cuda" for a real device, "emulator" for the CPU emulator.</summary>
    string Kind { get; }
    DeviceInfo Device { get; }

    ulong Alloc(long bytes);
    void Free(ulong devicePtr);
    void CopyHostToDevice(ulong dst, void* src, long bytes);
    void CopyDeviceToHost(void* dst, ulong src, long bytes);
    void CopyDeviceToDevice(ulong dst, ulong src, long bytes);

    /// <summary>
    /// Copies <paramref name="bytes"/> from <paramref name="source"/>'s device memory (another device, or another driver of
    /// the same one) into this driver's, after the work queued on both; returns when the copy is done. The bytes go
    /// device to device (over NVLink or PCIe, staged by the driver when the GPUs cannot reach each other), not through
    /// this process's memory. Throws when <paramref name="source"/> is a different kind of driver.
    /// </summary>
    void CopyFromPeer(ulong dst, ICudaDriver source, ulong src, long bytes);
    void MemsetD8(ulong dst, byte value, long bytes);

    /// <summary>
    /// Resolves kernel <paramref name="name"/> (an extern "C" name or a template name expression such
    /// as "softmax_forward&lt;256&gt;") from the kernel source file <paramref name="sourceFile"/>
    /// (a file name under kernels/, e.g. "softmax.cu"), compiling or loading it on first use.
    /// </summary>
    KernelFunction GetFunction(string sourceFile, string name);

    /// <summary>
    /// Launches <paramref name="fn"/>. <paramref name="args"/> holds one pointer per kernel parameter,
    /// each pointing at that parameter's value (CUDA's kernelParams convention). Allocates nothing.
    /// </summary>
    void Launch(KernelFunction fn, Dim3 grid, Dim3 block, int dynamicSharedBytes, void** args);

    /// <summary>Waits for all queued work and surfaces asynchronous errors.</summary>
    void Synchronize();

    /// <summary>Row-major GEMM on device buffers (cuBLAS on a GPU, the CPU GEMM on the emulator).</summary>
    IDeviceBlas Blas { get; }
}

/// <summary>
/// Row-major single-precision GEMM on device memory: C = alpha·op(A)·op(B) + beta·C, strided batched.
/// lda/ldb/ldc are row lengths of the row-major operands as stored; strides are in elements.
/// The cuBLAS implementation applies the column-major swap (engine guide §4.1).
/// </summary>
public interface IDeviceBlas
{
    void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
               ulong a, int lda, long strideA,
               ulong b, int ldb, long strideB,
               float beta, ulong c, int ldc, long strideC, int batchCount = 1);

    /// <summary>How the GEMMs compute: float32 (the default) or, opted into, on TF32 or bfloat16 tensor cores.</summary>
    GemmMath Math { get; set; }
}

/// <summary>
/// The arithmetic of <see cref="IDeviceBlas"/>'s float32 GEMMs. Inputs, outputs and accumulation stay float32; the
/// tensor-core modes let cuBLAS round the inputs first (its CUBLAS_COMPUTE_32F_FAST_* compute types).
/// </summary>
public enum GemmMath
{
    /// <summary>CUBLAS_COMPUTE_32F: float32 FMAs (the default; runs are float32 throughout).</summary>
    Float32,

    /// <summary>CUBLAS_COMPUTE_32F_FAST_TF32: inputs rounded to TF32 (10 mantissa bits), PyTorch's allow_tf32.</summary>
    Tf32,

    /// <summary>CUBLAS_COMPUTE_32F_FAST_16BF: inputs rounded to bfloat16 (7 mantissa bits; cuBLAS may pick TF32 kernels
    /// instead), the GEMM half of a bf16 autocast.</summary>
    Bf16,
}
