using System.Text.RegularExpressions;

namespace DyTox.Kernels.Tests.Compile;

/// <summary>
/// Reads the register budgets written beside each kernel: a "// budget: registers &lt;= N" comment line
/// applies to the next extern "C" __global__ function in the file (optionally __launch_bounds__(…)-qualified).
/// </summary>
public static partial class KernelBudgets
{
    [GeneratedRegex(@"^\s*//\s*budget:\s*registers\s*<=\s*(\d+)")]
    private static partial Regex BudgetRegex();

    [GeneratedRegex(@"extern\s+""C""\s+__global__\s+(?:__launch_bounds__\s*\([^)]*\)\s+)?void\s+(\w+)\s*\(")]
    private static partial Regex KernelRegex();

    /// <summary>Kernel name → register budget (null when a kernel has none).</summary>
    public static IReadOnlyDictionary<string, int?> Parse(string source)
    {
        var result = new Dictionary<string, int?>(StringComparer.Ordinal);
        int? pending = null;
        foreach (var line in source.Split('\n'))
        {
            var budget = BudgetRegex().Match(line);
            if (budget.Success) { pending = int.Parse(budget.Groups[1].Value); continue; }
            var kernel = KernelRegex().Match(line);
            if (kernel.Success)
            {
                result[kernel.Groups[1].Value] = pending;
                pending = null;
            }
        }
        return result;
    }
}
