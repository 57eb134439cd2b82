using System.CommandLine;

namespace DyTox.Cli;

internal static class Program
{
    private static int Main(string[] args)
    {
        var root = new RootCommand("DyTox.Native: DyTox (dynamic token expansion, CVPR 2022) on a from-scratch C# engine.");
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(InspectCommand.Create());
        root.Subcommands.Add(ReportCommand.Create());
        return root.Parse(args).Invoke();
    }
}
