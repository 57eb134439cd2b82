using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DyTox.Kernels.Interop;

/// <summary>The outcome of loading one NVIDIA library: a handle and where it came from, or why not.</summary>
public sealed record LibraryLoadResult(CudaLibrary Library, nint Handle, string? LoadedFrom, string? Reason)
{
    public bool IsLoaded => Handle != 0;
}

/// <summary>
/// Loads the NVIDIA libraries once per process (probing <see cref="LibraryProbePlan"/> over
/// <see cref="LibrarySearchPath"/>) and is this assembly's single DllImport resolver, registered from a
/// module initializer (a second registration for the same assembly throws, engine guide §6.1).
/// Never throws for a missing library: callers get a reason string.
/// </summary>
public static class NativeLibraryLoader
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<CudaLibrary, LibraryLoadResult> Loaded = [];

#pragma warning disable CA2255 // The resolver must be in place before the first [LibraryImport] call of this assembly.
    [ModuleInitializer]
    internal static void RegisterResolver() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
#pragma warning restore CA2255

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        var library = CudaLibraryNames.FromLogicalName(name);
        if (library is null) return 0; // not ours: the runtime's default probing applies
        var result = Load(library.Value);
        // Returning 0 lets the runtime raise DllNotFoundException; callers check availability first.
        return result.Handle;
    }

    /// <summary>Loads (once) and returns the library, or a result carrying the reason it is unavailable.</summary>
    public static LibraryLoadResult Load(CudaLibrary library)
    {
        lock (Gate)
        {
            if (Loaded.TryGetValue(library, out var cached)) return cached;
            var result = LoadUncached(library);
            Loaded[library] = result;
            return result;
        }
    }

    private static LibraryLoadResult LoadUncached(CudaLibrary library)
    {
        if (library == CudaLibrary.CublasLt)
        {
            // cuBLASLt is always loaded as cuBLAS's same-major partner.
            var blas = Load(CudaLibrary.Cublas);
            return Loaded.TryGetValue(CudaLibrary.CublasLt, out var lt)
                ? lt
                : new LibraryLoadResult(library, 0, null, blas.Reason ?? "cuBLASLt was not loaded");
        }

        var directories = LibrarySearchPath.ForCurrentProcess().Directories();
        var plan = LibraryProbePlan.For(library, directories);
        var failures = new List<string>();
        foreach (var candidate in plan)
        {
            if (TryLoadAll(candidate, out var handles, out var failure))
            {
                if (library == CudaLibrary.Cublas)
                    Loaded[CudaLibrary.CublasLt] = new LibraryLoadResult(CudaLibrary.CublasLt, handles[0], candidate.Paths[0], null);
                return new LibraryLoadResult(library, handles[^1], candidate.Primary, null);
            }
            if (failure is not null) failures.Add(failure);
        }

        var names = string.Join(", ", CudaLibraryNames.FileNames(library));
        var where = directories.Count == 0 ? "the system loader's path" : "the system loader's path and " + string.Join(", ", directories);
        var detail = failures.Count == 0 ? "" : $" (load errors: {string.Join("; ", failures.Take(3))})";
        return new LibraryLoadResult(library, 0, null,
            $"{names} not found in {where}; set {LibrarySearchPath.OverrideVariable} to the directory that holds it{detail}");
    }

    private static bool TryLoadAll(LoadCandidate candidate, out nint[] handles, out string? failure)
    {
        handles = new nint[candidate.Paths.Count];
        failure = null;
        for (var i = 0; i < candidate.Paths.Count; i++)
        {
            var path = candidate.Paths[i];
            try
            {
                handles[i] = NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                // A bare name that is simply absent is the normal miss; a present file that fails to load is worth reporting.
                if (Path.IsPathRooted(path)) failure = $"{path}: {e.Message}";
                for (var j = 0; j < i; j++) NativeLibrary.Free(handles[j]);
                return false;
            }
            catch (BadImageFormatException e)
            {
                failure = $"{path}: {e.Message}";
                for (var j = 0; j < i; j++) NativeLibrary.Free(handles[j]);
                return false;
            }
        }
        return true;
    }

    /// <summary>The address of an export, or 0 when the library or the export is missing.</summary>
    public static nint TryGetExport(CudaLibrary library, string symbol)
    {
        var lib = Load(library);
        return lib.IsLoaded && NativeLibrary.TryGetExport(lib.Handle, symbol, out var address) ? address : 0;
    }
}
