namespace DyTox.Tensor.Cpu;

/// <summary>
/// The CPU backend: every op of <see cref="IBackend"/> for Float32 (SIMD, multi-threaded over rows and
/// batches) and Float64 (the reference for gradient checks). One implementation per op, generic over the
/// element type where the arithmetic is the same. The op families live in the partial files beside this one.
/// </summary>
public sealed partial class CpuBackend : IBackend
{
    private readonly CpuMemoryPool pool;

    public CpuBackend(CpuMemoryPool? pool = null)
    {
        this.pool = pool ?? CpuMemoryPool.Shared;
    }

    /// <summary>The process-wide CPU backend on the shared memory pool.</summary>
    public static CpuBackend Instance { get; } = new();

    public string Name => $"cpu ({Environment.ProcessorCount} threads, GEMM: {Gemm.CpuGemm.Describe})";
    public Device Device => Device.Cpu;
    public IStorageAllocator Allocator => pool;

    public Tensor Empty(DType dtype, ReadOnlySpan<int> shape)
    {
        return Tensor.Allocate(this, pool, dtype, shape);
    }

    public void Dispose()
    {
        // The shared pool outlives backends; nothing to release here.
    }
}
