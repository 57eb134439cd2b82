using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DyTox.Kernels.Emulator;
using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Tests.Emulator;

/// <summary>
/// One emulator build (embedded kernels + the test-only kernels of Emulator/Kernels/*.cu) shared by all
/// emulator tests; the library is cached on disk, so later runs only load it. Tests skip, visibly, only
/// when g++ is missing.
/// </summary>
internal static class EmulatorFixture
{
    private static readonly Lazy<(EmulatorDriver? Driver, string? Skip)> Shared = new(Create);

    public static EmulatorDriver Driver
    {
        get
        {
            var (driver, skip) = Shared.Value;
            if (driver is null) Assert.Ignore(skip!);
            driver!.Schedule = EmulatorSchedule.Forward;
            driver.Seed = 0;
            driver.FailOnWarnings = true;
            return driver;
        }
    }

    /// <summary>The test-only CUDA sources, file name → text.</summary>
    public static IReadOnlyDictionary<string, string> TestSources()
    {
        string dir = KernelDirectory();
        return Directory.GetFiles(dir, "*.cu").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
    }

    private static (EmulatorDriver?, string?) Create()
    {
        try
        {
            var driver = new EmulatorDriver(new EmulatorOptions { ExtraSources = TestSources(), WorkerThreads = 2 });
            TestContext.Progress.WriteLine($"Emulator library {driver.LibraryPath}: {(driver.LoadedFromCache ? "from cache" : "built")} in {driver.BuildTime.TotalSeconds:F1} s");
            return (driver, null);
        }
        catch (EmulatorUnavailableException e)
        {
            return (null, "CUDA emulator tests skipped: " + e.Message);
        }
    }

    // The .cu files sit next to this source file; the build embeds nothing of them, so find them on disk.
    private static string KernelDirectory([CallerFilePath] string thisFile = "")
    {
        string fromSource = Path.Combine(Path.GetDirectoryName(thisFile) ?? "", "Kernels");
        if (Directory.Exists(fromSource)) return fromSource;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "DyTox.Kernels.Tests", "Emulator", "Kernels");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException($"Test kernels not found next to {thisFile} nor above {AppContext.BaseDirectory}.");
    }
}

/// <summary>A typed emulator buffer for tests.</summary>
internal sealed unsafe class DeviceArray<T> : IDisposable where T : unmanaged
{
    private readonly EmulatorDriver _driver;
    public ulong Ptr { get; }
    public int Length { get; }
    private bool _freed;

    public DeviceArray(EmulatorDriver driver, int length)
    {
        _driver = driver;
        Length = length;
        Ptr = driver.Alloc((long)length * sizeof(T));
    }

    public DeviceArray(EmulatorDriver driver, T[] values) : this(driver, values.Length) => Upload(values);

    public void Upload(T[] values)
    {
        fixed (T* p = values) _driver.CopyHostToDevice(Ptr, p, (long)values.Length * sizeof(T));
    }

    public T[] Download()
    {
        var result = new T[Length];
        fixed (T* p = result) _driver.CopyDeviceToHost(p, Ptr, (long)Length * sizeof(T));
        return result;
    }

    public void Free()
    {
        if (_freed) return;
        _freed = true;
        _driver.Free(Ptr);
    }

    public void Dispose() => Free();
}

/// <summary>Packs launch arguments the way CUDA's kernelParams expects them: one pointer per value.</summary>
internal static unsafe class Launcher
{
    public static void Launch(this EmulatorDriver driver, string file, string kernel, Dim3 grid, Dim3 block, int sharedBytes, params object[] args)
    {
        var fn = driver.GetFunction(file, kernel);
        void** slots = stackalloc void*[Math.Max(1, args.Length)];
        var storage = (ulong*)NativeMemory.AllocZeroed((nuint)Math.Max(1, args.Length), 8);
        try
        {
            for (int i = 0; i < args.Length; ++i)
            {
                void* slot = storage + i;
                switch (args[i])
                {
                    case int v: *(int*)slot = v; break;
                    case uint v: *(uint*)slot = v; break;
                    case long v: *(long*)slot = v; break;
                    case ulong v: *(ulong*)slot = v; break;
                    case float v: *(float*)slot = v; break;
                    case double v: *(double*)slot = v; break;
                    case DeviceArray<float> a: *(ulong*)slot = a.Ptr; break;
                    case DeviceArray<int> a: *(ulong*)slot = a.Ptr; break;
                    case DeviceArray<uint> a: *(ulong*)slot = a.Ptr; break;
                    case DeviceArray<double> a: *(ulong*)slot = a.Ptr; break;
                    case DeviceArray<ulong> a: *(ulong*)slot = a.Ptr; break;
                    default: throw new ArgumentException($"Unsupported launch argument type {args[i].GetType()}.");
                }
                slots[i] = slot;
            }
            driver.Launch(fn, grid, block, sharedBytes, slots);
        }
        finally
        {
            NativeMemory.Free(storage);
        }
    }
}
