using System.CommandLine;
using DyTox.Metrics.Results;
using DyTox.Options;

namespace DyTox.Cli;

/// <summary>
/// <c>report</c>: reads finished <c>train</c> run folders (config.json + log.jsonl), groups them by method (run name
/// without its -seedN/-orderN suffix, or <c>--label</c>) and writes report.csv, report.md and accuracy.svg with
/// mean ± sample std over each group's runs; prints the Markdown table.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var runs = new Argument<string[]>("run-dirs") { Description = "Run folders written by train (e.g. runs/cifar100/10-10/dytox-seed0), all of one scenario.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Where to write report.csv, report.md and accuracy.svg.", DefaultValueFactory = _ => "report" };
        var labels = new Option<string[]>("--label") { Description = "Method label: once for all runs, or once per run in order (default: each run's name without a trailing -seedN/-orderN/-runN).", AllowMultipleArgumentsPerToken = true };

        var command = new Command("report", "Aggregate finished runs: Avg, Last, top-5, forgetting and per-step top-1 as mean ± std per method.");
        command.Arguments.Add(runs);
        command.Options.Add(output);
        command.Options.Add(labels);
        command.SetAction(parse =>
        {
            try
            {
                var results = parse.GetValue(runs)!.Select(RunFolderReader.Read).ToArray();
                var report = ResultsReport.Build(results, parse.GetValue(labels) ?? []);
                string outDir = parse.GetValue(output)!;
                var files = ReportFiles.Write(report, outDir);
                Console.Write(ReportMarkdown.Render(report));
                Console.WriteLine();
                Console.WriteLine($"dytox report: wrote {string.Join(", ", files.Select(Path.GetFileName))} to {outDir}");
                return 0;
            }
            catch (Exception e) when (e is OptionsException or IOException or UnauthorizedAccessException or ArgumentException or InvalidDataException)
            {
                Console.Error.WriteLine($"dytox report: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
