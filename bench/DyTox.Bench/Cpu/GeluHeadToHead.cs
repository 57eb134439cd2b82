using System.Diagnostics;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Bench.Cpu;

/// <summary>
/// The float32 GELU forward and backward, current (CpuBackend.Unary / UnaryBackward) against the previous
/// implementation (<see cref="PreviousVectorGelu"/>, driven over the same 16K-element chunks), called alternately
/// in one process so both see the same load on the shared 2-core machine. Shapes: the DyTox MLP activation of
/// CIFAR (batch 32: 2048 tokens × 1536) and Fashion-MNIST (6272 × 512); inputs normal(0, 1) (transformer
/// pre-activations) and uniform [−10, 10] (wide range: the 1/x² tail piece); 1 and 2 threads. Prints best and
/// median ns/element. Run: DyTox.Bench --gelu-h2h [rounds]
/// </summary>
public static unsafe class GeluHeadToHead
{
    public const string Switch = "--gelu-h2h";
    private const int Chunk = 16 * 1024;

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 && int.TryParse(args[1], out var r) ? r : 15;
        var cpu = CpuBackend.Instance;
        Console.WriteLine($"{"case",-44} {"previous best",14} {"median",8} {"current best",13} {"median",8} {"speed-up best",14} {"median",7}");
        foreach (var (rows, width) in new[] { (2048, 1536), (6272, 512) })
        foreach (var normal in new[] { true, false })
        {
            var x = Fill(cpu, rows, width, normal ? rng => rng.Normal() : rng => rng.Uniform(-10, 10), 11);
            var dy = Fill(cpu, rows, width, rng => rng.Uniform(-1, 1), 12);
            var y = cpu.Empty(DType.Float32, [rows, width]);
            foreach (int threads in new[] { 1, 2 })
            {
                CpuParallel.MaxDegreeOfParallelism = threads;
                string shape = $"{rows}x{width} {(normal ? "normal(0,1)" : "U[-10,10]"),-11} {threads}T";
                Compare($"forward  {shape}", rounds, x.Numel,
                    () => Previous(x, y, null), () => cpu.Unary(UnaryOp.Gelu, x, y));
                Compare($"backward {shape}", rounds, x.Numel,
                    () => Previous(x, y, dy), () => cpu.UnaryBackward(UnaryOp.Gelu, x, x, dy, y));
            }
            x.Dispose();
            dy.Dispose();
            y.Dispose();
        }
        CpuParallel.MaxDegreeOfParallelism = -1;
        return 0;
    }

    private static TensorT Fill(CpuBackend cpu, int rows, int width, Func<Rng, double> draw, ulong seed)
    {
        var t = cpu.Empty(DType.Float32, [rows, width]);
        var rng = new Rng(seed);
        var s = t.Span<float>();
        for (int i = 0; i < s.Length; i++) s[i] = (float)draw(rng);
        return t;
    }

    /// <summary>The previous kernels over the backend's chunking: forward when dy is null, else backward into y.</summary>
    private static void Previous(TensorT x, TensorT y, TensorT? dy)
    {
        float* px = (float*)x.Address, py = (float*)y.Address, pg = dy is null ? null : (float*)dy.Address;
        long n = x.Numel;
        CpuParallel.For(CpuParallel.ChunkCount(n, Chunk), Chunk * 16L, (begin, end) =>
        {
            for (int c = begin; c < end; c++)
            {
                long start = (long)c * Chunk;
                int len = (int)Math.Min(Chunk, n - start);
                if (pg is null) PreviousVectorGelu.Forward(px + start, py + start, len);
                else PreviousVectorGelu.Backward(px + start, pg + start, py + start, len);
            }
        });
    }

    private static void Compare(string name, int rounds, long elements, Action previous, Action current)
    {
        // Warm-up until both run tier-1 code: ≥ 40 calls and ≥ 1.5 s. With 0.5 s the first backward case still
        // timed the tier-0 (PGO-instrumented or on-stack-replaced) loop, 1.7× slower, on the busy 2 cores.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 40 || warm.Elapsed.TotalSeconds < 1.5; i++)
        {
            previous();
            current();
        }
        var before = new List<double>();
        var after = new List<double>();
        for (int i = 0; i < rounds; i++)
        {
            before.Add(Time(previous) * 1e9 / elements);
            after.Add(Time(current) * 1e9 / elements);
        }
        double pb = before.Min(), pm = Median(before), cb = after.Min(), cm = Median(after);
        Console.WriteLine($"{name,-44} {pb,14:F3} {pm,8:F3} {cb,13:F3} {cm,8:F3} {pb / cb,14:F2} {pm / cm,7:F2}");
    }

    private static double Time(Action a)
    {
        var sw = Stopwatch.StartNew();
        a();
        return sw.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> xs)
    {
        var sorted = xs.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }
}
