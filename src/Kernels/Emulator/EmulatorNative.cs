using System.Runtime.InteropServices;

namespace DyTox.Kernels.Emulator;

/// <summary>
/// The C ABI of a loaded emulator library (emu/emu_launch.cpp), bound through function pointers.
/// Functions that can fail return 0 on success and otherwise 1 with a message in the caller's buffer.
/// A library stays loaded for the life of the process (its worker threads cannot be stopped safely),
/// so bindings are cached per library path and shared by every driver that uses the same build.
/// </summary>
internal sealed unsafe class EmulatorNative
{
    public const int AbiVersion = 1;

    public readonly delegate* unmanaged<ulong, ulong*, byte*, int, int> Alloc;
    public readonly delegate* unmanaged<ulong, byte*, int, int> Free;
    public readonly delegate* unmanaged<ulong, ulong, byte*, int, int> CheckRange;
    public readonly delegate* unmanaged<ulong, void*, ulong, byte*, int, int> MemcpyHtoD;
    public readonly delegate* unmanaged<void*, ulong, ulong, byte*, int, int> MemcpyDtoH;
    public readonly delegate* unmanaged<ulong, ulong, ulong, byte*, int, int> MemcpyDtoD;
    public readonly delegate* unmanaged<ulong, int, ulong, byte*, int, int> MemsetD8;
    public readonly delegate* unmanaged<byte*, byte*, nint> GetFunction;
    public readonly delegate* unmanaged<byte*, int, int> ListFunctions;
    public readonly delegate* unmanaged<nint, int*, int, int> KernelParams;
    public readonly delegate* unmanaged<nint, int, byte*, int, int> SetMaxDynamicShared;
    public readonly delegate* unmanaged<int, ulong, byte*, int, int> Configure;
    public readonly delegate* unmanaged<nint, uint*, uint*, uint, void**, int, ulong, byte*, int, byte*, int, int> Launch;
    public readonly delegate* unmanaged<ulong> LiveBytes;
    public readonly delegate* unmanaged<int> LiveAllocations;
    public readonly delegate* unmanaged<int> StaticSharedPoisoning;

    private static readonly Dictionary<string, EmulatorNative> Loaded = new(StringComparer.Ordinal);

    public string Path { get; }

    private EmulatorNative(string path, nint handle)
    {
        Path = path;
        nint Export(string name) =>
            NativeLibrary.TryGetExport(handle, name, out nint f)
                ? f
                : throw new EmulatorException($"The emulator library {path} lacks the export '{name}'; rebuild it (delete the cache directory).");
        var version = (delegate* unmanaged<int>)Export("dytox_emu_abi_version");
        if (version() != AbiVersion)
            throw new EmulatorException($"The emulator library {path} has ABI version {version()}, expected {AbiVersion}.");
        Alloc = (delegate* unmanaged<ulong, ulong*, byte*, int, int>)Export("dytox_emu_alloc");
        Free = (delegate* unmanaged<ulong, byte*, int, int>)Export("dytox_emu_free");
        CheckRange = (delegate* unmanaged<ulong, ulong, byte*, int, int>)Export("dytox_emu_check_range");
        MemcpyHtoD = (delegate* unmanaged<ulong, void*, ulong, byte*, int, int>)Export("dytox_emu_memcpy_htod");
        MemcpyDtoH = (delegate* unmanaged<void*, ulong, ulong, byte*, int, int>)Export("dytox_emu_memcpy_dtoh");
        MemcpyDtoD = (delegate* unmanaged<ulong, ulong, ulong, byte*, int, int>)Export("dytox_emu_memcpy_dtod");
        MemsetD8 = (delegate* unmanaged<ulong, int, ulong, byte*, int, int>)Export("dytox_emu_memset_d8");
        GetFunction = (delegate* unmanaged<byte*, byte*, nint>)Export("dytox_emu_get_function");
        ListFunctions = (delegate* unmanaged<byte*, int, int>)Export("dytox_emu_list_functions");
        KernelParams = (delegate* unmanaged<nint, int*, int, int>)Export("dytox_emu_kernel_params");
        SetMaxDynamicShared = (delegate* unmanaged<nint, int, byte*, int, int>)Export("dytox_emu_set_max_dynamic_shared");
        Configure = (delegate* unmanaged<int, ulong, byte*, int, int>)Export("dytox_emu_configure");
        Launch = (delegate* unmanaged<nint, uint*, uint*, uint, void**, int, ulong, byte*, int, byte*, int, int>)Export("dytox_emu_launch");
        LiveBytes = (delegate* unmanaged<ulong>)Export("dytox_emu_live_bytes");
        LiveAllocations = (delegate* unmanaged<int>)Export("dytox_emu_live_allocations");
        StaticSharedPoisoning = (delegate* unmanaged<int>)Export("dytox_emu_static_shared_poisoning");
    }

    public static EmulatorNative Load(string path)
    {
        lock (Loaded)
        {
            if (Loaded.TryGetValue(path, out var existing)) return existing;
            nint handle;
            try { handle = NativeLibrary.Load(path); }
            catch (DllNotFoundException e) { throw new EmulatorException($"Could not load the emulator library {path}: {e.Message}", e); }
            var native = new EmulatorNative(path, handle);
            Loaded[path] = native;
            return native;
        }
    }

    /// <summary>"file:kernel" for every kernel the library registered.</summary>
    public IReadOnlyList<string> Functions()
    {
        int needed = ListFunctions(null, 0);
        byte[] buffer = new byte[needed];
        fixed (byte* b = buffer) ListFunctions(b, buffer.Length);
        return Text(buffer).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The NUL-terminated UTF-8 text at the start of <paramref name="buffer"/>.</summary>
    public static string Text(ReadOnlySpan<byte> buffer)
    {
        int end = buffer.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(end < 0 ? buffer : buffer[..end]);
    }
}
