namespace DyTox.Kernels.Interop;

/// <summary>The native NVIDIA libraries this assembly binds; their logical names appear in [LibraryImport].</summary>
public enum CudaLibrary
{
    /// <summary>The driver API (libcuda.so.1), installed with the NVIDIA kernel driver.</summary>
    Driver,
    /// <summary>The runtime compiler (libnvrtc.so.N).</summary>
    Nvrtc,
    /// <summary>cuBLAS (libcublas.so.N); needs cuBLASLt of the same major.</summary>
    Cublas,
    /// <summary>cuBLASLt (libcublasLt.so.N).</summary>
    CublasLt,
}

/// <summary>Logical library names used by [LibraryImport] declarations and mapped by the resolver.</summary>
public static class CudaLibraryNames
{
    public const string Driver = "cuda";
    public const string Nvrtc = "nvrtc";
    public const string Cublas = "cublas";
    public const string CublasLt = "cublasLt";

    /// <summary>The library a logical name stands for, or null for a name this assembly does not own.</summary>
    public static CudaLibrary? FromLogicalName(string name) => name switch
    {
        Driver => CudaLibrary.Driver,
        Nvrtc => CudaLibrary.Nvrtc,
        Cublas => CudaLibrary.Cublas,
        CublasLt => CudaLibrary.CublasLt,
        _ => null,
    };

    /// <summary>
    /// File names to try, newest first. Versioned sonames come before the unversioned developer
    /// symlink, which runtime-only images (nvidia/cuda:*-runtime, pip wheels) do not ship.
    /// </summary>
    public static IReadOnlyList<string> FileNames(CudaLibrary library) =>
        OperatingSystem.IsWindows() ? WindowsNames(library) : LinuxNames(library);

    /// <summary>The major versions of cuBLAS/cuBLASLt tried, newest first.</summary>
    public static IReadOnlyList<int> CublasMajors { get; } = [13, 12, 11];

    /// <summary>The file name of cuBLAS or cuBLASLt of one major version.</summary>
    public static string CublasFileName(CudaLibrary library, int major)
    {
        if (library is not (CudaLibrary.Cublas or CudaLibrary.CublasLt))
            throw new ArgumentOutOfRangeException(nameof(library), library, "Only cuBLAS and cuBLASLt are versioned by major here.");
        var stem = library == CudaLibrary.Cublas ? "cublas" : "cublasLt";
        return OperatingSystem.IsWindows() ? $"{stem}64_{major}.dll" : $"lib{stem}.so.{major}";
    }

    private static IReadOnlyList<string> LinuxNames(CudaLibrary library) => library switch
    {
        CudaLibrary.Driver => ["libcuda.so.1", "libcuda.so"],
        CudaLibrary.Nvrtc => ["libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"],
        CudaLibrary.Cublas => ["libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so"],
        CudaLibrary.CublasLt => ["libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so.11", "libcublasLt.so"],
        _ => throw new ArgumentOutOfRangeException(nameof(library), library, null),
    };

    private static IReadOnlyList<string> WindowsNames(CudaLibrary library) => library switch
    {
        CudaLibrary.Driver => ["nvcuda.dll"],
        CudaLibrary.Nvrtc => ["nvrtc64_130_0.dll", "nvrtc64_120_0.dll", "nvrtc64_112_0.dll"],
        CudaLibrary.Cublas => ["cublas64_13.dll", "cublas64_12.dll", "cublas64_11.dll"],
        CudaLibrary.CublasLt => ["cublasLt64_13.dll", "cublasLt64_12.dll", "cublasLt64_11.dll"],
        _ => throw new ArgumentOutOfRangeException(nameof(library), library, null),
    };
}
