namespace DyTox.Kernels.Interop;

/// <summary>One load attempt: the libraries to load in order (cuBLASLt before cuBLAS), by path or bare name.</summary>
public sealed record LoadCandidate(IReadOnlyList<string> Paths)
{
    /// <summary>The library the candidate is for: the last one loaded.</summary>
    public string Primary => Paths[^1];
    public override string ToString() => string.Join(" + ", Paths);
}

/// <summary>
/// The ordered load attempts for a library over a search path. Directory priority comes first, then
/// newest version within a directory; bare file names (the system loader's search) come last.
/// cuBLAS candidates pair libcublasLt and libcublas of the same major, cuBLASLt first, because
/// libcublas.so.N links against libcublasLt.so.N and a mismatched major fails at load or first call.
/// Pure over the file system, so it is unit-tested on fake directory layouts.
/// </summary>
public static class LibraryProbePlan
{
    public static IReadOnlyList<LoadCandidate> For(CudaLibrary library, IReadOnlyList<string> directories)
    {
        ArgumentNullException.ThrowIfNull(directories);
        return library == CudaLibrary.Cublas ? CublasPairs(directories) : Single(library, directories);
    }

    private static List<LoadCandidate> Single(CudaLibrary library, IReadOnlyList<string> directories)
    {
        var names = CudaLibraryNames.FileNames(library);
        var result = new List<LoadCandidate>();
        foreach (var dir in directories)
            foreach (var name in names)
            {
                var path = Path.Combine(dir, name);
                if (File.Exists(path)) result.Add(new LoadCandidate([path]));
            }
        foreach (var name in names) result.Add(new LoadCandidate([name]));
        return result;
    }

    private static List<LoadCandidate> CublasPairs(IReadOnlyList<string> directories)
    {
        var result = new List<LoadCandidate>();
        foreach (var dir in directories)
            foreach (var major in CudaLibraryNames.CublasMajors)
            {
                var blas = Path.Combine(dir, CudaLibraryNames.CublasFileName(CudaLibrary.Cublas, major));
                if (!File.Exists(blas)) continue;
                result.Add(new LoadCandidate([FindLt(major, dir, directories), blas]));
            }
        foreach (var major in CudaLibraryNames.CublasMajors)
            result.Add(new LoadCandidate([CudaLibraryNames.CublasFileName(CudaLibrary.CublasLt, major),
                                          CudaLibraryNames.CublasFileName(CudaLibrary.Cublas, major)]));
        return result;
    }

    // cuBLASLt of the given major: beside cuBLAS first (the usual layout), else anywhere on the search
    // path (CUDA 12 pip wheels keep both in nvidia/cublas/lib, but be tolerant), else the bare soname.
    private static string FindLt(int major, string besideDir, IReadOnlyList<string> directories)
    {
        var name = CudaLibraryNames.CublasFileName(CudaLibrary.CublasLt, major);
        var beside = Path.Combine(besideDir, name);
        if (File.Exists(beside)) return beside;
        foreach (var dir in directories)
        {
            var path = Path.Combine(dir, name);
            if (File.Exists(path)) return path;
        }
        return name;
    }
}
