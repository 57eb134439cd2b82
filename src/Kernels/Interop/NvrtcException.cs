namespace DyTox.Kernels.Interop;

/// <summary>An NVRTC call failed (other than a compile error, which is a <see cref="NvrtcCompileException"/>).</summary>
public class NvrtcException : Exception
{
    public int Result { get; }
    public string Call { get; }

    public NvrtcException(string call, int result, string? detail = null)
        : base($"{call} failed with {Nvrtc.ErrorString(result)} ({result}){(detail is null ? "" : ": " + detail)}")
    {
        Call = call;
        Result = result;
    }

    /// <summary>Throws when <paramref name="result"/> is not NVRTC_SUCCESS.</summary>
    public static void Check(int result, string call)
    {
        if (result != Nvrtc.Success) throw new NvrtcException(call, result);
    }
}

/// <summary>
/// A kernel source failed to compile. The message carries NVRTC's log (whose lines name the source
/// file and line, "softmax.cu(12): error: …"), the target and the full option list.
/// </summary>
public sealed class NvrtcCompileException : NvrtcException
{
    public string SourceName { get; }
    public string Log { get; }
    public IReadOnlyList<string> Options { get; }

    public NvrtcCompileException(string sourceName, int result, string log, IReadOnlyList<string> options)
        : base("nvrtcCompileProgram", result,
               $"{sourceName} did not compile.\n{log.TrimEnd()}\nOptions: {string.Join(' ', options)}")
    {
        SourceName = sourceName;
        Log = log;
        Options = options;
    }
}
