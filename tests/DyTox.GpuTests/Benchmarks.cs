using DyTox.Kernels.Cuda;
using DyTox.Kernels.Runtime;
using DyTox.Kernels.Runtime.Launchers;

namespace DyTox.GpuTests;

/// <summary>
/// A small timing table at DyTox-CIFAR shapes (B=128, N=65 tokens, C=384, MLP 1536, 12 heads). Each
/// timing is the median of 20 runs measured with CUDA events, the L2 scrubbed (a 256 MiB memset) before
/// each run (<see cref="GpuTimer"/>) so the numbers are DRAM numbers, not L2 numbers. The ops DyTox calls, at
/// DyTox shapes through CudaBackend, and the issue bars are in <see cref="BackendBenchmarks"/>.
/// </summary>
internal static class Benchmarks
{
    private const int Reps = 20;

    public static void Run(CudaDriver driver, Report report)
    {
        report.Line("kernel benchmarks (launchers directly, median of 20, L2 scrubbed):");
        using var allocator = new CachingAllocator(driver);
        using var timer = new GpuTimer(driver, Reps);
        double Time(Action run) => timer.Median(run);

        var ew = new ElementwiseKernels(driver);
        var sm = new SoftmaxKernels(driver);
        var ln = new LayerNormKernels(driver);

        const long big = 64L << 20; // floats: 256 MiB
        using var x = allocator.Allocate<float>(big);
        using var y = allocator.Allocate<float>(big);
        ew.Fill(x.Pointer, big, 1.0f);
        var us = Time(() => ew.Fill(y.Pointer, big, 2.0f));
        report.Bench("fill_f32", "64M", us, big * 4 / us / 1e3, 0);
        us = Time(() => ew.Copy(y.Pointer, x.Pointer, big));
        report.Bench("copy_f32", "64M", us, 2 * big * 4 / us / 1e3, 0);
        us = Time(() => driver.CopyDeviceToDevice(y.Pointer, x.Pointer, big * 4));
        report.Bench("cuMemcpyDtoDAsync (reference)", "64M", us, 2 * big * 4 / us / 1e3, 0);
        us = Time(() => ew.Binary(BinaryOp.Add, y.Pointer, x.Pointer, y.Pointer, big / 2));
        report.Bench("add_f32", "32M", us, 3 * big / 2 * 4 / us / 1e3, 0);

        const int rows = 128 * 65, C = 384, hidden = 1536;
        const long mlp = (long)rows * hidden;
        us = Time(() => ew.GeluForward(y.Pointer, x.Pointer, mlp));
        report.Bench("gelu_forward_f32", $"{rows}x{hidden}", us, 2 * mlp * 4 / us / 1e3, 0);
        us = Time(() => ew.GeluBackward(y.Pointer, x.Pointer, x.Pointer, mlp));
        report.Bench("gelu_backward_f32", $"{rows}x{hidden}", us, 3 * mlp * 4 / us / 1e3, 0);
        us = Time(() => ew.BinaryBroadcast(BinaryOp.Add, y.Pointer, [rows, hidden], x.Pointer, [hidden, 1], x.Pointer, [0, 1]));
        report.Bench("add_broadcast_f32 (bias)", $"{rows}x{hidden}", us, 2 * mlp * 4 / us / 1e3, 0);

        const int attRows = 128 * 12 * 65, attCols = 65;
        const long att = (long)attRows * attCols;
        us = Time(() => sm.Forward(y.Pointer, x.Pointer, attRows, attCols));
        report.Bench("softmax_forward (warp/row)", $"{attRows}x{attCols}", us, 2 * att * 4 / us / 1e3, 0);
        us = Time(() => sm.Backward(y.Pointer, x.Pointer, x.Pointer, attRows, attCols));
        report.Bench("softmax_backward (warp/row)", $"{attRows}x{attCols}", us, 3 * att * 4 / us / 1e3, 0);
        us = Time(() => sm.Forward(y.Pointer, x.Pointer, 1024, 32768));
        report.Bench("softmax_forward (block/row)", "1024x32768", us, 2.0 * 1024 * 32768 * 4 / us / 1e3, 0);

        const long act = (long)rows * C;
        using var mean = allocator.Allocate<float>(rows);
        using var rstd = allocator.Allocate<float>(rows);
        using var w = allocator.Allocate<float>(C);
        using var b = allocator.Allocate<float>(C);
        using var pw = allocator.Allocate<float>((long)LayerNormKernels.ParamChunks(rows) * C);
        using var pb = allocator.Allocate<float>((long)LayerNormKernels.ParamChunks(rows) * C);
        ew.Fill(w.Pointer, C, 1f);
        ew.Fill(b.Pointer, C, 0f);
        var xs = x.Pointer + (ulong)(act * 4); // inputs: a slice of x filled with ones plus a ramp
        ew.Fill(xs, act, 0.5f);
        us = Time(() => ln.Forward(y.Pointer, mean.Pointer, rstd.Pointer, xs, w.Pointer, b.Pointer, rows, C, 1e-6f));
        report.Bench("layernorm_forward", $"{rows}x{C}", us, 2 * act * 4 / us / 1e3, 0);
        us = Time(() => ln.BackwardInput(y.Pointer, xs, xs, w.Pointer, mean.Pointer, rstd.Pointer, rows, C));
        report.Bench("layernorm_backward_input", $"{rows}x{C}", us, 3 * act * 4 / us / 1e3, 0);
        us = Time(() => ln.BackwardParams(w.Pointer, b.Pointer, pw.Pointer, pb.Pointer, xs, xs, mean.Pointer, rstd.Pointer, rows, C, false));
        report.Bench("layernorm_backward_params (2 pass)", $"{rows}x{C}", us, 2 * act * 4 / us / 1e3, 0);

        // Linear forward y[M,O] = x[M,I]·Wᵀ (engine guide §4.1 recipe), plain fp32, TF32 and bf16.
        const int M = rows, I = C, O = hidden;
        var flops = 2.0 * M * I * O;
        us = Time(() => driver.Blas.Sgemm(false, true, M, O, I, 1f, x.Pointer, I, 0, xs, I, 0, 0f, y.Pointer, O, 0));
        report.Bench("sgemm linear fwd (fp32)", $"{M}x{O}x{I}", us, 0, flops / us / 1e6);
        driver.Blas.Math = GemmMath.Tf32;
        us = Time(() => driver.Blas.Sgemm(false, true, M, O, I, 1f, x.Pointer, I, 0, xs, I, 0, 0f, y.Pointer, O, 0));
        driver.Blas.Math = GemmMath.Float32;
        report.Bench("sgemm linear fwd (TF32)", $"{M}x{O}x{I}", us, 0, flops / us / 1e6);
        driver.Blas.Math = GemmMath.Bf16;
        try
        {
            us = Time(() => driver.Blas.Sgemm(false, true, M, O, I, 1f, x.Pointer, I, 0, xs, I, 0, 0f, y.Pointer, O, 0));
            report.Bench("sgemm linear fwd (bf16 tensor cores, FAST_16BF)", $"{M}x{O}x{I}", us, 0, flops / us / 1e6);
        }
        catch (Exception e) { report.Fail($"benchmark sgemm bf16: {e.GetType().Name}: {e.Message}"); }
        finally { driver.Blas.Math = GemmMath.Float32; }
        // Attention scores S = Q·Kᵀ per (batch, head), strided batched.
        const int heads = 128 * 12, n = 65, dh = 32;
        us = Time(() => driver.Blas.Sgemm(false, true, n, n, dh, 1f, x.Pointer, dh, (long)n * dh, xs, dh, (long)n * dh, 0f, y.Pointer, n, (long)n * n, heads));
        report.Bench("sgemm attention scores (batched)", $"{heads}x{n}x{n}x{dh}", us, 0, 2.0 * heads * n * n * dh / us / 1e6);

        var stats = allocator.Stats;
        report.Line($"  allocator: in use {stats.InUse >> 20} MiB, peak {stats.PeakInUse >> 20} MiB, cached {stats.Cached >> 20} MiB, driver allocations {stats.DriverAllocations}");
    }
}
