using DyTox.Kernels.Interop;
using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Cuda;

/// <summary>
/// Row-major SGEMM through cuBLAS (cublasGemmStridedBatchedEx) on the driver's stream and primary
/// context. cuBLAS is column-major, and a row-major X[r×c] is the column-major Xᵀ[c×r] with leading
/// dimension c, so row-major C = op(A)·op(B) is computed as column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: B is
/// passed first, m and n swap, and the row lengths are the leading dimensions (engine guide §4.1).
/// CUBLAS_COMPUTE_32F by default; TF32 or bfloat16 tensor cores only when <see cref="Math"/> asks for them. An explicit
/// workspace (cublasSetWorkspace) keeps cuBLAS from allocating behind our back.
/// </summary>
public sealed unsafe class CublasBlas : IDeviceBlas, IDisposable
{
    /// <summary>Workspace recommended for Hopper (32 MiB).</summary>
    public const long WorkspaceBytes = 32L << 20;

    private readonly CudaDriver _driver;
    private nint _handle;
    private ulong _workspace;

    public string Version { get; }
    public GemmMath Math { get; set; }

    internal CublasBlas(CudaDriver driver)
    {
        _driver = driver;
        _driver.MakeCurrent();
        nint handle;
        Cublas.Check(Cublas.Create(&handle), "cublasCreate_v2");
        _handle = handle;
        try
        {
            int version;
            Cublas.Check(Cublas.GetVersion(handle, &version), "cublasGetVersion_v2");
            Version = $"{version / 10000}.{version / 100 % 100}.{version % 100}";
            Cublas.Check(Cublas.SetStream(handle, driver.Stream), "cublasSetStream_v2");
            _workspace = driver.Alloc(WorkspaceBytes);
            Cublas.Check(Cublas.SetWorkspace(handle, (void*)_workspace, (nuint)WorkspaceBytes), "cublasSetWorkspace_v2");
            Cublas.Check(Cublas.SetMathMode(handle, Cublas.DefaultMath), "cublasSetMathMode");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
                      ulong a, int lda, long strideA,
                      ulong b, int ldb, long strideB,
                      float beta, ulong c, int ldc, long strideC, int batchCount = 1)
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        GemmArguments.Validate(transA, transB, m, n, k, lda, strideA, ldb, strideB, ldc, strideC, batchCount);
        _driver.MakeCurrent();
        var computeType = Math switch
        {
            GemmMath.Tf32 => Cublas.ComputeType32FFastTf32,
            GemmMath.Bf16 => Cublas.ComputeType32FFast16Bf,
            _ => Cublas.ComputeType32F,
        };
        // Column-major view: C'[n×m] = op(B)'[n×k] · op(A)'[k×m].
        var status = Cublas.GemmStridedBatchedEx(_handle,
            transB ? Cublas.OpT : Cublas.OpN, transA ? Cublas.OpT : Cublas.OpN,
            n, m, k, &alpha,
            (void*)b, Cublas.DataTypeR32F, ldb, strideB,
            (void*)a, Cublas.DataTypeR32F, lda, strideA,
            &beta, (void*)c, Cublas.DataTypeR32F, ldc, strideC,
            batchCount, computeType, Cublas.GemmDefault);
        if (status != Cublas.StatusSuccess)
            Cublas.Check(status, $"cublasGemmStridedBatchedEx(m={m}, n={n}, k={k}, batch={batchCount}, transA={transA}, transB={transB})");
    }

    public void Dispose()
    {
        if (_handle != 0)
        {
            _driver.MakeCurrent();
            Cublas.Destroy(_handle);
            _handle = 0;
        }
        if (_workspace != 0)
        {
            _driver.Free(_workspace);
            _workspace = 0;
        }
    }
}
