using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>Micro-kernel families of the managed GEMM.</summary>
internal enum ManagedGemmIsa
{
    Auto,
    /// <summary>Vector512 FMA (12×32 float, 12×16 double tiles).</summary>
    Avx512,
    /// <summary>Vector256 FMA (6×16 float, 6×8 double tiles).</summary>
    Vector256,
    /// <summary>Portable scalar FMA 4×4.</summary>
    Scalar,
}

/// <summary>
/// The engine's own GEMM: picks the widest micro-kernel the CPU supports and runs the blocked driver. Arguments are
/// validated by <see cref="CpuGemm"/>.
/// </summary>
internal static unsafe class ManagedGemm
{
    /// <summary>Forces a kernel family (tests cover all three on an AVX-512 machine); Auto picks the widest supported.</summary>
    public static ManagedGemmIsa IsaOverride { get; set; } = ManagedGemmIsa.Auto;

    /// <summary>Worker cap (≤ 0: one per core). Results do not depend on it.</summary>
    public static int MaxDegreeOfParallelism { get; set; }

    public static ManagedGemmIsa DetectedIsa =>
        Avx512F.IsSupported ? ManagedGemmIsa.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? ManagedGemmIsa.Vector256
        : ManagedGemmIsa.Scalar;

    public static ManagedGemmIsa ActiveIsa
    {
        get
        {
            var isa = IsaOverride == ManagedGemmIsa.Auto ? DetectedIsa : IsaOverride;
            if (isa == ManagedGemmIsa.Avx512 && !Avx512F.IsSupported)
                throw new PlatformNotSupportedException("Managed GEMM: the AVX-512 kernel was requested but this CPU lacks AVX-512F.");
            return isa;
        }
    }

    private static int Dop => MaxDegreeOfParallelism > 0 ? MaxDegreeOfParallelism : Environment.ProcessorCount;

    public static string Describe => ActiveIsa switch
    {
        ManagedGemmIsa.Avx512 => $"managed AVX-512 (Vector512 FMA, {Dop} threads)",
        ManagedGemmIsa.Vector256 => $"managed AVX2 (Vector256 FMA, {Dop} threads)",
        _ => $"managed scalar ({Dop} threads)",
    };

    public static void Gemm(in GemmProblem<float> p)
    {
        switch (ActiveIsa)
        {
            case ManagedGemmIsa.Avx512: GemmDriver<float, Avx512GemmKernel<float>>.Run(p, Dop); break;
            case ManagedGemmIsa.Vector256: GemmDriver<float, Vector256GemmKernel<float>>.Run(p, Dop); break;
            default: GemmDriver<float, ScalarGemmKernel<float>>.Run(p, Dop); break;
        }
    }

    public static void Gemm(in GemmProblem<double> p)
    {
        switch (ActiveIsa)
        {
            case ManagedGemmIsa.Avx512: GemmDriver<double, Avx512GemmKernel<double>>.Run(p, Dop); break;
            case ManagedGemmIsa.Vector256: GemmDriver<double, Vector256GemmKernel<double>>.Run(p, Dop); break;
            default: GemmDriver<double, ScalarGemmKernel<double>>.Run(p, Dop); break;
        }
    }

    public static void GemmStridedBatched(in GemmProblem<float> p, long strideA, long strideB, long strideC, int batch)
    {
        switch (ActiveIsa)
        {
            case ManagedGemmIsa.Avx512: Batched<float, Avx512GemmKernel<float>>(p, strideA, strideB, strideC, batch); break;
            case ManagedGemmIsa.Vector256: Batched<float, Vector256GemmKernel<float>>(p, strideA, strideB, strideC, batch); break;
            default: Batched<float, ScalarGemmKernel<float>>(p, strideA, strideB, strideC, batch); break;
        }
    }

    public static void GemmStridedBatched(in GemmProblem<double> p, long strideA, long strideB, long strideC, int batch)
    {
        switch (ActiveIsa)
        {
            case ManagedGemmIsa.Avx512: Batched<double, Avx512GemmKernel<double>>(p, strideA, strideB, strideC, batch); break;
            case ManagedGemmIsa.Vector256: Batched<double, Vector256GemmKernel<double>>(p, strideA, strideB, strideC, batch); break;
            default: Batched<double, ScalarGemmKernel<double>>(p, strideA, strideB, strideC, batch); break;
        }
    }

    // Many small problems (attention: 1536 × 64×64×32): one whole GEMM per task, each on its own thread with reused
    // scratch. Large problems: one after another, each parallel inside. Either way each C is computed the same way.
    private static void Batched<T, TK>(GemmProblem<T> p, long strideA, long strideB, long strideC, int batch)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TK : struct, IGemmMicroKernel<T>
    {
        int dop = Dop;
        double flopsEach = 2.0 * p.M * p.N * p.K;
        if (batch == 1 || dop == 1 || flopsEach >= 32e6)
        {
            for (int i = 0; i < batch; i++)
                GemmDriver<T, TK>.Run(p with { A = p.A + i * strideA, B = p.B + i * strideB, C = p.C + i * strideC }, dop);
            return;
        }
        long elements = GemmDriver<T, TK>.WorkspaceElements(p.M, p.N, p.K);
        // Contiguous batch ranges per task keep packing buffers hot and task overhead low.
        int tasks = Math.Min(batch, 8 * dop);
        Parallel.For(0, tasks, new ParallelOptions { MaxDegreeOfParallelism = dop },
            () => (nint)NativeMemory.AlignedAlloc((nuint)(elements * sizeof(T)), 64),
            (t, _, ws) =>
            {
                int b0 = (int)((long)batch * t / tasks), b1 = (int)((long)batch * (t + 1) / tasks);
                for (int i = b0; i < b1; i++)
                    GemmDriver<T, TK>.RunSequential(p with { A = p.A + i * strideA, B = p.B + i * strideB, C = p.C + i * strideC }, (T*)ws);
                return ws;
            },
            ws => NativeMemory.AlignedFree((void*)ws));
    }
}
