using System.Runtime.InteropServices;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>
/// OpenBLAS bound through NativeLibrary + unmanaged function pointers (no DllImport name resolution, so no clash
/// with other resolvers in this assembly). Loaded once; OPENBLAS_CORETYPE is decided and exported (libc setenv)
/// before the library is loaded, because OpenBLAS reads it only in its load-time constructor.
/// </summary>
internal sealed unsafe class OpenBlasLibrary
{
    /// <summary>Environment variable naming an explicit library file to load instead of probing.</summary>
    public const string PathOverrideVariable = "DYTOX_OPENBLAS_PATH";

    private const int CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112;

    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged[Cdecl]<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> _dgemm;
    private readonly delegate* unmanaged[Cdecl]<int, void> _setNumThreads;

    public string Path { get; }
    public string CoreName { get; }
    public string Config { get; }
    public string Version { get; }
    public int Threads { get; private set; }
    public OpenBlasCoreTypeDecision CoreTypeDecision { get; }
    /// <summary>Set when an AVX-512 machine runs a non-AVX-512 core (the Prescott trap), or a user value overrides ours.</summary>
    public string? Warning { get; }

    private static readonly Lazy<OpenBlasLibrary?> Shared = new(TryLoad, LazyThreadSafetyMode.ExecutionAndPublication);
    private static string? _loadFailure;

    /// <summary>The process-wide instance, or null when OpenBLAS could not be loaded (see <see cref="LoadFailure"/>).</summary>
    public static OpenBlasLibrary? Instance => Shared.Value;
    public static string? LoadFailure { get { _ = Shared.Value; return _loadFailure; } }

    private OpenBlasLibrary(string path, nint handle, OpenBlasCoreTypeDecision decision)
    {
        Path = path;
        CoreTypeDecision = decision;
        _sgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)NativeLibrary.GetExport(handle, "cblas_sgemm");
        _dgemm = (delegate* unmanaged[Cdecl]<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)NativeLibrary.GetExport(handle, "cblas_dgemm");
        _setNumThreads = NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var st) ? (delegate* unmanaged[Cdecl]<int, void>)st : null;
        CoreName = CallString(handle, "openblas_get_corename") ?? "unknown";
        Config = CallString(handle, "openblas_get_config") ?? "OpenBLAS";
        var tokens = Config.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Version = tokens.Length >= 2 && tokens[0] == "OpenBLAS" ? $"OpenBLAS {tokens[1]}" : "OpenBLAS";
        Threads = QueryThreads(handle);

        // Its own pthread pool: one thread per core unless the user pinned a count.
        if (string.IsNullOrEmpty(NativeEnvironment.Get("OPENBLAS_NUM_THREADS")) && string.IsNullOrEmpty(NativeEnvironment.Get("OMP_NUM_THREADS")))
            SetThreads(Environment.ProcessorCount);
        Threads = QueryThreads(handle);

        if (OpenBlasCoreTypePolicy.IsSlowCoreOnAvx512Machine(CpuFeatures.HasAvx512F, CoreName))
            Warning = $"WARNING: AVX-512 CPU but OpenBLAS selected core '{CoreName}' (non-AVX-512 kernels, several times slower); " +
                      $"set {OpenBlasCoreTypePolicy.VariableName}=SKYLAKEX or COOPERLAKE";
        else if (LacksAvx512KernelsOnAvx512Cpu)
            Warning = $"note: core '{CoreName}' has no AVX-512 kernels although this CPU has AVX-512 " +
                      $"({OpenBlasCoreTypePolicy.VariableName}=SKYLAKEX or COOPERLAKE would be faster)";

        static int QueryThreads(nint h) =>
            NativeLibrary.TryGetExport(h, "openblas_get_num_threads", out var gt) ? ((delegate* unmanaged[Cdecl]<int>)gt)() : 1;
    }

    /// <summary>
    /// AVX-512 CPU, but OpenBLAS runs a core type without AVX-512 GEMM kernels (Prescott, or e.g. a user-forced
    /// Haswell): the managed AVX-512 GEMM is then faster, so <see cref="GemmProvider.Auto"/> prefers it.
    /// </summary>
    public bool LacksAvx512KernelsOnAvx512Cpu => CpuFeatures.HasAvx512F && !OpenBlasCoreTypePolicy.HasAvx512Kernels(CoreName);

    public void SetThreads(int threads)
    {
        if (_setNumThreads == null) return;
        _setNumThreads(Math.Max(1, threads));
        Threads = Math.Max(1, threads);
    }

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc) =>
        _sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    public void Dgemm(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc) =>
        _dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    public string Describe()
    {
        var source = CoreTypeDecision.UserValue is not null ? $"; {OpenBlasCoreTypePolicy.VariableName}={CoreTypeDecision.UserValue} set by user"
            : CoreTypeDecision.ValueToSet is not null ? $"; {OpenBlasCoreTypePolicy.VariableName}={CoreTypeDecision.ValueToSet} set by DyTox" : "";
        var text = $"{Version} (core {CoreName}, {Threads} threads{source})";
        return Warning is null ? text : $"{text} {Warning}";
    }

    /// <summary>Candidate files, in probe order: the override, Debian's pthread build and its alternatives, then bare sonames.</summary>
    internal static IEnumerable<string> ProbeCandidates()
    {
        var overridePath = NativeEnvironment.Get(PathOverrideVariable);
        if (!string.IsNullOrEmpty(overridePath)) { yield return overridePath; yield break; }
        if (OperatingSystem.IsWindows()) { yield return "libopenblas.dll"; yield return "openblas.dll"; yield break; }
        if (OperatingSystem.IsMacOS()) { yield return "libopenblas.dylib"; yield return "/opt/homebrew/opt/openblas/lib/libopenblas.dylib"; yield break; }
        string[] dirs = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu/openblas-pthread", "/usr/lib/aarch64-linux-gnu",
                         "/usr/lib/aarch64-linux-gnu/openblas-pthread", "/usr/lib64", "/usr/lib", "/usr/local/lib"];
        foreach (var dir in dirs)
        {
            yield return System.IO.Path.Combine(dir, "libopenblas.so.0");
            yield return System.IO.Path.Combine(dir, "libopenblas.so");
        }
        yield return "libopenblas.so.0";
        yield return "libopenblas.so";
    }

    private static OpenBlasLibrary? TryLoad()
    {
        // Decide and export the core type BEFORE dlopen: OpenBLAS's constructor reads it exactly once.
        var decision = OpenBlasCoreTypePolicy.Decide(CpuFeatures.HasAvx512F, CpuFeatures.HasAvx512Bf16,
                                                     NativeEnvironment.Get(OpenBlasCoreTypePolicy.VariableName));
        var tried = new List<string>();
        foreach (var candidate in ProbeCandidates())
        {
            if (candidate.Contains('/') && !File.Exists(candidate)) { tried.Add(candidate + " (missing)"); continue; }
            if (decision.ValueToSet is not null && NativeEnvironment.Get(OpenBlasCoreTypePolicy.VariableName) is null)
                NativeEnvironment.Set(OpenBlasCoreTypePolicy.VariableName, decision.ValueToSet);
            if (!NativeLibrary.TryLoad(candidate, out var handle)) { tried.Add(candidate + " (dlopen failed)"); continue; }
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out _) || !NativeLibrary.TryGetExport(handle, "cblas_dgemm", out _))
            {
                tried.Add(candidate + " (no cblas_sgemm/cblas_dgemm)");
                NativeLibrary.Free(handle);
                continue;
            }
            var lib = new OpenBlasLibrary(candidate, handle, decision);
            if (lib.Warning is not null) Console.Error.WriteLine($"[DyTox.Tensor] {lib.Describe()}");
            return lib;
        }
        _loadFailure = "OpenBLAS not found; tried " + string.Join(", ", tried);
        return null;
    }

    private static string? CallString(nint handle, string export) =>
        NativeLibrary.TryGetExport(handle, export, out var fn) ? Marshal.PtrToStringUTF8((nint)((delegate* unmanaged[Cdecl]<byte*>)fn)()) : null;
}
