using System.Diagnostics;
using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Bench.Gemm;

/// <summary>
/// OpenBLAS and the managed GEMM called alternately in one process, so both see the same machine load (the 2-core
/// machine is shared; BenchmarkDotNet runs cases one after another in separate processes). Reports best and median
/// GFLOP/s per provider and the managed/OpenBLAS ratio. Run: DyTox.Bench --gemm-h2h [rounds] [fmnist]
/// (fmnist: the weight-gradient shapes of the Fashion-MNIST model instead of the CIFAR linear layers).
/// </summary>
public static unsafe class GemmHeadToHead
{
    public const string Switch = "--gemm-h2h";

    public static int Run(string[] args)
    {
        int rounds = args.Length > 1 && int.TryParse(args[1], out var r) ? r : 30;
        if (!CpuGemm.IsOpenBlasAvailable) { Console.Error.WriteLine("OpenBLAS not available"); return 1; }
        CpuGemm.Provider = GemmProvider.OpenBlas;
        Console.WriteLine($"OpenBLAS: {CpuGemm.Describe}");
        CpuGemm.Provider = GemmProvider.Managed;
        Console.WriteLine($"Managed:  {CpuGemm.Describe}");
        Console.WriteLine($"{"shape",-36} {"OpenBLAS best",14} {"median",8} {"Managed best",13} {"median",8} {"ratio best",11} {"ratio median",13}");
        var shapes = args.Length > 2 && args[2] == "fmnist" ? GemmShape.FmnistWeightGradients() : GemmShape.DyToxLinear();
        foreach (var shape in shapes)
        {
            using var buffers = new GemmBuffers(shape);
            var open = new List<double>();
            var managed = new List<double>();
            for (int i = 0; i < rounds + 2; i++)
            {
                double o = Time(GemmProvider.OpenBlas, shape, buffers), m = Time(GemmProvider.Managed, shape, buffers);
                if (i < 2) continue; // warm-up
                open.Add(shape.Flops / o / 1e9);
                managed.Add(shape.Flops / m / 1e9);
            }
            double ob = open.Max(), om = Median(open), mb = managed.Max(), mm = Median(managed);
            Console.WriteLine($"{shape,-36} {ob,14:F1} {om,8:F1} {mb,13:F1} {mm,8:F1} {mb / ob,11:F2} {mm / om,13:F2}");
        }
        CpuGemm.Provider = GemmProvider.Auto;
        return 0;
    }

    private static double Time(GemmProvider provider, GemmShape s, GemmBuffers b)
    {
        CpuGemm.Provider = provider;
        var sw = Stopwatch.StartNew();
        CpuGemm.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, 1f, b.A, s.Lda, b.B, s.Ldb, 0f, b.C, s.N);
        return sw.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> xs)
    {
        var sorted = xs.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : 0.5 * (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]);
    }
}
