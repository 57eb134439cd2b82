using System.ComponentModel;
using System.Diagnostics;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Emulator;

/// <summary>
/// Builds the emulator's shared library with g++ from the embedded kernels/*.cu, the embedded emu/
/// runtime and any extra sources, into a content-addressed cache directory
/// (&lt;cache&gt;/dytox/emu/&lt;sha256 of inputs, compiler version and flags&gt;/). The build happens in a
/// private temporary directory that is renamed into place, so concurrent processes never see a partial
/// library.
/// </summary>
internal static class EmulatorBuilder
{
    public const string LibraryFileName = "libdytox_emu.so";
    private const string FormatVersion = "dytox-emu-build-1";
    private const string EmuPrefix = "emu/";

    private static readonly string[] KernelFlags =
        ["-x", "c++", "-std=c++17", "-O2", "-fPIC", "-fvisibility=hidden", "-fno-strict-aliasing", "-fstack-clash-protection", "-pthread"];
    private static readonly string[] RuntimeFlags = ["-std=c++17", "-O2", "-fPIC", "-fno-strict-aliasing", "-pthread"];
    private static readonly string[] LinkFlags = ["-shared", "-pthread", "-Wl,--no-undefined"];

    public sealed record Result(string LibraryPath, bool FromCache, TimeSpan Elapsed, IReadOnlyList<(string File, string Kernel)> Kernels);

    public static Result Build(EmulatorOptions options)
    {
        var clock = Stopwatch.StartNew();
        var kernelFiles = CollectKernelFiles(options.ExtraSources);
        var emuFiles = CollectEmuFiles();
        string compilerVersion = CompilerVersion(options.Compiler);
        var kernels = kernelFiles.Where(f => f.Key.EndsWith(".cu", StringComparison.Ordinal))
            .SelectMany(f => EmulatorKernelScanner.FindKernels(f.Value).Select(k => (f.Key, k))).ToList();

        string key = Key(kernelFiles, emuFiles, compilerVersion);
        string root = options.CacheDirectory ?? DefaultCacheRoot();
        string finalDir = Path.Combine(root, key);
        string library = Path.Combine(finalDir, LibraryFileName);
        if (File.Exists(library)) return new Result(library, true, clock.Elapsed, kernels);

        Directory.CreateDirectory(root);
        string work = Path.Combine(root, $"{key}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            Compile(options.Compiler, compilerVersion, root, work, kernelFiles, emuFiles);
            try { Directory.Move(work, finalDir); }
            catch (IOException) when (File.Exists(library)) { /* another process finished first; use its library */ }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
        PruneCache(root, finalDir);
        return new Result(library, false, clock.Elapsed, kernels);
    }

    /// <summary>
    /// After a fresh build, drops libraries and objects unused for <see cref="CacheLifetime"/> and
    /// temporary directories left by killed builds, so the cache does not grow without bound. Libraries
    /// still loaded elsewhere stay mapped (Linux keeps deleted files alive while open).
    /// </summary>
    private static void PruneCache(string root, string keep)
    {
        var now = DateTime.UtcNow;
        try
        {
            foreach (var dir in new DirectoryInfo(root).EnumerateDirectories())
            {
                if (dir.FullName == keep || dir.Name == "obj") continue;
                bool staleTemp = dir.Name.Contains(".tmp-", StringComparison.Ordinal) && now - dir.LastWriteTimeUtc > TimeSpan.FromHours(1);
                bool stale = now - dir.LastAccessTimeUtc > CacheLifetime && now - dir.LastWriteTimeUtc > CacheLifetime;
                if (staleTemp || stale) dir.Delete(recursive: true);
            }
            foreach (var file in new DirectoryInfo(Path.Combine(root, "obj")).EnumerateFiles())
                if (now - file.LastWriteTimeUtc > CacheLifetime && now - file.LastAccessTimeUtc > CacheLifetime) file.Delete();
        }
        catch (IOException) { /* another process is pruning or building; pruning is best effort */ }
        catch (UnauthorizedAccessException) { }
    }

    private static readonly TimeSpan CacheLifetime = TimeSpan.FromDays(14);

    private static void Compile(string compiler, string compilerVersion, string root, string work,
                                SortedDictionary<string, string> kernelFiles, SortedDictionary<string, string> emuFiles)
    {
        string src = Path.Combine(work, "src"), objects = Path.Combine(root, "obj");
        Directory.CreateDirectory(src);
        Directory.CreateDirectory(objects);
        foreach (var (name, text) in kernelFiles.Concat(emuFiles)) File.WriteAllText(Path.Combine(src, name), text);

        // Every object depends on its own source, every header and the compiler; objects are cached by
        // that content hash, so adding or editing one kernel file recompiles only that file.
        string headers = string.Concat(kernelFiles.Where(f => f.Key.EndsWith(".cuh", StringComparison.Ordinal))
            .Concat(emuFiles.Where(f => f.Key.EndsWith(".h", StringComparison.Ordinal))).Select(f => f.Key + "\0" + f.Value + "\0"));
        var jobs = new List<(string Output, string[] Args, bool Kernel)>();
        var forced = new List<string> { "-include", "cuda_emu.h" };
        if (kernelFiles.ContainsKey("common.cuh")) forced.AddRange(["-include", "common.cuh"]);
        foreach (string cu in kernelFiles.Keys.Where(n => n.EndsWith(".cu", StringComparison.Ordinal)))
        {
            string unitName = $"register_{cu}.cpp";
            string unit = EmulatorKernelScanner.RegistrationUnit(cu, EmulatorKernelScanner.FindKernels(kernelFiles[cu]));
            File.WriteAllText(Path.Combine(src, unitName), unit);
            string[] args = [.. KernelFlags, .. forced, "-I", ".", "-c", unitName];
            string o = Path.Combine(objects, Hash(compilerVersion, string.Join(' ', args), headers, cu, kernelFiles[cu], unit) + ".o");
            // Relative names (compiled in src/) keep __FILE__, and so reported wait points, short: "softmax.cu:42".
            jobs.Add((o, args, true));
        }
        foreach (string cpp in emuFiles.Keys.Where(n => n.EndsWith(".cpp", StringComparison.Ordinal)))
        {
            string[] args = [.. RuntimeFlags, "-I", ".", "-c", cpp];
            jobs.Add((Path.Combine(objects, Hash(compilerVersion, string.Join(' ', args), headers, cpp, emuFiles[cpp]) + ".o"), args, false));
        }

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.ForEach(jobs.Where(j => !File.Exists(j.Output)), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
        {
            string temp = $"{job.Output}.tmp-{Guid.NewGuid():N}";
            try
            {
                var (code, output) = Run(compiler, [.. job.Args, "-o", temp], src);
                if (code != 0) { failures.Add($"{compiler} {string.Join(' ', job.Args)}\n{output}"); return; }
                if (job.Kernel)
                {
                    // Kernel files are separate programs under NVRTC; hiding their symbols lets two files
                    // define the same helper without a link clash.
                    (code, output) = Run("objcopy", ["--localize-hidden", temp], src);
                    if (code != 0) { failures.Add($"objcopy --localize-hidden ({job.Args[^1]})\n{output}"); return; }
                }
                File.Move(temp, job.Output, overwrite: true);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        });
        if (!failures.IsEmpty)
            throw new EmulatorException("Building the CUDA emulator failed:\n" + string.Join("\n", failures));

        string library = Path.Combine(work, LibraryFileName);
        var (linkCode, linkOutput) = Run(compiler, [.. LinkFlags, "-o", library, .. jobs.Select(j => j.Output)], work);
        if (linkCode != 0)
            throw new EmulatorException($"Linking the CUDA emulator failed:\n{linkOutput}");
    }

    private static string Hash(params string[] parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string part in parts)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(part);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static SortedDictionary<string, string> CollectKernelFiles(IReadOnlyDictionary<string, string> extra)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string f in KernelSources.SourceFiles.Concat(KernelSources.HeaderFiles)) files[f] = KernelSources.Get(f);
        foreach (var (name, text) in extra)
        {
            if (!name.EndsWith(".cu", StringComparison.Ordinal) && !name.EndsWith(".cuh", StringComparison.Ordinal))
                throw new ArgumentException($"Extra emulator source '{name}' must be a .cu or .cuh file name.", nameof(extra));
            if (name.Contains('/') || name.Contains('\\') || name.StartsWith('.'))
                throw new ArgumentException($"Extra emulator source '{name}' must be a plain file name without directories.", nameof(extra));
            if (!files.TryAdd(name, text))
                throw new ArgumentException($"Extra emulator source '{name}' clashes with an embedded kernel file of the same name.", nameof(extra));
        }
        return files;
    }

    private static SortedDictionary<string, string> CollectEmuFiles()
    {
        var owner = typeof(EmulatorBuilder).Assembly;
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string resource in owner.GetManifestResourceNames())
        {
            if (!resource.StartsWith(EmuPrefix, StringComparison.Ordinal)) continue;
            string name = resource[EmuPrefix.Length..];
            if (!name.EndsWith(".h", StringComparison.Ordinal) && !name.EndsWith(".cpp", StringComparison.Ordinal)) continue;
            using var stream = owner.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            files[name] = reader.ReadToEnd();
        }
        if (!files.ContainsKey("cuda_emu.h"))
            throw new EmulatorException($"{owner.GetName().Name} embeds no emu/cuda_emu.h; the emulator runtime sources are missing from the build.");
        return files;
    }

    private static string Key(SortedDictionary<string, string> kernelFiles, SortedDictionary<string, string> emuFiles, string compilerVersion)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(s);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }
        Add(FormatVersion);
        Add(compilerVersion);
        Add(string.Join(' ', KernelFlags) + "|" + string.Join(' ', RuntimeFlags) + "|" + string.Join(' ', LinkFlags));
        foreach (var (name, text) in kernelFiles) { Add("k:" + name); Add(text); }
        foreach (var (name, text) in emuFiles) { Add("e:" + name); Add(text); }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static string DefaultCacheRoot()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string baseDir = !string.IsNullOrEmpty(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(baseDir, "dytox", "emu");
    }

    private static string CompilerVersion(string compiler)
    {
        try
        {
            var (code, output) = Run(compiler, ["--version"], Environment.CurrentDirectory);
            if (code != 0) throw new EmulatorException($"'{compiler} --version' failed (exit {code}):\n{output}");
            return output.Split('\n')[0].Trim();
        }
        catch (Win32Exception e)
        {
            throw new EmulatorUnavailableException(
                $"The CUDA emulator needs a C++17 compiler, but '{compiler}' was not found on PATH (install g++, e.g. apt-get install g++).", e);
        }
    }

    /// <summary>Runs a tool and returns its exit code and combined output.</summary>
    internal static (int ExitCode, string Output) Run(string exe, IEnumerable<string> args, string workDir)
    {
        var psi = new ProcessStartInfo(exe)
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new EmulatorException($"Could not start '{exe}'.");
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}
