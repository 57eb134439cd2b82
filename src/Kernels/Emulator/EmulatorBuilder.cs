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
            Compile(options.Compiler, work, kernelFiles, emuFiles);
            try { Directory.Move(work, finalDir); }
            catch (IOException) when (File.Exists(library)) { /* another process finished first; use its library */ }
        }
        finally
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
        }
        return new Result(library, false, clock.Elapsed, kernels);
    }

    private static void Compile(string compiler, string work, SortedDictionary<string, string> kernelFiles, SortedDictionary<string, string> emuFiles)
    {
        string src = Path.Combine(work, "src"), obj = Path.Combine(work, "obj");
        Directory.CreateDirectory(src);
        Directory.CreateDirectory(obj);
        foreach (var (name, text) in kernelFiles.Concat(emuFiles)) File.WriteAllText(Path.Combine(src, name), text);

        var jobs = new List<(string Output, string[] Args, bool Kernel)>();
        var forced = new List<string> { "-include", "cuda_emu.h" };
        if (kernelFiles.ContainsKey("common.cuh")) forced.AddRange(["-include", "common.cuh"]);
        foreach (string cu in kernelFiles.Keys.Where(n => n.EndsWith(".cu", StringComparison.Ordinal)))
        {
            string unit = Path.Combine(src, $"register_{cu}.cpp");
            File.WriteAllText(unit, EmulatorKernelScanner.RegistrationUnit(cu, EmulatorKernelScanner.FindKernels(kernelFiles[cu])));
            string o = Path.Combine(obj, cu + ".o");
            // Relative names (compiled in src/) keep __FILE__, and so reported wait points, short: "softmax.cu:42".
            jobs.Add((o, [.. KernelFlags, .. forced, "-I", ".", "-c", Path.GetFileName(unit), "-o", o], true));
        }
        foreach (string cpp in emuFiles.Keys.Where(n => n.EndsWith(".cpp", StringComparison.Ordinal)))
        {
            string o = Path.Combine(obj, cpp + ".o");
            jobs.Add((o, [.. RuntimeFlags, "-I", ".", "-c", cpp, "-o", o], false));
        }

        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.ForEach(jobs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, job =>
        {
            var (code, output) = Run(compiler, job.Args, src);
            if (code != 0) { failures.Add($"{compiler} {string.Join(' ', job.Args)}\n{output}"); return; }
            if (job.Kernel)
            {
                // Kernel files are separate programs under NVRTC; hiding their symbols lets two files
                // define the same helper without a link clash.
                (code, output) = Run("objcopy", ["--localize-hidden", job.Output], work);
                if (code != 0) failures.Add($"objcopy --localize-hidden {job.Output}\n{output}");
            }
        });
        if (!failures.IsEmpty)
            throw new EmulatorException("Building the CUDA emulator failed:\n" + string.Join("\n", failures));

        string library = Path.Combine(work, LibraryFileName);
        var (linkCode, linkOutput) = Run(compiler, [.. LinkFlags, "-o", library, .. jobs.Select(j => j.Output)], work);
        if (linkCode != 0)
            throw new EmulatorException($"Linking the CUDA emulator failed:\n{linkOutput}");
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
