using System.Runtime.InteropServices;

namespace DyTox.Kernels.Interop;

/// <summary>
/// NVRTC (nvrtc.h) bindings. Results are nvrtcResult codes (0 = NVRTC_SUCCESS); strings are UTF-8,
/// NUL-terminated. A program handle is an opaque pointer. Every entry point listed here is checked
/// against the installed libnvrtc by the binding tests.
/// </summary>
public static unsafe partial class Nvrtc
{
    public const int Success = 0;
    public const int ErrorCompilation = 6;

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcGetErrorString")]
    public static partial byte* GetErrorString(int result);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcVersion")]
    public static partial int Version(int* major, int* minor);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcGetNumSupportedArchs")]
    public static partial int GetNumSupportedArchs(int* count);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcGetSupportedArchs")]
    public static partial int GetSupportedArchs(int* archs);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcCreateProgram")]
    public static partial int CreateProgram(nint* program, byte* source, byte* name, int numHeaders, byte** headers, byte** includeNames);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcDestroyProgram")]
    public static partial int DestroyProgram(nint* program);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcCompileProgram")]
    public static partial int CompileProgram(nint program, int numOptions, byte** options);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcGetProgramLogSize")]
    public static partial int GetProgramLogSize(nint program, nuint* size);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcGetProgramLog")]
    public static partial int GetProgramLog(nint program, byte* log);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcGetPTXSize")]
    public static partial int GetPtxSize(nint program, nuint* size);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcGetPTX")]
    public static partial int GetPtx(nint program, byte* ptx);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcGetCUBINSize")]
    public static partial int GetCubinSize(nint program, nuint* size);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcGetCUBIN")]
    public static partial int GetCubin(nint program, byte* cubin);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcAddNameExpression")]
    public static partial int AddNameExpression(nint program, byte* nameExpression);

    [LibraryImport(CudaLibraryNames.Nvrtc, EntryPoint = "nvrtcGetLoweredName")]
    public static partial int GetLoweredName(nint program, byte* nameExpression, byte** loweredName);

    /// <summary>NVRTC's text for a result code, e.g. "NVRTC_ERROR_COMPILATION".</summary>
    public static string ErrorString(int result)
    {
        try
        {
            var text = GetErrorString(result);
            return text == null ? $"nvrtcResult {result}" : Marshal.PtrToStringUTF8((nint)text) ?? $"nvrtcResult {result}";
        }
        catch (DllNotFoundException)
        {
            return $"nvrtcResult {result}";
        }
    }
}
