using DyTox.Kernels.Checks;
using DyTox.Kernels.Cuda;
using DyTox.Kernels.Runtime;

namespace DyTox.GpuTests;

/// <summary>Checks that only make sense on the real device: large copies through staging, TF32 and bf16 opt-ins, launch limits.</summary>
internal static class GpuOnlyChecks
{
    public static IEnumerable<CheckResult> Run(CudaDriver driver)
    {
        yield return Guard("staged copy round trip (40 MiB, 3 staging chunks)", () => StagedRoundTrip(driver));
        yield return Guard("sgemm TF32 opt-in within TF32 tolerance", () => ReducedPrecision(driver, GemmMath.Tf32));
        yield return Guard("sgemm bf16 opt-in within bf16 tolerance", () => ReducedPrecision(driver, GemmMath.Bf16));
        yield return Guard("launch with an oversized block is rejected", () => OversizedBlock(driver));
    }

    private static CheckResult Guard(string name, Func<CheckResult> run)
    {
        try { return run() with { Name = name }; }
        catch (Exception e) { return new CheckResult(name, false, $"{e.GetType().Name}: {e.Message}"); }
    }

    private static CheckResult StagedRoundTrip(CudaDriver driver)
    {
        using var allocator = new CachingAllocator(driver);
        var n = 10 * (1 << 20) + 3;
        var data = new float[n];
        for (var i = 0; i < n; i++) data[i] = i * 0.5f;
        using var buffer = allocator.Allocate<float>(n);
        buffer.CopyFrom<float>(data);
        using var copy = allocator.Allocate<float>(n);
        driver.CopyDeviceToDevice(copy.Pointer, buffer.Pointer, (long)n * 4);
        var back = new float[n];
        copy.CopyTo<float>(back);
        return Compare.Bitwise("round trip", back, data);
    }

    private static CheckResult ReducedPrecision(CudaDriver driver, GemmMath math)
    {
        using var ctx = new CheckContext(driver);
        const int m = 64, n = 48, k = 256;
        var a = ctx.Uniform(m * k);
        var b = ctx.Uniform(k * n);
        using var ab = ctx.Upload(a);
        using var bb = ctx.Upload(b);
        using var cb = ctx.Zeros(m * n);
        driver.Blas.Math = math;
        try { driver.Blas.Sgemm(false, false, m, n, k, 1f, ab.Pointer, k, 0, bb.Pointer, n, 0, 0f, cb.Pointer, n, 0); }
        finally { driver.Blas.Math = GemmMath.Float32; }
        var expected = new double[m * n];
        double maxAbs = 0;
        for (var i = 0; i < m; i++)
            for (var j = 0; j < n; j++)
            {
                double s = 0, abs = 0;
                for (var q = 0; q < k; q++) { s += (double)a[i * k + q] * b[q * n + j]; abs += Math.Abs((double)a[i * k + q] * b[q * n + j]); }
                expected[i * n + j] = s;
                maxAbs = Math.Max(maxAbs, abs);
            }
        // TF32 keeps 10 mantissa bits, bfloat16 7: each product is off by up to ~2·2^-11 (2·2^-8) relative.
        double unit = math == GemmMath.Tf32 ? Math.Pow(2, -11) : Math.Pow(2, -8);
        return Compare.Close(math.ToString(), ctx.Download(cb, m * n), expected, atol: 2 * unit * maxAbs, rtol: 0);
    }

    private static unsafe CheckResult OversizedBlock(CudaDriver driver)
    {
        var fn = driver.GetFunction("elementwise.cu", "fill_f32");
        try
        {
            driver.Launch(fn, new Dim3(1), new Dim3(2048), 0, null);
            return new CheckResult("", false, "a 2048-thread block was accepted");
        }
        catch (ArgumentOutOfRangeException e)
        {
            return new CheckResult("", true, e.Message.Split('\n')[0]);
        }
    }
}
