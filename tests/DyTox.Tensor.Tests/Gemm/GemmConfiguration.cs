using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Tensor.Tests.Gemm;

/// <summary>The GEMM implementations under test: OpenBLAS and each managed kernel family.</summary>
public enum GemmConfiguration
{
    OpenBlas,
    ManagedAvx512,
    ManagedVector256,
    ManagedScalar,
}

internal static class GemmConfigurations
{
    /// <summary>Selects a configuration; skips (Assume) where this machine cannot run it.</summary>
    public static void Apply(GemmConfiguration configuration)
    {
        switch (configuration)
        {
            case GemmConfiguration.OpenBlas:
                Assume.That(CpuGemm.IsOpenBlasAvailable, "OpenBLAS is not installed on this machine");
                CpuGemm.Provider = GemmProvider.OpenBlas;
                break;
            case GemmConfiguration.ManagedAvx512:
                Assume.That(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, "CPU lacks AVX-512F");
                CpuGemm.Provider = GemmProvider.Managed;
                ManagedGemm.IsaOverride = ManagedGemmIsa.Avx512;
                break;
            case GemmConfiguration.ManagedVector256:
                CpuGemm.Provider = GemmProvider.Managed;
                ManagedGemm.IsaOverride = ManagedGemmIsa.Vector256;
                break;
            case GemmConfiguration.ManagedScalar:
                CpuGemm.Provider = GemmProvider.Managed;
                ManagedGemm.IsaOverride = ManagedGemmIsa.Scalar;
                break;
        }
    }

    public static void Reset()
    {
        CpuGemm.Provider = GemmProvider.Auto;
        ManagedGemm.IsaOverride = ManagedGemmIsa.Auto;
        ManagedGemm.MaxDegreeOfParallelism = 0;
        CpuGemm.BatchStrategy = OpenBlasBatchStrategy.Auto;
    }
}
