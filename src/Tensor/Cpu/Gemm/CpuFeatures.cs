using System.Runtime.Intrinsics.X86;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>The x86 features the GEMM choices depend on.</summary>
internal static class CpuFeatures
{
    public static bool HasAvx512F => Avx512F.IsSupported;

    /// <summary>AVX512-BF16: CPUID leaf 7 sub-leaf 1, EAX bit 5 (no .NET ISA class exposes it).</summary>
    public static bool HasAvx512Bf16
    {
        get
        {
            if (!X86Base.IsSupported || !Avx512F.IsSupported) return false;
            var (maxLeaf, _, _, _) = X86Base.CpuId(0, 0);
            if (maxLeaf < 7) return false;
            var (eax, _, _, _) = X86Base.CpuId(7, 1);
            return (eax & (1 << 5)) != 0;
        }
    }
}
