using System.Runtime.InteropServices;
using System.Text;
using DyTox.Kernels.Interop;
using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Cuda;

/// <summary>
/// Compiles CUDA C with NVRTC into a cubin for the device's exact architecture (PTX for compute_XX
/// when this NVRTC does not list the arch), with -lineinfo and the ptxas -v report, through a disk
/// cache (engine guide §5). Needs only libnvrtc, no driver or GPU: CI compiles every kernel with it.
/// </summary>
public sealed unsafe class NvrtcCompiler
{
    private static readonly Lock VersionGate = new();

    public int Major { get; }
    public int Minor { get; }
    public string Version => $"{Major}.{Minor}";
    public string LoadedFrom { get; }

    /// <summary>Architectures this NVRTC can build cubins for, ascending (e.g. 35 … 90).</summary>
    public IReadOnlyList<int> SupportedArchs { get; }

    /// <summary>The disk cache in use, or null when caching is off.</summary>
    public KernelDiskCache? Cache { get; }

    private NvrtcCompiler(int major, int minor, string loadedFrom, IReadOnlyList<int> archs, KernelDiskCache? cache)
    {
        Major = major; Minor = minor; LoadedFrom = loadedFrom; SupportedArchs = archs; Cache = cache;
    }

    /// <summary>
    /// Loads NVRTC. Returns null with a one-clause reason when libnvrtc is missing or unusable; never throws.
    /// <paramref name="cache"/> defaults to <see cref="KernelDiskCache.ForCurrentUser"/>.
    /// </summary>
    public static NvrtcCompiler? TryCreate(out string reason, KernelDiskCache? cache = null, bool useDefaultCache = true)
    {
        var lib = NativeLibraryLoader.Load(CudaLibrary.Nvrtc);
        if (!lib.IsLoaded)
        {
            reason = lib.Reason ?? "libnvrtc was not found";
            return null;
        }
        try
        {
            int major, minor, count;
            lock (VersionGate)
            {
                NvrtcException.Check(Nvrtc.Version(&major, &minor), "nvrtcVersion");
                NvrtcException.Check(Nvrtc.GetNumSupportedArchs(&count), "nvrtcGetNumSupportedArchs");
            }
            var archs = new int[count];
            fixed (int* p = archs) NvrtcException.Check(Nvrtc.GetSupportedArchs(p), "nvrtcGetSupportedArchs");
            Array.Sort(archs);
            reason = "";
            return new NvrtcCompiler(major, minor, lib.LoadedFrom!, archs, cache ?? (useDefaultCache ? KernelDiskCache.ForCurrentUser() : null));
        }
        catch (Exception e) when (e is EntryPointNotFoundException or NvrtcException)
        {
            reason = $"{lib.LoadedFrom} is not a usable NVRTC ({e.Message})";
            return null;
        }
    }

    /// <summary>
    /// "sm_XY" when this NVRTC builds cubins for arch XY; otherwise "compute_ZW" for the newest
    /// supported arch below it (the driver JITs that PTX for the device).
    /// </summary>
    public string TargetFor(int arch) => TargetFor(arch, SupportedArchs);

    public static string TargetFor(int arch, IReadOnlyList<int> supported)
    {
        if (arch <= 0) throw new ArgumentOutOfRangeException(nameof(arch), arch, "Expected a compute capability as major*10+minor, e.g. 90.");
        if (supported.Contains(arch)) return $"sm_{arch}";
        var below = supported.Where(a => a < arch).DefaultIfEmpty(0).Max();
        if (below == 0)
            throw new NotSupportedException($"This NVRTC supports archs {string.Join(",", supported)}; none is at or below sm_{arch}.");
        return $"compute_{below}";
    }

    /// <summary>The option list for a request: target, C++17, line info, ptxas -v for cubins, fast math if asked.</summary>
    public IReadOnlyList<string> OptionsFor(KernelCompileRequest request)
    {
        var target = TargetFor(request.Arch);
        var options = new List<string> { $"--gpu-architecture={target}", "--std=c++17", "-lineinfo" };
        if (target.StartsWith("sm_", StringComparison.Ordinal)) options.Add("--ptxas-options=-v");
        if (request.FastMath) options.Add("--use_fast_math");
        if (request.ExtraOptions is not null) options.AddRange(request.ExtraOptions);
        return options;
    }

    /// <summary>Compiles one of the embedded kernels/*.cu with every embedded header.</summary>
    public CompiledKernelModule CompileEmbedded(string sourceFile, int arch, bool fastMath = false, IReadOnlyList<string>? nameExpressions = null)
    {
        var headers = KernelSources.HeaderFiles.ToDictionary(h => h, KernelSources.Get, StringComparer.Ordinal);
        return Compile(new KernelCompileRequest(sourceFile, KernelSources.Get(sourceFile), headers, arch, fastMath, null, nameExpressions));
    }

    /// <summary>Compiles (or loads from the disk cache) a program. Compile errors throw <see cref="NvrtcCompileException"/>.</summary>
    public CompiledKernelModule Compile(KernelCompileRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.SourceName);
        ArgumentNullException.ThrowIfNull(request.Source);
        ArgumentNullException.ThrowIfNull(request.Headers);

        var target = TargetFor(request.Arch);
        var options = OptionsFor(request);
        var names = request.NameExpressions ?? [];
        var key = KernelDiskCache.Key(request.SourceName, request.Source, request.Headers, options, names, Version, target);

        if (Cache?.TryRead(key) is { } payload && TryDecode(payload, request.SourceName, options) is { } hit)
            return hit;

        var module = CompileUncached(request, target, options, names);
        Cache?.TryWrite(key, Encode(module));
        return module;
    }

    private CompiledKernelModule CompileUncached(KernelCompileRequest request, string target, IReadOnlyList<string> options, IReadOnlyList<string> names)
    {
        var headerNames = request.Headers.Keys.Order(StringComparer.Ordinal).ToArray();
        using var strings = new Utf8StringArena();
        var headerTexts = stackalloc byte*[Math.Max(1, headerNames.Length)];
        var includeNames = stackalloc byte*[Math.Max(1, headerNames.Length)];
        for (var i = 0; i < headerNames.Length; i++)
        {
            headerTexts[i] = strings.Add(request.Headers[headerNames[i]]);
            includeNames[i] = strings.Add(headerNames[i]);
        }
        var optionPtrs = stackalloc byte*[Math.Max(1, options.Count)];
        for (var i = 0; i < options.Count; i++) optionPtrs[i] = strings.Add(options[i]);

        nint program = 0;
        NvrtcException.Check(
            Nvrtc.CreateProgram(&program, strings.Add(request.Source), strings.Add(request.SourceName),
                                headerNames.Length, headerTexts, includeNames),
            "nvrtcCreateProgram");
        try
        {
            foreach (var expr in names)
                NvrtcException.Check(Nvrtc.AddNameExpression(program, strings.Add(expr)), $"nvrtcAddNameExpression({expr})");

            var rc = Nvrtc.CompileProgram(program, options.Count, optionPtrs);
            var log = ReadLog(program); // always read: warnings and the ptxas report arrive here
            if (rc != Nvrtc.Success) throw new NvrtcCompileException(request.SourceName, rc, log, options);

            var lowered = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var expr in names)
            {
                byte* name = null;
                NvrtcException.Check(Nvrtc.GetLoweredName(program, strings.Add(expr), &name), $"nvrtcGetLoweredName({expr})");
                lowered[expr] = Marshal.PtrToStringUTF8((nint)name)!;
            }

            var isCubin = target.StartsWith("sm_", StringComparison.Ordinal);
            nuint size;
            byte[] image;
            if (isCubin)
            {
                NvrtcException.Check(Nvrtc.GetCubinSize(program, &size), "nvrtcGetCUBINSize");
                image = new byte[(int)size];
                fixed (byte* p = image) NvrtcException.Check(Nvrtc.GetCubin(program, p), "nvrtcGetCUBIN");
            }
            else
            {
                NvrtcException.Check(Nvrtc.GetPtxSize(program, &size), "nvrtcGetPTXSize");
                image = new byte[(int)size]; // includes the terminating NUL cuModuleLoadData expects
                fixed (byte* p = image) NvrtcException.Check(Nvrtc.GetPtx(program, p), "nvrtcGetPTX");
            }
            return new CompiledKernelModule(request.SourceName, target, isCubin, image, log, options, lowered, FromCache: false);
        }
        finally
        {
            Nvrtc.DestroyProgram(&program);
        }
    }

    private static string ReadLog(nint program)
    {
        nuint size;
        NvrtcException.Check(Nvrtc.GetProgramLogSize(program, &size), "nvrtcGetProgramLogSize");
        if (size <= 1) return "";
        var bytes = new byte[(int)size];
        fixed (byte* p = bytes) NvrtcException.Check(Nvrtc.GetProgramLog(program, p), "nvrtcGetProgramLog");
        return Encoding.UTF8.GetString(bytes, 0, bytes.Length - 1);
    }

    private static byte[] Encode(CompiledKernelModule module)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(module.IsCubin);
            writer.Write(module.Target);
            writer.Write(module.Log);
            writer.Write(module.LoweredNames.Count);
            foreach (var (expr, lowered) in module.LoweredNames.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                writer.Write(expr);
                writer.Write(lowered);
            }
            writer.Write(module.Image.Length);
            writer.Write(module.Image);
        }
        return stream.ToArray();
    }

    private static CompiledKernelModule? TryDecode(byte[] payload, string sourceName, IReadOnlyList<string> options)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(payload), Encoding.UTF8);
            var isCubin = reader.ReadBoolean();
            var target = reader.ReadString();
            var log = reader.ReadString();
            var count = reader.ReadInt32();
            var lowered = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++) lowered[reader.ReadString()] = reader.ReadString();
            var length = reader.ReadInt32();
            var image = reader.ReadBytes(length);
            if (image.Length != length) return null;
            return new CompiledKernelModule(sourceName, target, isCubin, image, log, options, lowered, FromCache: true);
        }
        catch (EndOfStreamException) { return null; }
        catch (IOException) { return null; }
    }
}
