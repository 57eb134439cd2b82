namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>Which implementation <see cref="CpuGemm"/> routes to.</summary>
public enum GemmProvider
{
    /// <summary>OpenBLAS when it could be loaded, otherwise the managed GEMM.</summary>
    Auto,
    /// <summary>OpenBLAS only; selecting it when the library is absent throws.</summary>
    OpenBlas,
    /// <summary>The engine's own packed SIMD GEMM (deterministic across thread counts).</summary>
    Managed,
}
