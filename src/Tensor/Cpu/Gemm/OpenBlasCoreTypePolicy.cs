namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>Outcome of <see cref="OpenBlasCoreTypePolicy.Decide"/>.</summary>
/// <param name="ValueToSet">The value to export as OPENBLAS_CORETYPE before loading OpenBLAS, or null to leave the environment alone.</param>
/// <param name="UserValue">The value the user had already set (kept as is), or null.</param>
public readonly record struct OpenBlasCoreTypeDecision(string? ValueToSet, string? UserValue)
{
    /// <summary>The OPENBLAS_CORETYPE value OpenBLAS will see (null: its own CPU detection).</summary>
    public string? EffectiveValue => UserValue ?? ValueToSet;
}

/// <summary>
/// Chooses OPENBLAS_CORETYPE. Debian's DYNAMIC_ARCH OpenBLAS 0.3.21 does not recognise recent AVX-512 CPUs and
/// falls back to its SSE3 "Prescott" kernels (4–10× slower, engine guide §7); forcing SKYLAKEX (or COOPERLAKE when
/// AVX512-BF16 is present) selects the AVX-512 kernels. A value the user set is always respected.
/// </summary>
public static class OpenBlasCoreTypePolicy
{
    public const string VariableName = "OPENBLAS_CORETYPE";

    /// <summary>Pure decision function (unit-tested): CPU features and the user's current value in, what to do out.</summary>
    public static OpenBlasCoreTypeDecision Decide(bool hasAvx512F, bool hasAvx512Bf16, string? userValue)
    {
        if (!string.IsNullOrWhiteSpace(userValue)) return new OpenBlasCoreTypeDecision(null, userValue);
        if (!hasAvx512F) return new OpenBlasCoreTypeDecision(null, null);
        return new OpenBlasCoreTypeDecision(hasAvx512Bf16 ? "COOPERLAKE" : "SKYLAKEX", null);
    }

    /// <summary>True when an AVX-512 machine ended up on a core type that does not use AVX-512 at all (the trap).</summary>
    public static bool IsSlowCoreOnAvx512Machine(bool hasAvx512F, string? coreName) =>
        hasAvx512F && coreName is not null &&
        (coreName.Equals("Prescott", StringComparison.OrdinalIgnoreCase) ||
         coreName.Equals("Core2", StringComparison.OrdinalIgnoreCase) ||
         coreName.Equals("Nehalem", StringComparison.OrdinalIgnoreCase) ||
         coreName.Equals("Katmai", StringComparison.OrdinalIgnoreCase) ||
         coreName.Equals("Unknown", StringComparison.OrdinalIgnoreCase));

    /// <summary>OpenBLAS core types whose SGEMM/DGEMM kernels use AVX-512.</summary>
    public static bool HasAvx512Kernels(string? coreName) =>
        coreName is not null &&
        (coreName.Equals("SkylakeX", StringComparison.OrdinalIgnoreCase) ||
         coreName.Equals("Cooperlake", StringComparison.OrdinalIgnoreCase) ||
         coreName.Equals("SapphireRapids", StringComparison.OrdinalIgnoreCase));
}
