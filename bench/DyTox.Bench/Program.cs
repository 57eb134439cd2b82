using BenchmarkDotNet.Running;
using DyTox.Bench.Gemm;

namespace DyTox.Bench;

internal static class Program
{
    // e.g. dotnet run -c Release --project bench/DyTox.Bench -- --filter '*Gemm*'
    //      dotnet run -c Release --project bench/DyTox.Bench -- --gemm-h2h 30   (interleaved OpenBLAS vs managed)
    //      dotnet run -c Release --project bench/DyTox.Bench -- --gelu-h2h 15      (GELU fwd/bwd, previous vs current)
    //      dotnet run -c Release --project bench/DyTox.Bench -- profile [cifar|fmnist-small|all] [iterations]
    //      dotnet run -c Release --project bench/DyTox.Bench -- --data-pipeline [seconds]   (host time to prepare a batch)
    private static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == GemmHeadToHead.Switch) return GemmHeadToHead.Run(args);
        if (args.Length > 0 && args[0] == Cpu.GeluHeadToHead.Switch) return Cpu.GeluHeadToHead.Run(args);
        if (args.Length > 0 && args[0] == Data.DataPipelineThroughput.Switch) return Data.DataPipelineThroughput.Run(args);
        if (args.Length > 0 && args[0] == "profile")
        {
            Model.DyToxStepProfile.Run(args.Length > 1 ? args[1] : "all", args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 8);
            return 0;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
