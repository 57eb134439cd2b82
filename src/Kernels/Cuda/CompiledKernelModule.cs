namespace DyTox.Kernels.Cuda;

/// <summary>What to compile: one kernel source with its headers, for one architecture.</summary>
/// <param name="SourceName">The program name NVRTC uses in diagnostics (e.g. "softmax.cu").</param>
/// <param name="Headers">Header file name → text, handed to NVRTC so nothing is read from disk.</param>
/// <param name="Arch">Compute capability as major*10+minor, e.g. 90 for sm_90.</param>
/// <param name="FastMath">The opt-in --use_fast_math variant (default: precise).</param>
/// <param name="NameExpressions">Template instantiations to lower (extern "C" kernels need none).</param>
public sealed record KernelCompileRequest(
    string SourceName,
    string Source,
    IReadOnlyDictionary<string, string> Headers,
    int Arch,
    bool FastMath = false,
    IReadOnlyList<string>? ExtraOptions = null,
    IReadOnlyList<string>? NameExpressions = null);

/// <summary>A compiled program: a cubin (or PTX when NVRTC does not know the arch) plus its diagnostics.</summary>
public sealed record CompiledKernelModule(
    string SourceName,
    string Target,
    bool IsCubin,
    byte[] Image,
    string Log,
    IReadOnlyList<string> Options,
    IReadOnlyDictionary<string, string> LoweredNames,
    bool FromCache)
{
    /// <summary>ptxas -v resource report per kernel (empty for PTX, which ptxas has not seen yet).</summary>
    public IReadOnlyList<PtxasFunctionReport> Resources => PtxasReport.Parse(Log);

    /// <summary>Compiler and ptxas warnings found in the log.</summary>
    public IReadOnlyList<string> Warnings => PtxasReport.Warnings(Log);

    /// <summary>The symbol to look up in the loaded module for a kernel name or name expression.</summary>
    public string SymbolFor(string name) => LoweredNames.TryGetValue(name, out var lowered) ? lowered : name;
}
