using BenchmarkDotNet.Running;
using DyTox.Bench.Gemm;

namespace DyTox.Bench;

internal static class Program
{
    // e.g. dotnet run -c Release --project bench/DyTox.Bench -- --filter '*Gemm*'
    //      dotnet run -c Release --project bench/DyTox.Bench -- --gemm-h2h 30   (interleaved OpenBLAS vs managed)
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == GemmHeadToHead.Switch) return GemmHeadToHead.Run(args);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
