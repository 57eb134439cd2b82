using System.Runtime.InteropServices;

namespace DyTox.Bench.Gemm;

/// <summary>64-byte-aligned native A, B, C for one shape, filled with seeded values in [-0.5, 0.5); freed on Dispose.</summary>
internal sealed unsafe class GemmBuffers : IDisposable
{
    public float* A { get; private set; }
    public float* B { get; private set; }
    public float* C { get; private set; }

    public GemmBuffers(GemmShape s)
    {
        A = Allocate(s.ElementsA * s.Batch, 1);
        B = Allocate(s.ElementsB * s.Batch, 2);
        C = Allocate(s.ElementsC * s.Batch, 3);
    }

    private static float* Allocate(long count, int seed)
    {
        var p = (float*)NativeMemory.AlignedAlloc((nuint)(count * sizeof(float)), 64);
        var rng = new Random(seed);
        for (long i = 0; i < count; i++) p[i] = (float)rng.NextDouble() - 0.5f;
        return p;
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(A); A = null;
        NativeMemory.AlignedFree(B); B = null;
        NativeMemory.AlignedFree(C); C = null;
    }
}
