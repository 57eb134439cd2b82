namespace DyTox.Kernels.Interop;

/// <summary>Driver API constants used here (cuda.h; checked against several public copies of the header).</summary>
public static class CuConstants
{
    public const int Success = 0;
    public const int ErrorOutOfMemory = 2;
    public const int ErrorNotInitialized = 3;
    public const int ErrorNoDevice = 100;

    // CUdevice_attribute
    public const int AttrMaxThreadsPerBlock = 1;
    public const int AttrMaxSharedMemoryPerBlock = 8;
    public const int AttrClockRateKHz = 13;
    public const int AttrMultiprocessorCount = 16;
    public const int AttrMemoryClockRateKHz = 36;
    public const int AttrGlobalMemoryBusWidth = 37;
    public const int AttrL2CacheSize = 38;
    public const int AttrComputeCapabilityMajor = 75;
    public const int AttrComputeCapabilityMinor = 76;
    public const int AttrMaxSharedMemoryPerBlockOptin = 97;

    // CUfunction_attribute
    public const int FuncAttrMaxThreadsPerBlock = 0;
    public const int FuncAttrSharedSizeBytes = 1;
    public const int FuncAttrLocalSizeBytes = 3;
    public const int FuncAttrNumRegs = 4;
    public const int FuncAttrMaxDynamicSharedSizeBytes = 8;

    public const uint StreamNonBlocking = 1;
    public const uint EventDefault = 0;
    public const uint EventDisableTiming = 2;
    public const uint MemHostAllocPortable = 1;

    /// <summary>Static shared memory a kernel may use without opting in to more (48 KB).</summary>
    public const int DefaultSharedMemoryLimit = 48 * 1024;
}
