namespace DyTox.Kernels.Interop;

/// <summary>
/// The directories searched for NVIDIA libraries, in priority order (engine guide §6.1):
/// 1. $DYTOX_CUDA_LIB_DIR (an explicit override; may list several directories separated by ':'),
/// 2. $CUDA_PATH and $CUDA_HOME: lib64 and targets/x86_64-linux/lib,
/// 3. the default toolkit prefix /usr/local/cuda and the container driver prefix /usr/local/nvidia
///    (NVIDIA's container runtime mounts libcuda.so.1 there; same sub-directories),
/// 4. pip wheel directories site-packages/nvidia/*/lib (CUDA 12 wheels: nvidia/cublas/lib, …; CUDA 13
///    wheels: nvidia/cu13/lib) under $VIRTUAL_ENV, $CONDA_PREFIX, ~/.local and the system Python prefixes.
/// After these the loader's own search (ld.so cache, LD_LIBRARY_PATH) is tried with the bare file names.
/// Only directories that exist are returned. Environment and roots are injectable for tests.
/// </summary>
public sealed class LibrarySearchPath
{
    public const string OverrideVariable = "DYTOX_CUDA_LIB_DIR";

    private static readonly string[] DefaultToolkitRoots = ["/usr/local/cuda", "/usr/local/nvidia"];
    private static readonly string[] DefaultPythonPrefixes = ["/usr/local/lib", "/usr/lib", "/opt/conda/lib"];

    private readonly Func<string, string?> _getEnv;
    private readonly IReadOnlyList<string> _toolkitRoots;
    private readonly IReadOnlyList<string> _pythonPrefixes;

    public LibrarySearchPath(Func<string, string?> getEnvironmentVariable,
                             IReadOnlyList<string> defaultToolkitRoots,
                             IReadOnlyList<string> defaultPythonPrefixes)
    {
        _getEnv = getEnvironmentVariable ?? throw new ArgumentNullException(nameof(getEnvironmentVariable));
        _toolkitRoots = defaultToolkitRoots ?? throw new ArgumentNullException(nameof(defaultToolkitRoots));
        _pythonPrefixes = defaultPythonPrefixes ?? throw new ArgumentNullException(nameof(defaultPythonPrefixes));
    }

    /// <summary>The search path of this process (real environment, real default roots).</summary>
    public static LibrarySearchPath ForCurrentProcess() =>
        new(Environment.GetEnvironmentVariable, DefaultToolkitRoots, DefaultPythonPrefixes);

    /// <summary>Existing directories to search, highest priority first, without duplicates.</summary>
    public IReadOnlyList<string> Directories()
    {
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string? dir)
        {
            if (string.IsNullOrWhiteSpace(dir)) return;
            var full = Path.GetFullPath(dir);
            if (Directory.Exists(full) && seen.Add(full)) result.Add(full);
        }

        var overrideDirs = _getEnv(OverrideVariable);
        if (!string.IsNullOrWhiteSpace(overrideDirs))
            foreach (var d in overrideDirs.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                Add(d);

        var roots = new List<string>();
        foreach (var variable in (string[])["CUDA_PATH", "CUDA_HOME"])
            if (_getEnv(variable) is { Length: > 0 } root) roots.Add(root);
        roots.AddRange(_toolkitRoots);
        foreach (var root in roots)
        {
            Add(Path.Combine(root, "lib64"));
            Add(Path.Combine(root, "targets", "x86_64-linux", "lib"));
            Add(Path.Combine(root, "lib"));
        }

        foreach (var sitePackages in PythonSitePackages())
        {
            var nvidia = Path.Combine(sitePackages, "nvidia");
            if (!Directory.Exists(nvidia)) continue;
            foreach (var package in SortedSubdirectories(nvidia))
                Add(Path.Combine(package, "lib"));
        }
        return result;
    }

    private IEnumerable<string> PythonSitePackages()
    {
        var prefixes = new List<string>();
        if (_getEnv("VIRTUAL_ENV") is { Length: > 0 } venv) prefixes.Add(Path.Combine(venv, "lib"));
        if (_getEnv("CONDA_PREFIX") is { Length: > 0 } conda) prefixes.Add(Path.Combine(conda, "lib"));
        if (_getEnv("HOME") is { Length: > 0 } home) prefixes.Add(Path.Combine(home, ".local", "lib"));
        prefixes.AddRange(_pythonPrefixes);
        foreach (var prefix in prefixes)
        {
            if (!Directory.Exists(prefix)) continue;
            // Newest Python first (python3.12 before python3.11), then the Debian "python3" directory.
            var pythons = SortedSubdirectories(prefix)
                .Where(d => Path.GetFileName(d).StartsWith("python3", StringComparison.Ordinal))
                .Reverse();
            foreach (var python in pythons)
                foreach (var leaf in (string[])["site-packages", "dist-packages"])
                {
                    var dir = Path.Combine(python, leaf);
                    if (Directory.Exists(dir)) yield return dir;
                }
        }
    }

    private static IEnumerable<string> SortedSubdirectories(string dir)
    {
        string[] subdirs;
        try { subdirs = Directory.GetDirectories(dir); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
        // Numeric-aware order so python3.10 sorts after python3.9.
        Array.Sort(subdirs, CompareNatural);
        return subdirs;
    }

    private static int CompareNatural(string a, string b)
    {
        int i = 0, j = 0;
        while (i < a.Length && j < b.Length)
        {
            if (char.IsAsciiDigit(a[i]) && char.IsAsciiDigit(b[j]))
            {
                int si = i, sj = j;
                while (i < a.Length && char.IsAsciiDigit(a[i])) i++;
                while (j < b.Length && char.IsAsciiDigit(b[j])) j++;
                var cmp = long.Parse(a.AsSpan(si, Math.Min(i - si, 18))).CompareTo(long.Parse(b.AsSpan(sj, Math.Min(j - sj, 18))));
                if (cmp != 0) return cmp;
            }
            else
            {
                var cmp = a[i].CompareTo(b[j]);
                if (cmp != 0) return cmp;
                i++; j++;
            }
        }
        return (a.Length - i).CompareTo(b.Length - j);
    }
}
