using BenchmarkDotNet.Running;

namespace DyTox.Bench;

internal static class Program
{
    // e.g. dotnet run -c Release --project bench/DyTox.Bench -- --filter '*Gemm*'
    private static int Main(string[] args)
    {
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
