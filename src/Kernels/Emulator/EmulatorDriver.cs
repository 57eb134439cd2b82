using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Emulator;

/// <summary>
/// An <see cref="ICudaDriver"/> that runs the kernels of kernels/*.cu on the CPU (engine guide §9):
/// the same sources, built by g++ with the emu/ shim into a shared library that executes each block's
/// threads as fibers, checks memory accesses (guard pages, canaries, quarantined frees) and detects
/// deadlocks and divergent barriers. Device pointers are host addresses. Everything is synchronous:
/// errors surface from the call that caused them, as <see cref="EmulatorException"/>.
/// </summary>
public sealed unsafe class EmulatorDriver : ICudaDriver
{
    private const int ErrorCapacity = 16 * 1024;
    private const int DefaultSharedLimit = 48 * 1024;
    private const int OptinSharedLimit = 227 * 1024;

    [ThreadStatic] private static byte[]? _errorBuffer;
    [ThreadStatic] private static byte[]? _warningBuffer;

    private readonly EmulatorNative _native;
    private readonly HashSet<ulong> _allocations = [];
    private readonly Dictionary<(string File, string Name), KernelFunction> _functions = [];
    private readonly HashSet<string> _sourceFiles;
    private readonly HashSet<nint> _optedIn = [];
    private readonly EmulatorBlas _blas;
    private IReadOnlyList<string> _lastWarnings = [];
    private bool _disposed;

    /// <summary>Builds (or loads from the cache) the emulator library and binds it.</summary>
    /// <exception cref="EmulatorUnavailableException">g++ is not installed.</exception>
    /// <exception cref="EmulatorException">the build failed; the message holds the compiler's output.</exception>
    public EmulatorDriver(EmulatorOptions? options = null)
    {
        options ??= new EmulatorOptions();
        if (options.FiberStackBytes is < 16 * 1024 or > 8 * 1024 * 1024)
            throw new ArgumentOutOfRangeException(nameof(options), options.FiberStackBytes, "FiberStackBytes must be within [16 KiB, 8 MiB].");
        if (options.WorkerThreads < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.WorkerThreads, "WorkerThreads must be 0 (one per processor) or positive.");
        var build = EmulatorBuilder.Build(options);
        BuildTime = build.Elapsed;
        LoadedFromCache = build.FromCache;
        LibraryPath = build.LibraryPath;
        _native = EmulatorNative.Load(build.LibraryPath);
        Schedule = options.Schedule;
        Seed = options.Seed;
        FailOnWarnings = options.FailOnWarnings;
        _sourceFiles = [.. KernelSources.SourceFiles, .. options.ExtraSources.Keys];
        Check(_native.Configure(options.WorkerThreads, (ulong)options.FiberStackBytes, Error, ErrorCapacity));
        _blas = new EmulatorBlas(this);
        Device = new DeviceInfo(
            Name: "DyTox CPU emulator (H200-like)",
            Major: 9, Minor: 0,
            TotalMemoryBytes: 150_000_000_000L,
            MultiprocessorCount: 132,
            MaxThreadsPerBlock: 1024,
            MaxSharedMemoryPerBlock: DefaultSharedLimit,
            MaxSharedMemoryPerBlockOptin: OptinSharedLimit,
            DriverVersion: $"dytox-emu {EmulatorNative.AbiVersion}");
    }

    /// <summary>Builds the emulator with extra CUDA sources (file name → text), e.g. test kernels.</summary>
    public EmulatorDriver(IReadOnlyDictionary<string, string> extraSources)
        : this(new EmulatorOptions { ExtraSources = extraSources }) { }

    public string Kind => "emulator";
    public DeviceInfo Device { get; }
    public IDeviceBlas Blas => _blas;

    /// <summary>Fiber and block order of the next launches.</summary>
    public EmulatorSchedule Schedule { get; set; }

    /// <summary>Seed of <see cref="EmulatorSchedule.Random"/>.</summary>
    public ulong Seed { get; set; }

    /// <summary>Whether launch warnings (see <see cref="EmulatorOptions.FailOnWarnings"/>) throw.</summary>
    public bool FailOnWarnings { get; set; }

    /// <summary>Warnings of the most recent launch (empty when there were none).</summary>
    public IReadOnlyList<string> LastLaunchWarnings => _lastWarnings;

    /// <summary>The shared library in use.</summary>
    public string LibraryPath { get; }

    /// <summary>Time spent building (or finding in the cache) the library.</summary>
    public TimeSpan BuildTime { get; }

    /// <summary>True when the library came from the cache rather than a fresh build.</summary>
    public bool LoadedFromCache { get; }

    /// <summary>"file:kernel" for every kernel the library can launch.</summary>
    public IReadOnlyList<string> Kernels => _native.Functions();

    /// <summary>Allocations of this driver that are not yet freed.</summary>
    public int LiveAllocations { get { lock (_allocations) return _allocations.Count; } }

    /// <summary>True when static __shared__ arrays are refilled with the NaN pattern before every block.</summary>
    public bool PoisonsStaticSharedMemory => _native.StaticSharedPoisoning() != 0;

    public ulong Alloc(long bytes)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        ulong p;
        Check(_native.Alloc((ulong)bytes, &p, Error, ErrorCapacity));
        lock (_allocations) _allocations.Add(p);
        return p;
    }

    public void Free(ulong devicePtr)
    {
        ThrowIfDisposed();
        Check(_native.Free(devicePtr, Error, ErrorCapacity));
        lock (_allocations) _allocations.Remove(devicePtr);
    }

    public void CopyHostToDevice(ulong dst, void* src, long bytes)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes > 0 && src == null) throw new ArgumentNullException(nameof(src));
        Check(_native.MemcpyHtoD(dst, src, (ulong)bytes, Error, ErrorCapacity));
    }

    public void CopyDeviceToHost(void* dst, ulong src, long bytes)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (bytes > 0 && dst == null) throw new ArgumentNullException(nameof(dst));
        Check(_native.MemcpyDtoH(dst, src, (ulong)bytes, Error, ErrorCapacity));
    }

    public void CopyDeviceToDevice(ulong dst, ulong src, long bytes)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Check(_native.MemcpyDtoD(dst, src, (ulong)bytes, Error, ErrorCapacity));
    }

    /// <summary>Emulated devices live in this process's memory, one allocation table for all of them: a plain copy.</summary>
    public void CopyFromPeer(ulong dst, ICudaDriver source, ulong src, long bytes)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (source is not EmulatorDriver)
            throw new ArgumentException($"a peer copy needs another emulator driver as its source, not {source?.GetType().Name ?? "null"}.", nameof(source));
        source.Synchronize();
        Check(_native.MemcpyDtoD(dst, src, (ulong)bytes, Error, ErrorCapacity));
    }

    public void MemsetD8(ulong dst, byte value, long bytes)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Check(_native.MemsetD8(dst, value, (ulong)bytes, Error, ErrorCapacity));
    }

    public KernelFunction GetFunction(string sourceFile, string name)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrEmpty(sourceFile);
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_functions)
        {
            if (_functions.TryGetValue((sourceFile, name), out var known)) return known;
            if (!_sourceFiles.Contains(sourceFile))
                throw new ArgumentException($"No kernel source '{sourceFile}' is built into the emulator; known: {string.Join(", ", _sourceFiles.Order(StringComparer.Ordinal))}.", nameof(sourceFile));
            if (name.Contains('<'))
                throw new NotSupportedException($"'{name}' is a template name expression; the emulator registers extern \"C\" __global__ kernels only (the project's kernel-writing rule).");
            nint handle;
            fixed (byte* f = Utf8(sourceFile))
            fixed (byte* n = Utf8(name))
                handle = _native.GetFunction(f, n);
            if (handle == 0)
            {
                var inFile = _native.Functions().Where(k => k.StartsWith(sourceFile + ":", StringComparison.Ordinal)).Select(k => k[(sourceFile.Length + 1)..]);
                throw new ArgumentException($"Kernel '{name}' is not an extern \"C\" __global__ function of {sourceFile}; it defines: {string.Join(", ", inFile)}.", nameof(name));
            }
            var fn = new KernelFunction(handle, name);
            _functions[(sourceFile, name)] = fn;
            return fn;
        }
    }

    /// <summary>
    /// The parameters of <paramref name="fn"/> as declared in its source (sizes in bytes, and whether each
    /// is a device pointer), so launch code can be checked against the kernel signature.
    /// </summary>
    public IReadOnlyList<KernelParameter> GetParameters(KernelFunction fn)
    {
        ThrowIfDisposed();
        if (fn.Handle == 0) throw new ArgumentException("The kernel function handle is null (default KernelFunction).", nameof(fn));
        int count = _native.KernelParams(fn.Handle, null, 0);
        if (count < 0) throw new ArgumentException($"'{fn.Name}' is not a kernel of this emulator.", nameof(fn));
        int[] sizes = new int[count];
        fixed (int* p = sizes) _native.KernelParams(fn.Handle, p, count);
        return [.. sizes.Select(s => new KernelParameter(Math.Abs(s), s < 0))];
    }

    public void Launch(KernelFunction fn, Dim3 grid, Dim3 block, int dynamicSharedBytes, void** args)
    {
        ThrowIfDisposed();
        if (fn.Handle == 0) throw new ArgumentException("The kernel function handle is null (default KernelFunction).", nameof(fn));
        if (grid.X <= 0 || grid.Y <= 0 || grid.Z <= 0) throw new ArgumentOutOfRangeException(nameof(grid), grid, "Grid dimensions must be positive.");
        if (block.X <= 0 || block.Y <= 0 || block.Z <= 0) throw new ArgumentOutOfRangeException(nameof(block), block, "Block dimensions must be positive.");
        ArgumentOutOfRangeException.ThrowIfNegative(dynamicSharedBytes);
        // The driver seam has no opt-in call, so (like the CUDA driver behind it) a launch that needs more
        // than 48 KB opts the kernel in; the emulator still rejects anything beyond the 227 KB device limit.
        if (dynamicSharedBytes > DefaultSharedLimit && dynamicSharedBytes <= OptinSharedLimit)
        {
            lock (_optedIn)
                if (_optedIn.Add(fn.Handle)) Check(_native.SetMaxDynamicShared(fn.Handle, OptinSharedLimit, Error, ErrorCapacity));
        }
        uint* g = stackalloc uint[3] { (uint)grid.X, (uint)grid.Y, (uint)grid.Z };
        uint* b = stackalloc uint[3] { (uint)block.X, (uint)block.Y, (uint)block.Z };
        byte[] warnings = _warningBuffer ??= new byte[ErrorCapacity];
        int rc;
        fixed (byte* w = warnings)
            rc = _native.Launch(fn.Handle, g, b, (uint)dynamicSharedBytes, args, (int)Schedule, Seed, Error, ErrorCapacity, w, ErrorCapacity);
        _lastWarnings = warnings[0] == 0 ? [] : EmulatorNative.Text(warnings).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Check(rc);
        if (FailOnWarnings && _lastWarnings.Count > 0)
            throw new EmulatorException($"Kernel '{fn.Name}' raised emulator warnings (FailOnWarnings is on): {string.Join(" | ", _lastWarnings)}");
    }

    /// <summary>Launches are synchronous; there is nothing to wait for.</summary>
    public void Synchronize() => ThrowIfDisposed();

    /// <summary>Throws unless [ptr, ptr+bytes) lies inside one live allocation.</summary>
    public void CheckRange(ulong ptr, long bytes, string what)
    {
        ThrowIfDisposed();
        if (bytes <= 0) return;
        if (_native.CheckRange(ptr, (ulong)bytes, Error, ErrorCapacity) != 0)
            throw new ArgumentException($"{what}: {EmulatorNative.Text(_errorBuffer)}");
    }

    /// <summary>Frees the allocations this driver still holds. The library itself stays loaded.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        ulong[] live;
        lock (_allocations) { live = [.. _allocations]; _allocations.Clear(); }
        foreach (ulong p in live) _native.Free(p, Error, ErrorCapacity);
    }

    private static byte* Error
    {
        get
        {
            // Thread-static and never moved by callers during a call: a pinned-on-first-use array.
            _errorBuffer ??= GC.AllocateArray<byte>(ErrorCapacity, pinned: true);
            return (byte*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _errorBuffer[0]);
        }
    }

    private static void Check(int rc)
    {
        if (rc != 0) throw new EmulatorException(EmulatorNative.Text(_errorBuffer));
    }

    private static byte[] Utf8(string s) => System.Text.Encoding.UTF8.GetBytes(s + "\0");

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}

/// <summary>One kernel parameter as declared: its size in bytes and whether it is a device pointer.</summary>
public readonly record struct KernelParameter(int SizeBytes, bool IsPointer);
