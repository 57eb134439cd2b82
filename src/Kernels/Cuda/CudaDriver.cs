using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using DyTox.Kernels.Interop;
using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Cuda;

/// <summary>
/// <see cref="ICudaDriver"/> on a real NVIDIA GPU: the device's primary context (shared with cuBLAS),
/// one non-blocking stream that every copy, memset, launch and GEMM is queued on, host↔device copies
/// through pinned staging, kernels compiled by NVRTC for the device's exact arch (disk cached), and
/// cuBLAS for GEMMs. Use from one thread at a time (the context is made current on whichever thread calls).
/// </summary>
public sealed unsafe class CudaDriver : ICudaDriver
{
    private const long StagingBytes = 16L << 20;

    [ThreadStatic] private static nint t_currentContext;

    private readonly CuDriverApi _api;
    private readonly int _device;
    private readonly nint _context;
    private readonly nint _stream;
    private readonly bool _syncAfterLaunch;
    private readonly Dictionary<string, LoadedModule> _modules = new(StringComparer.Ordinal);
    private readonly Dictionary<(string File, string Name), KernelFunction> _functions = [];
    private readonly Dictionary<nint, int> _dynamicSharedOptIn = [];
    private byte* _staging;
    private CublasBlas? _blas;
    private bool _disposed;

    private sealed record LoadedModule(nint Handle, CompiledKernelModule Compiled);

    public string Kind => "cuda";
    public DeviceInfo Device { get; }
    public NvrtcCompiler Compiler { get; }

    /// <summary>The CUDA version the driver supports, e.g. "13.0".</summary>
    public string DriverVersion { get; }
    public string NvrtcVersion => Compiler.Version;
    public string DriverLibrary => _api.LoadedFrom;
    public int L2CacheBytes { get; }

    /// <summary>Theoretical DRAM bandwidth from the memory clock and bus width (GB/s), 0 when not reported.</summary>
    public double PeakMemoryBandwidthGBs { get; }

    /// <summary>The stream all work is queued on (for interop with other libraries).</summary>
    public nint Stream => _stream;

    private CudaDriver(CuDriverApi api, int device, nint context, NvrtcCompiler compiler, DeviceInfo info,
                       string driverVersion, int l2, double bandwidth)
    {
        _api = api;
        _device = device;
        _context = context;
        Compiler = compiler;
        Device = info;
        DriverVersion = driverVersion;
        L2CacheBytes = l2;
        PeakMemoryBandwidthGBs = bandwidth;
        _syncAfterLaunch = Environment.GetEnvironmentVariable("DYTOX_CUDA_SYNC") == "1";
        MakeCurrent();
        nint stream;
        _api.Check(_api.cuStreamCreate(&stream, CuConstants.StreamNonBlocking), "cuStreamCreate");
        _stream = stream;
    }

    /// <summary>
    /// Opens device <paramref name="ordinal"/>. Never throws for a missing driver, GPU or NVRTC: returns
    /// false and one sentence saying what is missing and where it was looked for.
    /// </summary>
    public static bool TryCreate([NotNullWhen(true)] out CudaDriver? driver, out string reason, int ordinal = 0, NvrtcCompiler? compiler = null)
    {
        driver = null;
        var api = CuDriverApi.TryLoad(out var why);
        if (api is null)
        {
            reason = $"--device cuda needs the NVIDIA driver (libcuda.so.1), which was not found: {why}.";
            return false;
        }
        var rc = api.cuInit(0);
        if (rc != CuConstants.Success)
        {
            reason = $"--device cuda found the NVIDIA driver at {api.LoadedFrom}, but cuInit failed with {api.Describe(rc)}.";
            return false;
        }
        int count;
        rc = api.cuDeviceGetCount(&count);
        if (rc != CuConstants.Success || count <= ordinal)
        {
            reason = rc != CuConstants.Success
                ? $"--device cuda could not count CUDA devices: cuDeviceGetCount failed with {api.Describe(rc)}."
                : $"--device cuda asked for GPU {ordinal}, but the NVIDIA driver sees {count} CUDA device(s).";
            return false;
        }
        compiler ??= NvrtcCompiler.TryCreate(out why);
        if (compiler is null)
        {
            reason = $"--device cuda needs NVRTC (libnvrtc.so.13/.12/.11.2) to compile its kernels, which was not found: {why}.";
            return false;
        }
        try
        {
            driver = Open(api, ordinal, compiler);
            reason = "";
            return true;
        }
        catch (CudaException e)
        {
            reason = $"--device cuda could not open GPU {ordinal}: {e.Message}.";
            return false;
        }
    }

    private static CudaDriver Open(CuDriverApi api, int ordinal, NvrtcCompiler compiler)
    {
        int deviceOut, version;
        api.Check(api.cuDeviceGet(&deviceOut, ordinal), "cuDeviceGet");
        var device = deviceOut;
        api.Check(api.cuDriverGetVersion(&version), "cuDriverGetVersion");
        var nameBytes = stackalloc byte[256];
        api.Check(api.cuDeviceGetName(nameBytes, 256, device), "cuDeviceGetName");
        var name = Marshal.PtrToStringUTF8((nint)nameBytes) ?? "unknown";
        int Attr(int attribute, string what)
        {
            int value = 0;
            api.Check(api.cuDeviceGetAttribute(&value, attribute, device), $"cuDeviceGetAttribute({what})");
            return value;
        }
        var major = Attr(CuConstants.AttrComputeCapabilityMajor, "COMPUTE_CAPABILITY_MAJOR");
        var minor = Attr(CuConstants.AttrComputeCapabilityMinor, "COMPUTE_CAPABILITY_MINOR");
        nuint total;
        api.Check(api.cuDeviceTotalMem(&total, device), "cuDeviceTotalMem");
        var driverVersion = $"{version / 1000}.{version % 1000 / 10}";
        var info = new DeviceInfo(name, major, minor, (long)total,
            Attr(CuConstants.AttrMultiprocessorCount, "MULTIPROCESSOR_COUNT"),
            Attr(CuConstants.AttrMaxThreadsPerBlock, "MAX_THREADS_PER_BLOCK"),
            Attr(CuConstants.AttrMaxSharedMemoryPerBlock, "MAX_SHARED_MEMORY_PER_BLOCK"),
            Attr(CuConstants.AttrMaxSharedMemoryPerBlockOptin, "MAX_SHARED_MEMORY_PER_BLOCK_OPTIN"),
            driverVersion);
        var memClockKHz = Attr(CuConstants.AttrMemoryClockRateKHz, "MEMORY_CLOCK_RATE");
        var busBits = Attr(CuConstants.AttrGlobalMemoryBusWidth, "GLOBAL_MEMORY_BUS_WIDTH");
        var bandwidth = 2.0 * memClockKHz * 1e3 * busBits / 8 / 1e9; // double data rate
        var l2 = Attr(CuConstants.AttrL2CacheSize, "L2_CACHE_SIZE");

        nint context;
        api.Check(api.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain");
        try
        {
            return new CudaDriver(api, device, context, compiler, info, driverVersion, l2, bandwidth);
        }
        catch
        {
            api.cuDevicePrimaryCtxRelease(device);
            throw;
        }
    }

    /// <summary>Makes this driver's context current on the calling thread (cheap when it already is).</summary>
    public void MakeCurrent()
    {
        if (t_currentContext == _context) return;
        _api.Check(_api.cuCtxSetCurrent(_context), "cuCtxSetCurrent");
        t_currentContext = _context;
    }

    private void Enter()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        MakeCurrent();
    }

    /// <summary>The cuBLAS version string, or why cuBLAS is unavailable.</summary>
    public string CublasVersion => TryGetBlas(out var blas, out var why) ? blas.Version : $"unavailable: {why}";

    public IDeviceBlas Blas => TryGetBlas(out var blas, out var why) ? blas : throw new InvalidOperationException($"cuBLAS is unavailable: {why}.");

    private bool TryGetBlas([NotNullWhen(true)] out CublasBlas? blas, out string reason)
    {
        Enter();
        if (_blas is null)
        {
            var lib = NativeLibraryLoader.Load(CudaLibrary.Cublas);
            if (!lib.IsLoaded)
            {
                blas = null;
                reason = lib.Reason ?? "libcublas was not found";
                return false;
            }
            _blas = new CublasBlas(this);
        }
        blas = _blas;
        reason = "";
        return true;
    }

    public ulong Alloc(long bytes)
    {
        if (bytes <= 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Expected a positive byte count.");
        Enter();
        ulong ptr;
        _api.Check(_api.cuMemAlloc(&ptr, (nuint)bytes), $"cuMemAlloc({bytes} bytes)");
        return ptr;
    }

    public void Free(ulong devicePtr)
    {
        if (devicePtr == 0) return;
        Enter();
        _api.Check(_api.cuMemFree(devicePtr), "cuMemFree");
    }

    /// <summary>Free and total device memory in bytes.</summary>
    public (long Free, long Total) MemoryInfo()
    {
        Enter();
        nuint free, total;
        _api.Check(_api.cuMemGetInfo(&free, &total), "cuMemGetInfo");
        return ((long)free, (long)total);
    }

    private byte* Staging()
    {
        if (_staging == null)
        {
            void* p;
            _api.Check(_api.cuMemHostAlloc(&p, (nuint)StagingBytes, CuConstants.MemHostAllocPortable), "cuMemHostAlloc");
            _staging = (byte*)p;
        }
        return _staging;
    }

    /// <summary>
    /// Pageable host memory → pinned staging → device, chunk by chunk, on the stream (so it is ordered
    /// with queued kernels). Returns when <paramref name="src"/> may be reused.
    /// </summary>
    public void CopyHostToDevice(ulong dst, void* src, long bytes)
    {
        if (bytes < 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Expected a non-negative byte count.");
        if (bytes == 0) return;
        Enter();
        var staging = Staging();
        for (long done = 0; done < bytes; done += StagingBytes)
        {
            var chunk = Math.Min(StagingBytes, bytes - done);
            // The previous chunk's async copy must have drained the staging buffer before it is overwritten.
            if (done > 0) _api.Check(_api.cuStreamSynchronize(_stream), "cuStreamSynchronize (H2D staging)");
            Buffer.MemoryCopy((byte*)src + done, staging, StagingBytes, chunk);
            _api.Check(_api.cuMemcpyHtoDAsync(dst + (ulong)done, staging, (nuint)chunk, _stream), "cuMemcpyHtoDAsync");
        }
        _api.Check(_api.cuStreamSynchronize(_stream), "cuStreamSynchronize (H2D staging)");
    }

    /// <summary>Device → pinned staging → pageable host memory, after all queued work on the stream.</summary>
    public void CopyDeviceToHost(void* dst, ulong src, long bytes)
    {
        if (bytes < 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Expected a non-negative byte count.");
        if (bytes == 0) return;
        Enter();
        var staging = Staging();
        for (long done = 0; done < bytes; done += StagingBytes)
        {
            var chunk = Math.Min(StagingBytes, bytes - done);
            _api.Check(_api.cuMemcpyDtoHAsync(staging, src + (ulong)done, (nuint)chunk, _stream), "cuMemcpyDtoHAsync");
            _api.Check(_api.cuStreamSynchronize(_stream), "cuStreamSynchronize (D2H staging)");
            Buffer.MemoryCopy(staging, (byte*)dst + done, chunk, chunk);
        }
    }

    public void CopyDeviceToDevice(ulong dst, ulong src, long bytes)
    {
        if (bytes < 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Expected a non-negative byte count.");
        if (bytes == 0) return;
        Enter();
        _api.Check(_api.cuMemcpyDtoDAsync(dst, src, (nuint)bytes, _stream), "cuMemcpyDtoDAsync");
    }

    public void CopyFromPeer(ulong dst, ICudaDriver source, ulong src, long bytes)
    {
        if (bytes < 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Expected a non-negative byte count.");
        if (source is not CudaDriver peer)
            throw new ArgumentException($"a peer copy needs another CUDA driver as its source, not {source?.GetType().Name ?? "null"}.", nameof(source));
        if (bytes == 0) return;
        peer.Synchronize(); // the source's queued work (its producer) first
        Enter();
        if (peer._context == _context) // two drivers of one GPU share its primary context: one address space
            _api.Check(_api.cuMemcpyDtoDAsync(dst, src, (nuint)bytes, _stream), "cuMemcpyDtoDAsync (peer, same context)");
        else
            _api.Check(_api.cuMemcpyPeerAsync(dst, _context, src, peer._context, (nuint)bytes, _stream), "cuMemcpyPeerAsync");
        // Done before returning: the source may be overwritten by its own stream right after.
        _api.Check(_api.cuStreamSynchronize(_stream), "cuStreamSynchronize (peer copy)");
    }

    public void MemsetD8(ulong dst, byte value, long bytes)
    {
        if (bytes < 0) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "Expected a non-negative byte count.");
        if (bytes == 0) return;
        Enter();
        _api.Check(_api.cuMemsetD8Async(dst, value, (nuint)bytes, _stream), "cuMemsetD8Async");
    }

    public KernelFunction GetFunction(string sourceFile, string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceFile);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_functions.TryGetValue((sourceFile, name), out var cached)) return cached;
        Enter();

        // Template name expressions need lowering, so each gets its own program; extern "C" kernels of a
        // file share one module.
        var isExpression = name.Contains('<', StringComparison.Ordinal);
        var moduleKey = isExpression ? sourceFile + "|" + name : sourceFile;
        if (!_modules.TryGetValue(moduleKey, out var module))
        {
            var arch = Device.Major * 10 + Device.Minor;
            var compiled = Compiler.CompileEmbedded(sourceFile, arch, nameExpressions: isExpression ? [name] : null);
            nint handle;
            fixed (byte* image = compiled.Image)
                _api.Check(_api.cuModuleLoadData(&handle, image), $"cuModuleLoadData({sourceFile}, {compiled.Target})");
            module = new LoadedModule(handle, compiled);
            _modules[moduleKey] = module;
        }

        nint fn;
        var symbol = module.Compiled.SymbolFor(name);
        fixed (byte* utf8 = CuDriverApi.Utf8Z(symbol))
        {
            var rc = _api.cuModuleGetFunction(&fn, module.Handle, utf8);
            if (rc != CuConstants.Success)
                _api.Check(rc, $"cuModuleGetFunction({sourceFile}: {name})");
        }
        var function = new KernelFunction(fn, name);
        _functions[(sourceFile, name)] = function;
        return function;
    }

    /// <summary>The compiled module (log, ptxas report, target) behind a loaded source file.</summary>
    public CompiledKernelModule? CompiledModule(string sourceFile) =>
        _modules.TryGetValue(sourceFile, out var module) ? module.Compiled : null;

    public void Launch(KernelFunction fn, Dim3 grid, Dim3 block, int dynamicSharedBytes, void** args)
    {
        if (block.X <= 0 || block.Y <= 0 || block.Z <= 0 || block.Count > Device.MaxThreadsPerBlock)
            throw new ArgumentOutOfRangeException(nameof(block), block, $"Block of {fn.Name} must have 1..{Device.MaxThreadsPerBlock} threads.");
        if (grid.X <= 0 || grid.Y <= 0 || grid.Z <= 0 || grid.Y > 65535 || grid.Z > 65535)
            throw new ArgumentOutOfRangeException(nameof(grid), grid, $"Grid of {fn.Name} must be positive with y, z <= 65535.");
        if (dynamicSharedBytes < 0 || dynamicSharedBytes > Device.MaxSharedMemoryPerBlockOptin)
            throw new ArgumentOutOfRangeException(nameof(dynamicSharedBytes), dynamicSharedBytes, $"Dynamic shared memory of {fn.Name} must be 0..{Device.MaxSharedMemoryPerBlockOptin} bytes.");
        Enter();
        if (dynamicSharedBytes > CuConstants.DefaultSharedMemoryLimit) OptInSharedMemory(fn, dynamicSharedBytes);

        var rc = _api.cuLaunchKernel(fn.Handle, (uint)grid.X, (uint)grid.Y, (uint)grid.Z,
                                     (uint)block.X, (uint)block.Y, (uint)block.Z,
                                     (uint)dynamicSharedBytes, _stream, args, null);
        if (rc != CuConstants.Success) _api.Check(rc, $"cuLaunchKernel({fn.Name})");
        if (_syncAfterLaunch)
        {
            rc = _api.cuStreamSynchronize(_stream);
            if (rc != CuConstants.Success) _api.Check(rc, $"kernel {fn.Name} (DYTOX_CUDA_SYNC=1)");
        }
    }

    private void OptInSharedMemory(KernelFunction fn, int bytes)
    {
        if (_dynamicSharedOptIn.TryGetValue(fn.Handle, out var current) && current >= bytes) return;
        _api.Check(_api.cuFuncSetAttribute(fn.Handle, CuConstants.FuncAttrMaxDynamicSharedSizeBytes, bytes),
                   $"cuFuncSetAttribute({fn.Name}, MAX_DYNAMIC_SHARED_SIZE_BYTES={bytes})");
        _dynamicSharedOptIn[fn.Handle] = bytes;
    }

    /// <summary>Registers, static shared and local memory, and the max block size of a loaded kernel.</summary>
    public (int Registers, int StaticSharedBytes, int LocalBytes, int MaxThreadsPerBlock) FunctionAttributes(KernelFunction fn)
    {
        Enter();
        int regs, smem, local, maxThreads;
        _api.Check(_api.cuFuncGetAttribute(&regs, CuConstants.FuncAttrNumRegs, fn.Handle), "cuFuncGetAttribute(NUM_REGS)");
        _api.Check(_api.cuFuncGetAttribute(&smem, CuConstants.FuncAttrSharedSizeBytes, fn.Handle), "cuFuncGetAttribute(SHARED_SIZE_BYTES)");
        _api.Check(_api.cuFuncGetAttribute(&local, CuConstants.FuncAttrLocalSizeBytes, fn.Handle), "cuFuncGetAttribute(LOCAL_SIZE_BYTES)");
        _api.Check(_api.cuFuncGetAttribute(&maxThreads, CuConstants.FuncAttrMaxThreadsPerBlock, fn.Handle), "cuFuncGetAttribute(MAX_THREADS_PER_BLOCK)");
        return (regs, smem, local, maxThreads);
    }

    /// <summary>Resident blocks per SM for a block size (cuOccupancyMaxActiveBlocksPerMultiprocessor).</summary>
    public int MaxActiveBlocksPerMultiprocessor(KernelFunction fn, int blockSize, int dynamicSharedBytes = 0)
    {
        Enter();
        int blocks;
        _api.Check(_api.cuOccupancyMaxActiveBlocksPerMultiprocessor(&blocks, fn.Handle, blockSize, (nuint)dynamicSharedBytes),
                   $"cuOccupancyMaxActiveBlocksPerMultiprocessor({fn.Name})");
        return blocks;
    }

    public void Synchronize()
    {
        Enter();
        _api.Check(_api.cuStreamSynchronize(_stream), "cuStreamSynchronize");
    }

    /// <summary>A timing event on this driver's stream.</summary>
    public CudaEvent CreateEvent()
    {
        Enter();
        nint ev;
        _api.Check(_api.cuEventCreate(&ev, CuConstants.EventDefault), "cuEventCreate");
        return new CudaEvent(this, ev);
    }

    internal void RecordEvent(nint ev)
    {
        Enter();
        _api.Check(_api.cuEventRecord(ev, _stream), "cuEventRecord");
    }

    internal float ElapsedMilliseconds(nint start, nint end)
    {
        Enter();
        _api.Check(_api.cuEventSynchronize(end), "cuEventSynchronize");
        float ms;
        _api.Check(_api.cuEventElapsedTime(&ms, start, end), "cuEventElapsedTime");
        return ms;
    }

    internal void DestroyEvent(nint ev)
    {
        if (_disposed) return; // the context's teardown already released it
        MakeCurrent();
        _api.cuEventDestroy(ev);
    }

    internal CuDriverApi Api => _api;

    public void Dispose()
    {
        if (_disposed) return;
        MakeCurrent();
        // Drain queued work first so nothing below is released while still in use.
        _api.cuStreamSynchronize(_stream);
        _blas?.Dispose();
        _blas = null;
        foreach (var module in _modules.Values) _api.cuModuleUnload(module.Handle);
        _modules.Clear();
        _functions.Clear();
        if (_staging != null) _api.cuMemFreeHost(_staging);
        _staging = null;
        _api.cuStreamDestroy(_stream);
        _disposed = true;
        _api.cuDevicePrimaryCtxRelease(_device);
        if (t_currentContext == _context) t_currentContext = 0;
    }
}
