using DyTox.Kernels.Runtime;
using DyTox.Kernels.Runtime.Launchers;
using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>
/// The CUDA backend: every <see cref="IBackend"/> op in float32 (Int32 for Fill/Copy/Cast/indices) with
/// the NVRTC kernels of kernels/*.cu and the driver's GEMM, on any <see cref="ICudaDriver"/>: the real GPU
/// driver or the CPU emulator. Tensor addresses are device addresses; storage comes from a
/// <see cref="CachingAllocator"/>, and so does every op's scratch, returned at the end of the op.
/// Deterministic: no atomics, fixed reduction trees, launch shapes derived from tensor shapes only.
/// Float64 tensors are rejected with <see cref="NotSupportedException"/> (the CPU backend is the float64 path).
/// The op families live in the partial files beside this one.
/// </summary>
public sealed partial class CudaBackend : IBackend, IPeerCopy
{
    private readonly ICudaDriver _driver;
    private readonly CachingAllocator _memory;
    private readonly CudaStorageAllocator _storage;
    private readonly TensorOpKernels _ops;
    private readonly ReductionKernels _reduce;
    private readonly RowKernels _rows;
    private readonly LossKernels _losses;
    private readonly OptimizerKernels _optimizers;
    private readonly SoftmaxKernels _softmax;
    private readonly LayerNormKernels _layerNorm;
    private bool _disposed;

    /// <summary>A backend on <paramref name="driver"/> (not owned: disposing the backend frees its memory, not the driver).</summary>
    public CudaBackend(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _memory = new CachingAllocator(driver);
        _storage = new CudaStorageAllocator(_memory);
        _ops = new TensorOpKernels(driver);
        _reduce = new ReductionKernels(driver);
        _rows = new RowKernels(driver);
        _losses = new LossKernels(driver);
        _optimizers = new OptimizerKernels(driver);
        _softmax = new SoftmaxKernels(driver);
        _layerNorm = new LayerNormKernels(driver);
        var info = driver.Device;
        var emulated = driver.Kind == "emulator" ? ", emulator" : "";
        Name = $"cuda ({info.Name}, {info.Arch}, driver {info.DriverVersion}{NvrtcVersion(driver)}{emulated})";
    }

    public string Name { get; }
    public Device Device => _storage.Device;
    public IStorageAllocator Allocator => _storage;

    /// <summary>The driver kernels run on.</summary>
    public ICudaDriver Driver => _driver;

    /// <summary>The caching allocator behind tensor storage and op scratch.</summary>
    public CachingAllocator Memory => _memory;

    private static string NvrtcVersion(ICudaDriver driver) =>
        driver is DyTox.Kernels.Cuda.CudaDriver cuda ? $", NVRTC {cuda.NvrtcVersion}, cuBLAS {cuda.CublasVersion}" : "";

    public Tensor Empty(DType dtype, ReadOnlySpan<int> shape)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Tensor.Allocate(this, _storage, dtype, shape);
    }

    /// <summary>Scratch device memory for one op (dispose at the end of the op).</summary>
    private DeviceBuffer Scratch(long bytes) => _memory.Allocate(Math.Max(bytes, 4));

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _memory.Dispose();
    }
}
