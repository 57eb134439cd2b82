using System.Globalization;
using System.Text.RegularExpressions;

namespace DyTox.Kernels.Cuda;

/// <summary>ptxas's resource report for one kernel (from the -v output in NVRTC's log).</summary>
public sealed record PtxasFunctionReport(
    string Function,
    string Arch,
    int Registers,
    int SharedMemoryBytes,
    int StackFrameBytes,
    int SpillStoreBytes,
    int SpillLoadBytes)
{
    public bool Spills => SpillStoreBytes > 0 || SpillLoadBytes > 0;
}

/// <summary>
/// Parses ptxas -v reports as NVRTC logs them:
/// <code>
/// ptxas info    : Compiling entry function 'k' for 'sm_90'
/// ptxas info    : Function properties for k
/// ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
/// ptxas info    : Used 10 registers, 256 bytes smem, 384 bytes cmem[0]
/// </code>
/// Newer ptxas versions add or drop clauses (cmem, barriers); each number is matched on its own.
/// </summary>
public static partial class PtxasReport
{
    [GeneratedRegex(@"Compiling entry function '(?<fn>[^']+)' for '(?<arch>[^']+)'")]
    private static partial Regex EntryRegex();

    [GeneratedRegex(@"(?<n>\d+) bytes stack frame")]
    private static partial Regex StackRegex();

    [GeneratedRegex(@"(?<n>\d+) bytes spill stores")]
    private static partial Regex SpillStoreRegex();

    [GeneratedRegex(@"(?<n>\d+) bytes spill loads")]
    private static partial Regex SpillLoadRegex();

    [GeneratedRegex(@"Used (?<n>\d+) registers")]
    private static partial Regex RegistersRegex();

    [GeneratedRegex(@"(?<n>\d+) bytes smem")]
    private static partial Regex SmemRegex();

    /// <summary>One report per compiled entry function, in log order.</summary>
    public static IReadOnlyList<PtxasFunctionReport> Parse(string log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var reports = new List<PtxasFunctionReport>();
        string? fn = null, arch = null;
        int regs = 0, smem = 0, stack = 0, spillStores = 0, spillLoads = 0;
        bool sawUsage = false;

        void Flush()
        {
            if (fn is not null && sawUsage)
                reports.Add(new PtxasFunctionReport(fn, arch!, regs, smem, stack, spillStores, spillLoads));
            fn = null; sawUsage = false;
            regs = smem = stack = spillStores = spillLoads = 0;
        }

        foreach (var rawLine in log.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (!line.StartsWith("ptxas", StringComparison.Ordinal)) continue;
            var entry = EntryRegex().Match(line);
            if (entry.Success)
            {
                Flush();
                fn = entry.Groups["fn"].Value;
                arch = entry.Groups["arch"].Value;
                continue;
            }
            if (fn is null) continue;
            if (StackRegex().Match(line) is { Success: true } s) stack = Int(s);
            if (SpillStoreRegex().Match(line) is { Success: true } ss) spillStores = Int(ss);
            if (SpillLoadRegex().Match(line) is { Success: true } sl) spillLoads = Int(sl);
            if (RegistersRegex().Match(line) is { Success: true } r)
            {
                regs = Int(r);
                sawUsage = true;
                smem = SmemRegex().Match(line) is { Success: true } m ? Int(m) : 0;
            }
        }
        Flush();
        return reports;
    }

    /// <summary>Compiler and ptxas warnings in a log ("x.cu(3): warning #177-D: …", "ptxas warning : …").</summary>
    public static IReadOnlyList<string> Warnings(string log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var warnings = new List<string>();
        foreach (var rawLine in log.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Contains(": warning", StringComparison.Ordinal) || line.StartsWith("ptxas warning", StringComparison.Ordinal))
                warnings.Add(line);
        }
        return warnings;
    }

    private static int Int(Match m) => int.Parse(m.Groups["n"].ValueSpan, CultureInfo.InvariantCulture);
}
