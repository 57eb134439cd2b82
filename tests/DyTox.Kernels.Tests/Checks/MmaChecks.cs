using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Checks;

/// <summary>
/// The TF32 tensor-core tile of kernels/mma_tf32.cuh (used by GPSA v4) against a host product, through
/// kernels/mma_check.cu: the instruction (on a GPU; the portable twin under the emulator) and the portable twin on the
/// same fragments. Inputs are small integers, exact in TF32, whose products and sums are exact in float32, so the
/// result is independent of the summation order and must match bit for bit: a mismatch is a fragment-layout error
/// (A rows g/g+8 and columns t/t+4, B rows t/t+4 and column g, C rows g/g+8 and columns 2t/2t+1, PTX ISA).
/// </summary>
public static class MmaChecks
{
    private const int M = 16, N = 8, K = 8;

    public static IEnumerable<KernelCheck> All()
    {
        yield return new("mma m16n8k8 tf32 tile: instruction and portable twin vs host, integers [-8, 8]", c => Tile(c, 8));
        yield return new("mma m16n8k8 tf32 tile: instruction and portable twin vs host, integers [-1024, 1024]", c => Tile(c, 1024));
    }

    private static unsafe CheckResult Tile(CheckContext c, int range)
    {
        // Distinct values per position, so a transposed or shifted fragment cannot give the right product.
        var a = new float[M * K];
        var b = new float[K * N];
        for (var i = 0; i < a.Length; i++) a[i] = c.Random.Next(-range, range + 1);
        for (var i = 0; i < b.Length; i++) b[i] = c.Random.Next(-range, range + 1);
        var expected = new float[M * N];
        for (var i = 0; i < M; i++)
            for (var j = 0; j < N; j++)
            {
                double sum = 1; // the kernel's accumulators start at 1: a zero-initialised output cannot pass
                for (var k = 0; k < K; k++) sum += (double)a[i * K + k] * b[k * N + j];
                expected[i * N + j] = (float)sum; // |sum| ≤ 8·1024² + 1 < 2^24: exact
            }
        using var ab = c.Upload(a);
        using var bb = c.Upload(b);
        using var hw = c.Zeros(M * N);
        using var twin = c.Zeros(M * N);
        ulong pa = ab.Pointer, pb = bb.Pointer, ph = hw.Pointer, pt = twin.Pointer;
        void** args = stackalloc void*[] { &pa, &pb, &ph, &pt };
        c.Driver.Launch(c.Driver.GetFunction("mma_check.cu", "mma_tf32_tile_check"), new Dim3(1), new Dim3(32), 0, args);
        var what = c.Driver.Kind == "emulator" ? "instruction (the twin under the emulator)" : "instruction";
        return Compare.All("mma tile",
                           Compare.Bitwise(what, c.Download(hw, M * N), expected),
                           Compare.Bitwise("portable twin", c.Download(twin, M * N), expected));
    }
}
