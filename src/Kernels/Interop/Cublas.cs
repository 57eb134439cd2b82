using System.Runtime.InteropServices;

namespace DyTox.Kernels.Interop;

/// <summary>
/// cuBLAS (cublas_api.h, the handle-based "v2" API) bindings. Results are cublasStatus_t codes
/// (0 = CUBLAS_STATUS_SUCCESS). Constants from engine guide §4.3.
/// </summary>
public static unsafe partial class Cublas
{
    public const int StatusSuccess = 0;
    public const int OpN = 0;
    public const int OpT = 1;
    public const int DataTypeR32F = 0;
    public const int ComputeType32F = 68;
    public const int ComputeType32FPedantic = 69;
    public const int ComputeType32FFastTf32 = 77;
    public const int ComputeType32FFast16Bf = 75;
    public const int GemmDefault = -1;
    public const int DefaultMath = 0;
    public const int Tf32TensorOpMath = 3;

    [LibraryImport(CudaLibraryNames.Cublas, EntryPoint = "cublasCreate_v2")]
    public static partial int Create(nint* handle);

    [LibraryImport(CudaLibraryNames.Cublas, EntryPoint = "cublasDestroy_v2")]
    public static partial int Destroy(nint handle);

    [LibraryImport(CudaLibraryNames.Cublas, EntryPoint = "cublasGetVersion_v2")]
    public static partial int GetVersion(nint handle, int* version);

    [LibraryImport(CudaLibraryNames.Cublas, EntryPoint = "cublasSetStream_v2")]
    public static partial int SetStream(nint handle, nint stream);

    [LibraryImport(CudaLibraryNames.Cublas, EntryPoint = "cublasSetWorkspace_v2")]
    public static partial int SetWorkspace(nint handle, void* workspace, nuint bytes);

    [LibraryImport(CudaLibraryNames.Cublas, EntryPoint = "cublasSetMathMode")]
    public static partial int SetMathMode(nint handle, int mode);

    [LibraryImport(CudaLibraryNames.Cublas, EntryPoint = "cublasGetStatusName")]
    public static partial byte* GetStatusName(int status);

    [LibraryImport(CudaLibraryNames.Cublas, EntryPoint = "cublasGetStatusString")]
    public static partial byte* GetStatusString(int status);

    [LibraryImport(CudaLibraryNames.Cublas, EntryPoint = "cublasGemmStridedBatchedEx")]
    public static partial int GemmStridedBatchedEx(nint handle, int transa, int transb, int m, int n, int k,
        void* alpha, void* a, int aType, int lda, long strideA,
        void* b, int bType, int ldb, long strideB,
        void* beta, void* c, int cType, int ldc, long strideC,
        int batchCount, int computeType, int algo);

    /// <summary>Throws when <paramref name="status"/> is not CUBLAS_STATUS_SUCCESS, naming the call and the status.</summary>
    public static void Check(int status, string call)
    {
        if (status == StatusSuccess) return;
        string name;
        try
        {
            var n = GetStatusName(status);
            var s = GetStatusString(status);
            name = $"{(n == null ? "cublasStatus" : Marshal.PtrToStringUTF8((nint)n))}: {(s == null ? "" : Marshal.PtrToStringUTF8((nint)s))}";
        }
        catch (EntryPointNotFoundException)
        {
            name = "cublasStatus";
        }
        throw new CudaException(call, status, $"{call} failed with {name} ({status})");
    }
}
