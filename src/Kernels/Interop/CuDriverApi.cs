using System.Runtime.InteropServices;

namespace DyTox.Kernels.Interop;

/// <summary>
/// The CUDA driver API as a table of unmanaged function pointers, resolved through cuGetProcAddress
/// (cuGetProcAddress_v2 where exported) for <see cref="AbiVersion"/>. Asking by base name and version
/// makes the driver hand back the ABI of that version (cuMemAlloc → cuMemAlloc_v2, …), which avoids the
/// "_v2" naming traps of binding exported symbols by hand (engine guide §6.1). CUresult is an int;
/// handles are pointers; CUdeviceptr is 64-bit.
/// </summary>
public sealed unsafe class CuDriverApi
{
    /// <summary>The CUDA version whose ABIs this table is written against (12.0).</summary>
    public const int AbiVersion = 12000;

    /// <summary>Every base name this table resolves, for reviews and the loader's error messages.</summary>
    public static IReadOnlyList<string> SymbolNames { get; } =
    [
        "cuGetErrorName", "cuGetErrorString", "cuInit", "cuDriverGetVersion", "cuDeviceGetCount", "cuDeviceGet",
        "cuDeviceGetName", "cuDeviceGetAttribute", "cuDeviceTotalMem", "cuDevicePrimaryCtxRetain",
        "cuDevicePrimaryCtxRelease", "cuCtxSetCurrent", "cuCtxSynchronize", "cuStreamCreate", "cuStreamDestroy",
        "cuStreamSynchronize", "cuEventCreate", "cuEventDestroy", "cuEventRecord", "cuEventSynchronize",
        "cuEventElapsedTime", "cuMemAlloc", "cuMemFree", "cuMemGetInfo", "cuMemHostAlloc", "cuMemFreeHost",
        "cuMemcpyHtoDAsync", "cuMemcpyDtoHAsync", "cuMemcpyDtoDAsync", "cuMemcpyPeerAsync", "cuMemsetD8Async", "cuModuleLoadData",
        "cuModuleUnload", "cuModuleGetFunction", "cuLaunchKernel", "cuFuncGetAttribute", "cuFuncSetAttribute",
        "cuOccupancyMaxActiveBlocksPerMultiprocessor",
    ];

    public delegate* unmanaged[Cdecl]<int, byte**, int> cuGetErrorName;
    public delegate* unmanaged[Cdecl]<int, byte**, int> cuGetErrorString;
    public delegate* unmanaged[Cdecl]<uint, int> cuInit;
    public delegate* unmanaged[Cdecl]<int*, int> cuDriverGetVersion;
    public delegate* unmanaged[Cdecl]<int*, int> cuDeviceGetCount;
    public delegate* unmanaged[Cdecl]<int*, int, int> cuDeviceGet;
    public delegate* unmanaged[Cdecl]<byte*, int, int, int> cuDeviceGetName;
    public delegate* unmanaged[Cdecl]<int*, int, int, int> cuDeviceGetAttribute;
    public delegate* unmanaged[Cdecl]<nuint*, int, int> cuDeviceTotalMem;
    public delegate* unmanaged[Cdecl]<nint*, int, int> cuDevicePrimaryCtxRetain;
    public delegate* unmanaged[Cdecl]<int, int> cuDevicePrimaryCtxRelease;
    public delegate* unmanaged[Cdecl]<nint, int> cuCtxSetCurrent;
    public delegate* unmanaged[Cdecl]<int> cuCtxSynchronize;
    public delegate* unmanaged[Cdecl]<nint*, uint, int> cuStreamCreate;
    public delegate* unmanaged[Cdecl]<nint, int> cuStreamDestroy;
    public delegate* unmanaged[Cdecl]<nint, int> cuStreamSynchronize;
    public delegate* unmanaged[Cdecl]<nint*, uint, int> cuEventCreate;
    public delegate* unmanaged[Cdecl]<nint, int> cuEventDestroy;
    public delegate* unmanaged[Cdecl]<nint, nint, int> cuEventRecord;
    public delegate* unmanaged[Cdecl]<nint, int> cuEventSynchronize;
    public delegate* unmanaged[Cdecl]<float*, nint, nint, int> cuEventElapsedTime;
    public delegate* unmanaged[Cdecl]<ulong*, nuint, int> cuMemAlloc;
    public delegate* unmanaged[Cdecl]<ulong, int> cuMemFree;
    public delegate* unmanaged[Cdecl]<nuint*, nuint*, int> cuMemGetInfo;
    public delegate* unmanaged[Cdecl]<void**, nuint, uint, int> cuMemHostAlloc;
    public delegate* unmanaged[Cdecl]<void*, int> cuMemFreeHost;
    public delegate* unmanaged[Cdecl]<ulong, void*, nuint, nint, int> cuMemcpyHtoDAsync;
    public delegate* unmanaged[Cdecl]<void*, ulong, nuint, nint, int> cuMemcpyDtoHAsync;
    public delegate* unmanaged[Cdecl]<ulong, ulong, nuint, nint, int> cuMemcpyDtoDAsync;
    /// <summary>(dst, dstContext, src, srcContext, bytes, stream): between the memories of two contexts (devices).</summary>
    public delegate* unmanaged[Cdecl]<ulong, nint, ulong, nint, nuint, nint, int> cuMemcpyPeerAsync;
    public delegate* unmanaged[Cdecl]<ulong, byte, nuint, nint, int> cuMemsetD8Async;
    public delegate* unmanaged[Cdecl]<nint*, void*, int> cuModuleLoadData;
    public delegate* unmanaged[Cdecl]<nint, int> cuModuleUnload;
    public delegate* unmanaged[Cdecl]<nint*, nint, byte*, int> cuModuleGetFunction;
    public delegate* unmanaged[Cdecl]<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int> cuLaunchKernel;
    public delegate* unmanaged[Cdecl]<int*, int, nint, int> cuFuncGetAttribute;
    public delegate* unmanaged[Cdecl]<nint, int, int, int> cuFuncSetAttribute;
    public delegate* unmanaged[Cdecl]<int*, nint, int, nuint, int> cuOccupancyMaxActiveBlocksPerMultiprocessor;

    /// <summary>Where libcuda was loaded from.</summary>
    public string LoadedFrom { get; }

    private CuDriverApi(string loadedFrom) => LoadedFrom = loadedFrom;

    /// <summary>
    /// Loads libcuda and resolves every entry point. Returns null with a one-clause reason when the driver
    /// library is missing, too old for cuGetProcAddress, or lacks an entry point. Never throws.
    /// </summary>
    public static CuDriverApi? TryLoad(out string reason)
    {
        var lib = NativeLibraryLoader.Load(CudaLibrary.Driver);
        if (!lib.IsLoaded)
        {
            reason = lib.Reason ?? "libcuda.so.1 was not found";
            return null;
        }

        nint getProcV2 = 0, getProcV1 = 0;
        if (!NativeLibrary.TryGetExport(lib.Handle, "cuGetProcAddress_v2", out getProcV2))
            NativeLibrary.TryGetExport(lib.Handle, "cuGetProcAddress", out getProcV1);
        if (getProcV2 == 0 && getProcV1 == 0)
        {
            reason = $"{lib.LoadedFrom} exports no cuGetProcAddress (driver older than CUDA 11.3)";
            return null;
        }

        var api = new CuDriverApi(lib.LoadedFrom!);
        var missing = new List<string>();
        nint Resolve(string name)
        {
            void* fn = null;
            int rc;
            if (getProcV2 != 0)
            {
                int status;
                fixed (byte* utf8 = Utf8Z(name))
                    rc = ((delegate* unmanaged[Cdecl]<byte*, void**, int, ulong, int*, int>)getProcV2)(utf8, &fn, AbiVersion, 0, &status);
            }
            else
            {
                fixed (byte* utf8 = Utf8Z(name))
                    rc = ((delegate* unmanaged[Cdecl]<byte*, void**, int, ulong, int>)getProcV1)(utf8, &fn, AbiVersion, 0);
            }
            if (rc != CuConstants.Success || fn == null) missing.Add(name);
            return (nint)fn;
        }

        api.cuGetErrorName = (delegate* unmanaged[Cdecl]<int, byte**, int>)Resolve("cuGetErrorName");
        api.cuGetErrorString = (delegate* unmanaged[Cdecl]<int, byte**, int>)Resolve("cuGetErrorString");
        api.cuInit = (delegate* unmanaged[Cdecl]<uint, int>)Resolve("cuInit");
        api.cuDriverGetVersion = (delegate* unmanaged[Cdecl]<int*, int>)Resolve("cuDriverGetVersion");
        api.cuDeviceGetCount = (delegate* unmanaged[Cdecl]<int*, int>)Resolve("cuDeviceGetCount");
        api.cuDeviceGet = (delegate* unmanaged[Cdecl]<int*, int, int>)Resolve("cuDeviceGet");
        api.cuDeviceGetName = (delegate* unmanaged[Cdecl]<byte*, int, int, int>)Resolve("cuDeviceGetName");
        api.cuDeviceGetAttribute = (delegate* unmanaged[Cdecl]<int*, int, int, int>)Resolve("cuDeviceGetAttribute");
        api.cuDeviceTotalMem = (delegate* unmanaged[Cdecl]<nuint*, int, int>)Resolve("cuDeviceTotalMem");
        api.cuDevicePrimaryCtxRetain = (delegate* unmanaged[Cdecl]<nint*, int, int>)Resolve("cuDevicePrimaryCtxRetain");
        api.cuDevicePrimaryCtxRelease = (delegate* unmanaged[Cdecl]<int, int>)Resolve("cuDevicePrimaryCtxRelease");
        api.cuCtxSetCurrent = (delegate* unmanaged[Cdecl]<nint, int>)Resolve("cuCtxSetCurrent");
        api.cuCtxSynchronize = (delegate* unmanaged[Cdecl]<int>)Resolve("cuCtxSynchronize");
        api.cuStreamCreate = (delegate* unmanaged[Cdecl]<nint*, uint, int>)Resolve("cuStreamCreate");
        api.cuStreamDestroy = (delegate* unmanaged[Cdecl]<nint, int>)Resolve("cuStreamDestroy");
        api.cuStreamSynchronize = (delegate* unmanaged[Cdecl]<nint, int>)Resolve("cuStreamSynchronize");
        api.cuEventCreate = (delegate* unmanaged[Cdecl]<nint*, uint, int>)Resolve("cuEventCreate");
        api.cuEventDestroy = (delegate* unmanaged[Cdecl]<nint, int>)Resolve("cuEventDestroy");
        api.cuEventRecord = (delegate* unmanaged[Cdecl]<nint, nint, int>)Resolve("cuEventRecord");
        api.cuEventSynchronize = (delegate* unmanaged[Cdecl]<nint, int>)Resolve("cuEventSynchronize");
        api.cuEventElapsedTime = (delegate* unmanaged[Cdecl]<float*, nint, nint, int>)Resolve("cuEventElapsedTime");
        api.cuMemAlloc = (delegate* unmanaged[Cdecl]<ulong*, nuint, int>)Resolve("cuMemAlloc");
        api.cuMemFree = (delegate* unmanaged[Cdecl]<ulong, int>)Resolve("cuMemFree");
        api.cuMemGetInfo = (delegate* unmanaged[Cdecl]<nuint*, nuint*, int>)Resolve("cuMemGetInfo");
        api.cuMemHostAlloc = (delegate* unmanaged[Cdecl]<void**, nuint, uint, int>)Resolve("cuMemHostAlloc");
        api.cuMemFreeHost = (delegate* unmanaged[Cdecl]<void*, int>)Resolve("cuMemFreeHost");
        api.cuMemcpyHtoDAsync = (delegate* unmanaged[Cdecl]<ulong, void*, nuint, nint, int>)Resolve("cuMemcpyHtoDAsync");
        api.cuMemcpyDtoHAsync = (delegate* unmanaged[Cdecl]<void*, ulong, nuint, nint, int>)Resolve("cuMemcpyDtoHAsync");
        api.cuMemcpyDtoDAsync = (delegate* unmanaged[Cdecl]<ulong, ulong, nuint, nint, int>)Resolve("cuMemcpyDtoDAsync");
        api.cuMemcpyPeerAsync = (delegate* unmanaged[Cdecl]<ulong, nint, ulong, nint, nuint, nint, int>)Resolve("cuMemcpyPeerAsync");
        api.cuMemsetD8Async = (delegate* unmanaged[Cdecl]<ulong, byte, nuint, nint, int>)Resolve("cuMemsetD8Async");
        api.cuModuleLoadData = (delegate* unmanaged[Cdecl]<nint*, void*, int>)Resolve("cuModuleLoadData");
        api.cuModuleUnload = (delegate* unmanaged[Cdecl]<nint, int>)Resolve("cuModuleUnload");
        api.cuModuleGetFunction = (delegate* unmanaged[Cdecl]<nint*, nint, byte*, int>)Resolve("cuModuleGetFunction");
        api.cuLaunchKernel = (delegate* unmanaged[Cdecl]<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int>)Resolve("cuLaunchKernel");
        api.cuFuncGetAttribute = (delegate* unmanaged[Cdecl]<int*, int, nint, int>)Resolve("cuFuncGetAttribute");
        api.cuFuncSetAttribute = (delegate* unmanaged[Cdecl]<nint, int, int, int>)Resolve("cuFuncSetAttribute");
        api.cuOccupancyMaxActiveBlocksPerMultiprocessor = (delegate* unmanaged[Cdecl]<int*, nint, int, nuint, int>)Resolve("cuOccupancyMaxActiveBlocksPerMultiprocessor");

        if (missing.Count > 0)
        {
            reason = $"{lib.LoadedFrom} does not provide {string.Join(", ", missing)} for CUDA {AbiVersion / 1000}.{AbiVersion % 1000 / 10}";
            return null;
        }
        reason = "";
        return api;
    }

    /// <summary>"CUDA_ERROR_OUT_OF_MEMORY: out of memory" for a CUresult.</summary>
    public string Describe(int result)
    {
        byte* name = null, text = null;
        if (cuGetErrorName != null) cuGetErrorName(result, &name);
        if (cuGetErrorString != null) cuGetErrorString(result, &text);
        var n = name == null ? $"CUresult {result}" : Marshal.PtrToStringUTF8((nint)name);
        return text == null ? n! : $"{n}: {Marshal.PtrToStringUTF8((nint)text)}";
    }

    /// <summary>Throws a <see cref="CudaException"/> naming the call and the error when result is not CUDA_SUCCESS.</summary>
    public void Check(int result, string call)
    {
        if (result == CuConstants.Success) return;
        var message = $"{call} failed with {Describe(result)} ({result})";
        if (result == CuConstants.ErrorOutOfMemory) throw new CudaOutOfMemoryException(call, result, message);
        throw new CudaException(call, result, message);
    }

    internal static byte[] Utf8Z(string s)
    {
        var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
        System.Text.Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
