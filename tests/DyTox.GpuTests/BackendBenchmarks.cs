using DyTox.Kernels.Runtime;
using DyTox.Kernels.Backend;
using DyTox.Kernels.Checks;
using DyTox.Kernels.Cuda;
using DyTox.Kernels.Runtime.Launchers;
using DyTox.Model;
using DyTox.Tensor;

namespace DyTox.GpuTests;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>
/// The numbers the CUDA issues ask for, through CudaBackend (the ops DyTox calls), at DyTox shapes:
/// fused GPSA vs the cuBLAS reference path (bar: fused ≥ 3× faster at CIFAR B=128), the SAB's GEMMs vs its
/// attention (bar: attention &lt; 10% of the GEMM time), task attention (T=10), the memory-bound ops with GB/s and
/// the fraction of the H200's 4.8 TB/s, and a whole DyTox CIFAR training step in images/s.
/// </summary>
internal static class BackendBenchmarks
{
    /// <summary>H200 HBM3e peak (NVIDIA's datasheet); the device's own figure is printed in the header.</summary>
    public const double RooflineGBs = 4800;

    private const int Batch = 128, Dim = 384, Heads = 12, Tasks = 10, CifarTokens = 64, ImageNetTokens = 196;

    public static void Run(CudaDriver driver, CudaBackend gpu, Report report, bool quick)
    {
        using var timer = new GpuTimer(driver, quick ? 5 : 20);
        report.Line($"backend benchmarks (CudaBackend ops, median of {timer.Reps}, L2 scrubbed; fp32, no TF32):");

        var cifar = Gpsa(gpu, timer, report, Batch, CifarTokens);
        if (!quick) Guard(report, "gpsa at ImageNet's N=196", () => Gpsa(gpu, timer, report, Batch, ImageNetTokens));
        var speedup = cifar.Reference / cifar.Fused;
        report.Bar("best fused GPSA fwd+bwd ≥ 3× faster than the cuBLAS reference path (CIFAR B=128, N=64, D=384, H=12)", speedup >= 3,
                   $"reference {cifar.Reference:F1} µs / fused {cifar.Fused:F1} µs = {speedup:F2}×");

        // Task attention at one task token (every task-0 step) and at ten (CIFAR 10-10's last task), both fused versions.
        foreach (var tasks in new[] { 1, Tasks })
        {
            Guard(report, $"task attention T={tasks}", () => TaskAttention(gpu, timer, report, CifarTokens, tasks));
            if (!quick) Guard(report, $"task attention at ImageNet's N=196, T={tasks}", () => TaskAttention(gpu, timer, report, ImageNetTokens, tasks));
        }

        var gemm = SabGemms(gpu, timer, report, Batch * CifarTokens);
        var share = cifar.Fused / gemm;
        report.Bar("SAB attention (best fused GPSA fwd+bwd) < 10% of the SAB's GEMM time (qk, v, proj, fc1, fc2 fwd+bwd, 8192 rows)", share < 0.10,
                   $"attention {cifar.Fused:F1} µs / GEMMs {gemm:F1} µs = {100 * share:F1}%");

        MemoryBound(gpu, timer, report, Batch * CifarTokens);
        AdamWMany(gpu, timer, report);
        // Each variant on its own: one that fails (say, a GEMM format this cuBLAS refuses) is reported, the rest still run.
        foreach (var (cores, gemmMath) in new[] { (false, GemmMath.Float32), (true, GemmMath.Float32), (true, GemmMath.Tf32), (true, GemmMath.Bf16) })
        {
            Guard(report, $"CIFAR step ({cores}, {gemmMath})", () => TrainingStep(gpu, timer, report, quick ? 3 : 6, cores, gemmMath));
            if (!quick) Guard(report, $"ImageNet step ({cores}, {gemmMath})", () => ImageNetTrainingStep(gpu, timer, report, 3, cores, gemmMath));
        }
        StepProfile.Run(driver, gpu, report, DyToxConfig.Cifar, "CIFAR", Batch);
        if (!quick) StepProfile.Run(driver, gpu, report, DyToxConfig.ImageNet, "ImageNet", Batch);
        var stats = gpu.Memory.Stats;
        report.Line($"  backend allocator: peak {stats.PeakInUse >> 20} MiB, cached {stats.Cached >> 20} MiB, driver allocations {stats.DriverAllocations}");
    }

    private static Tensor Rand(IBackend be, int seed, double lo, double hi, params int[] shape) =>
        BackendData.Upload(be, BackendData.Random(checked((int)Shape.Numel(shape)), seed, lo, hi), shape);

    private static double WithPath(CudaBackend gpu, AttentionPath path, Func<double> body)
    {
        var saved = gpu.AttentionPath;
        gpu.AttentionPath = path;
        try { return body(); }
        finally { gpu.AttentionPath = saved; }
    }

    /// <summary>GPSA forward and forward+backward on every path; returns the best fused and the reference fwd+bwd times.</summary>
    private static (double Fused, double Reference) Gpsa(CudaBackend gpu, GpuTimer timer, Report report, int b, int n)
    {
        using var scope = TensorScope.Begin();
        int d = Dim, h = Heads;
        var qk = Rand(gpu, 1, -1, 1, b, n, 2 * d);
        var v = Rand(gpu, 2, -1, 1, b, n, d);
        var pos = Rand(gpu, 3, -3, 3, h, n, n);
        using (var rows = pos.Reshape(h * n, n)) gpu.Softmax(rows, rows);
        var gates = Rand(gpu, 4, -1, 1, h);
        var dOut = Rand(gpu, 5, -1, 1, b, n, d);
        var content = gpu.Empty(DType.Float32, [b, h, n, n]);
        var attn = gpu.Empty(DType.Float32, [b, h, n, n]);
        var output = gpu.Empty(DType.Float32, [b, n, d]);
        var dqk = gpu.Empty(DType.Float32, [b, n, 2 * d]);
        var dv = gpu.Empty(DType.Float32, [b, n, d]);
        var dPos = gpu.Empty(DType.Float32, [h, n, n]);
        var dGates = gpu.Empty(DType.Float32, [h]);
        double scale = 1 / Math.Sqrt(d / h);
        void Forward() => gpu.GpsaForward(qk, v, pos, gates, h, scale, content, attn, output);
        void Both()
        {
            Forward();
            gpu.GpsaBackward(dOut, qk, v, pos, gates, h, scale, content, attn, dqk, dv, dPos, dGates);
        }
        // FLOPs of the two batched products per direction (QKᵀ and attn·V forward; four of them backward).
        double fwdFlops = 2.0 * 2 * b * h * n * n * (d / h), bothFlops = 3 * fwdFlops;
        string shape = $"B{b} N{n} D{d} H{h}";
        // v3 (fused SIMT; v2's backward above 128 tokens), the tensor-core version (v4 up to 64 tokens, v6 up to 256)
        // and the cuBLAS reference path.
        var variants = new List<(string Name, AttentionPath Path, bool TensorCores)> { ("Fused", AttentionPath.Fused, false) };
        string coresName = $"Fused {GpsaKernels.TensorCoreVersion(n)} tensor cores";
        if (n <= GpsaKernels.LongTensorCoreMaxSequence) variants.Add((coresName, AttentionPath.Fused, true));
        variants.Add(("Reference", AttentionPath.Reference, false));
        var times = new Dictionary<string, double>();
        var savedCores = gpu.GpsaTensorCores;
        try
        {
            foreach (var (name, path, cores) in variants)
            {
                gpu.GpsaTensorCores = cores;
                var fwd = WithPath(gpu, path, () => timer.Median(Forward));
                var both = WithPath(gpu, path, () => timer.Median(Both));
                report.Bench($"gpsa forward ({name})", shape, fwd, 0, fwdFlops / fwd / 1e6);
                report.Bench($"gpsa forward+backward ({name})", shape, both, 0, bothFlops / both / 1e6);
                times[name] = both;
            }
        }
        finally { gpu.GpsaTensorCores = savedCores; }
        var best = times.Where(kv => kv.Key != "Reference").MinBy(kv => kv.Value);
        if (times.Count > 2)
        {
            report.Bench($"gpsa fwd+bwd speed-up (v3 / {GpsaKernels.TensorCoreVersion(n)} tensor cores)", shape, 0, 0, 0, $"{times["Fused"] / times[coresName]:F2}x");
            report.Bench("gpsa fastest fused version", shape, best.Value, 0, 0,
                         best.Key == "Fused" ? "v3: keep it" : $"{best.Key}: promote it (GpsaKernels.TensorCores default)");
        }
        report.Bench("gpsa fwd+bwd speed-up (reference / best fused)", shape, 0, 0, 0, $"{times["Reference"] / best.Value:F2}x");
        return (best.Value, times["Reference"]);
    }

    private static void TaskAttention(CudaBackend gpu, GpuTimer timer, Report report, int n, int t)
    {
        using var scope = TensorScope.Begin();
        int b = Batch, d = Dim, h = Heads;
        var q = Rand(gpu, 11, -1, 1, t, b, d);
        var kt = Rand(gpu, 12, -1, 1, t, b, d);
        var vt = Rand(gpu, 13, -1, 1, t, b, d);
        var kp = Rand(gpu, 14, -1, 1, b, n, d);
        var vp = Rand(gpu, 15, -1, 1, b, n, d);
        var dOut = Rand(gpu, 16, -1, 1, t, b, d);
        var attn = gpu.Empty(DType.Float32, [t, b, h, 1 + n]);
        var output = gpu.Empty(DType.Float32, [t, b, d]);
        var dq = gpu.Empty(DType.Float32, [t, b, d]);
        var dkt = gpu.Empty(DType.Float32, [t, b, d]);
        var dvt = gpu.Empty(DType.Float32, [t, b, d]);
        var dkp = gpu.Empty(DType.Float32, [b, n, d]);
        var dvp = gpu.Empty(DType.Float32, [b, n, d]);
        double scale = 1 / Math.Sqrt(d / h);
        void Both()
        {
            gpu.TaskAttentionForward(q, kt, vt, kp, vp, h, scale, attn, output);
            gpu.TaskAttentionBackward(dOut, q, kt, vt, kp, vp, h, scale, attn, dq, dkt, dvt, dkp, dvp);
        }
        // Compulsory bytes, each tensor once: K and V patches read forward and backward, dK/dV patches written; the
        // eight [T, B, D] rows (q, kTok, vTok, output forward; dOut, dq, dkTok, dvTok backward); attn written then read.
        double bytes = 4.0 * (2.0 * b * n * d * 2 + 2.0 * b * n * d + 8.0 * t * b * d + 2.0 * t * b * h * (1 + n));
        var shape = $"T{t} B{b} N{n} D{d} H{h}";
        var times = new Dictionary<string, double>();
        var savedVersion = gpu.TaskAttentionVersion;
        try
        {
            foreach (var version in new[] { 2, 3 })
            {
                gpu.TaskAttentionVersion = version;
                var us = WithPath(gpu, AttentionPath.Fused, () => timer.Median(Both));
                times[$"v{version}"] = us;
                report.Bench($"task attention fwd+bwd (Fused v{version})", shape, us, bytes / us / 1e3, 0, Roofline(bytes / us / 1e3));
            }
        }
        finally { gpu.TaskAttentionVersion = savedVersion; }
        report.Bench("task attention fwd+bwd speed-up (v2 / v3)", shape, 0, 0, 0, $"{times["v2"] / times["v3"]:F2}x");
        report.Bench("task attention fastest fused version", shape, Math.Min(times["v2"], times["v3"]), 0, 0,
                     times["v3"] < times["v2"] ? "v3: promote it (TaskAttentionKernels.Version default)" : "v2: keep it");
        if (t == 1) return; // the reference path once per shape, at T = 10
        var reference = WithPath(gpu, AttentionPath.Reference, () => timer.Median(Both));
        report.Bench("task attention fwd+bwd (Reference)", shape, reference, bytes / reference / 1e3, 0, Roofline(bytes / reference / 1e3));
    }

    /// <summary>The SAB's Linear layers forward and backward at <paramref name="rows"/> rows; returns their total time.</summary>
    private static double SabGemms(CudaBackend gpu, GpuTimer timer, Report report, int rows)
    {
        using var scope = TensorScope.Begin();
        (string Name, int In, int Out)[] layers =
            [("qk", Dim, 2 * Dim), ("v", Dim, Dim), ("proj", Dim, Dim), ("fc1", Dim, 4 * Dim), ("fc2", 4 * Dim, Dim)];
        var actions = new List<Action>();
        double total = 0, totalFlops = 0;
        int seed = 30;
        foreach (var (name, inF, outF) in layers)
        {
            var x = Rand(gpu, seed++, -1, 1, rows, inF);
            var w = Rand(gpu, seed++, -0.05, 0.05, outF, inF);
            var bias = Rand(gpu, seed++, -0.05, 0.05, outF);
            var y = gpu.Empty(DType.Float32, [rows, outF]);
            var dy = Rand(gpu, seed++, -1, 1, rows, outF);
            var dx = gpu.Empty(DType.Float32, [rows, inF]);
            var dw = gpu.Empty(DType.Float32, [outF, inF]);
            var db = gpu.Empty(DType.Float32, [outF]);
            void Layer()
            {
                gpu.Linear(x, w, bias, y);
                gpu.LinearBackward(dy, x, w, dx, dw, db);
            }
            double flops = 6.0 * rows * inF * outF;
            var us = timer.Median(Layer);
            report.Bench($"linear {name} fwd+bwd", $"{rows}x{inF}->{outF}", us, 0, flops / us / 1e6);
            actions.Add(Layer);
            totalFlops += flops;
        }
        total = timer.Median(() => { foreach (var a in actions) a(); });
        report.Bench("SAB GEMMs fwd+bwd (qk, v, proj, fc1, fc2)", $"{rows} rows", total, 0, totalFlops / total / 1e6);
        return total;
    }

    private static string Roofline(double gbs) => $"{100 * gbs / RooflineGBs:F0}% of 4.8 TB/s";

    private static void MemoryBound(CudaBackend gpu, GpuTimer timer, Report report, int rows)
    {
        using var scope = TensorScope.Begin();
        int c = Dim, hidden = 4 * Dim;
        void Row(string name, string shape, double bytes, Action run)
        {
            var us = timer.Median(run);
            report.Bench(name, shape, us, bytes / us / 1e3, 0, Roofline(bytes / us / 1e3));
        }

        var x = Rand(gpu, 40, -2, 2, rows, c);
        var gamma = Rand(gpu, 41, 0.5, 1.5, c);
        var beta = Rand(gpu, 42, -0.5, 0.5, c);
        var y = gpu.Empty(DType.Float32, [rows, c]);
        var mean = gpu.Empty(DType.Float32, [rows]);
        var rstd = gpu.Empty(DType.Float32, [rows]);
        var dy = Rand(gpu, 43, -1, 1, rows, c);
        var dx = gpu.Empty(DType.Float32, [rows, c]);
        var dGamma = gpu.Empty(DType.Float32, [c]);
        var dBeta = gpu.Empty(DType.Float32, [c]);
        double act = 4.0 * rows * c;
        Row("layernorm forward", $"{rows}x{c}", 2 * act, () => gpu.LayerNorm(x, gamma, beta, 1e-5, y, mean, rstd));
        Row("layernorm backward (dx, dγ, dβ)", $"{rows}x{c}", 3 * act, () => gpu.LayerNormBackward(dy, x, gamma, mean, rstd, dx, dGamma, dBeta));

        int sRows = Batch * Heads * CifarTokens, sCols = CifarTokens;
        var s = Rand(gpu, 44, -4, 4, sRows, sCols);
        var p = gpu.Empty(DType.Float32, [sRows, sCols]);
        var dp = Rand(gpu, 45, -1, 1, sRows, sCols);
        var ds = gpu.Empty(DType.Float32, [sRows, sCols]);
        double scores = 4.0 * sRows * sCols;
        Row("softmax forward", $"{sRows}x{sCols}", 2 * scores, () => gpu.Softmax(s, p));
        Row("softmax backward", $"{sRows}x{sCols}", 3 * scores, () => gpu.SoftmaxBackward(p, dp, ds));

        var hIn = Rand(gpu, 46, -3, 3, rows, hidden);
        var hOut = gpu.Empty(DType.Float32, [rows, hidden]);
        var dh = Rand(gpu, 47, -1, 1, rows, hidden);
        var dhIn = gpu.Empty(DType.Float32, [rows, hidden]);
        double mlp = 4.0 * rows * hidden;
        Row("gelu forward", $"{rows}x{hidden}", 2 * mlp, () => gpu.Unary(UnaryOp.Gelu, hIn, hOut));
        Row("gelu backward", $"{rows}x{hidden}", 3 * mlp, () => gpu.UnaryBackward(UnaryOp.Gelu, hIn, hOut, dh, dhIn));
    }

    /// <summary>AdamWStepMany over the parameters of the DyTox CIFAR model after two tasks (its real tensor list).</summary>
    private static void AdamWMany(CudaBackend gpu, GpuTimer timer, Report report)
    {
        using var model = new DyToxModel(DyToxConfig.Cifar, gpu, DType.Float32, new Rng(5));
        model.AddTask(10);
        model.AddTask(10);
        using var scope = TensorScope.Begin();
        var groups = new List<(Tensor, Tensor, Tensor, Tensor)>();
        long numel = 0;
        int seed = 60;
        foreach (var (_, param) in model.NamedParameters())
        {
            var shape = param.Value.Shape.ToArray();
            var m = gpu.Empty(DType.Float32, shape);
            var v = gpu.Empty(DType.Float32, shape);
            gpu.Fill(m, 0);
            gpu.Fill(v, 0);
            groups.Add((param.Value, Rand(gpu, seed++, -1e-2, 1e-2, shape), m, v));
            numel += param.Value.Numel;
        }
        var hyper = new AdamWHyper(1e-4, 0.9, 0.999, 1e-8, 1e-6, 1);
        double bytes = 7.0 * 4 * numel; // param, m, v read+written; grad read
        var us = timer.Median(() => gpu.AdamWStepMany(groups, hyper));
        report.Bench("adamw step (multi-tensor)", $"{groups.Count} tensors, {numel / 1e6:F2}M", us, bytes / us / 1e3, 0, Roofline(bytes / us / 1e3));
    }

    /// <summary>A DyTox ImageNet training step of task 2 (B=128, 224×224, 196 tokens, 10+10 classes), GPSA on v3/v2
    /// or, with <paramref name="tensorCores"/>, on v6.</summary>
    private static void ImageNetTrainingStep(CudaBackend gpu, GpuTimer timer, Report report, int reps, bool tensorCores, GemmMath gemm)
    {
        var blas = gpu.Driver.Blas;
        var saved = gpu.GpsaTensorCores;
        gpu.GpsaTensorCores = tensorCores;
        blas.Math = gemm;
        try
        {
            using var step = new DyToxStep(DyToxConfig.ImageNet, gpu, Batch, 10, 10);
            step.Run();
            var us = timer.Median(() => step.Run(), reps);
            string variant = string.Join(", ", new[] { tensorCores ? "GPSA v6 tensor cores" : null, GemmLabel(gemm) }.OfType<string>());
            report.Bench($"DyTox ImageNet training step (task 2{(variant.Length > 0 ? ", " + variant : "")})", $"B{Batch} 2 tasks", us, 0, 0,
                         $"{Batch / (us / 1e6):F0} images/s");
        }
        finally
        {
            gpu.GpsaTensorCores = saved;
            blas.Math = GemmMath.Float32;
        }
    }

    /// <summary>A whole DyTox CIFAR training step of task 2 (B=128, 10+10 classes): teacher + student forward, loss, backward, AdamW.
    /// <paramref name="tensorCores"/>: GPSA on v4 instead of v3; <paramref name="gemm"/>: cuBLAS GEMMs in TF32 or bf16 (the CLI's --tf32, --bf16-gemm).</summary>
    private static void TrainingStep(CudaBackend gpu, GpuTimer timer, Report report, int reps, bool tensorCores, GemmMath gemm = GemmMath.Float32)
    {
        var saved = gpu.GpsaTensorCores;
        var blas = gpu.Driver.Blas;
        gpu.GpsaTensorCores = tensorCores;
        blas.Math = gemm;
        try
        {
            using var step = new DyToxStep(DyToxConfig.Cifar, gpu, Batch, 10, 10);
            step.Run(); // an extra warm-up (kernel compiles, allocator growth) before the timer's own
            var us = timer.Median(() => step.Run(), reps);
            string variant = string.Join(", ", new[] { tensorCores ? "GPSA v4 tensor cores" : null, GemmLabel(gemm) }.OfType<string>());
            report.Bench($"DyTox CIFAR training step (task 2{(variant.Length > 0 ? ", " + variant : "")})", $"B{Batch} 2 tasks", us, 0, 0,
                         $"{Batch / (us / 1e6):F0} images/s");
        }
        finally
        {
            gpu.GpsaTensorCores = saved;
            blas.Math = GemmMath.Float32;
        }
    }

    /// <summary>Runs one benchmark; an exception becomes a report line (with the gpu-tests.txt grep word FAIL) instead of
    /// ending the benchmarks that follow. A sticky CUDA error (an illegal address) still poisons the context for them.</summary>
    private static void Guard(Report report, string name, Action body)
    {
        try { body(); }
        catch (Exception e) { report.Fail($"benchmark {name}: {e.GetType().Name}: {e.Message}"); }
    }

    private static string? GemmLabel(GemmMath gemm) => gemm switch
    {
        GemmMath.Tf32 => "TF32 GEMMs",
        GemmMath.Bf16 => "bf16 GEMMs",
        _ => null,
    };
}
