using DyTox.Cli;
using DyTox.Model.Tests.Metrics.Results;

namespace DyTox.Model.Tests.Cli;

/// <summary>The result files of <c>train</c> and the <c>report</c> command as a user runs them.</summary>
[TestFixture]
[NonParallelizable] // redirects Console
public class ResultFilesCommandTests
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        dir = Path.Combine(Path.GetTempPath(), "dytox-cli-results-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    [Test]
    public void TrainWritesResultFilesAndReportAveragesTwoSeeds()
    {
        string options = Path.Combine(dir, "tiny.yaml");
        File.WriteAllText(options, CliRunner.TinySynthetic);
        var runs = new List<string>();
        foreach (string seed in new[] { "0", "1" })
        {
            var (code, output, error) = CliRunner.Run(TrainCommand.Create(), "--options", options, "--output-basedir", dir, "--name", "dytox-seed" + seed, "--seed", seed, "--quiet");
            Assert.That(code, Is.Zero, error);
            Assert.That(output, Does.Contain("Results: accuracy_matrix.csv, steps.csv"));
            runs.Add(Path.Combine(dir, "synthetic", "misc", "dytox-seed" + seed));
        }
        string run = runs[0];
        var steps = File.ReadAllLines(Path.Combine(run, "steps.csv"));
        Assert.That(steps, Has.Length.EqualTo(3));
        Assert.That(steps[1], Does.StartWith("0,5,"));
        Assert.That(steps[2], Does.StartWith("1,10,"));
        int parameters = Array.IndexOf(steps[0].Split(','), "parameters");
        Assert.That(steps[2].Split(',')[parameters], Does.Match("^[0-9]+$"), "parameter count of the final model");
        Assert.That(File.ReadAllLines(Path.Combine(run, "accuracy_matrix.csv"))[0], Is.EqualTo("step,task_0,task_1"));
        Assert.That(SvgAssert.Series(SvgAssert.Load(Path.Combine(run, "plots", "accuracy.svg"))), Has.Count.EqualTo(2)); // top-1, top-5
        Assert.That(SvgAssert.Series(SvgAssert.Load(Path.Combine(run, "plots", "parameters.svg"))), Has.Count.EqualTo(1));
        Assert.That(SvgAssert.Cells(SvgAssert.Load(Path.Combine(run, "plots", "accuracy_matrix.svg"))), Is.EqualTo(3));

        // The log's top-1 per task is what steps.csv says (2 decimals in the log).
        var log = File.ReadAllLines(Path.Combine(run, "log.jsonl"));
        double loggedLast = System.Text.Json.JsonDocument.Parse(log[^2]).RootElement.GetProperty("acc").GetDouble();
        Assert.That(double.Parse(steps[2].Split(',')[2], System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(loggedLast).Within(0.005));

        // The joint upper bound of the same data: one task over all classes, reported as its own one-number row.
        var (jointCode, _, jointError) = CliRunner.Run(TrainCommand.Create(), "--options", options, "--output-basedir", dir, "--name", "joint-seed0", "--method", "joint", "--quiet");
        Assert.That(jointCode, Is.Zero, jointError);
        string joint = Path.Combine(dir, "synthetic", "misc", "joint-seed0");
        var (both, bothOut, bothError) = CliRunner.Run(ReportCommand.Create(), runs[0], runs[1], joint, "--out", Path.Combine(dir, "with-joint"));
        Assert.That(both, Is.Zero, bothError);
        Assert.That(bothOut, Does.Match(@"\| joint \| 1 \| [0-9.]+ \| - \| [0-9.]+ \|"));
        Assert.That(SvgAssert.SeriesLabels(SvgAssert.Load(Path.Combine(dir, "with-joint", "accuracy.svg"))), Is.EqualTo(new[] { "dytox (n=2)", "joint" }));

        string report = Path.Combine(dir, "report");
        var (rc, stdout, stderr) = CliRunner.Run(ReportCommand.Create(), runs[0], runs[1], "--out", report);
        Assert.That(rc, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("| Method | Runs | #P (K) | Avg | Last |").And.Contain("| dytox | 2 |").And.Contain(" ± "));
        Assert.That(File.ReadAllText(Path.Combine(report, "report.md")), Is.EqualTo(stdout[..stdout.IndexOf("\ndytox report:", StringComparison.Ordinal)]));
        Assert.That(File.ReadAllLines(Path.Combine(report, "report.csv")), Has.Length.EqualTo(2));
        Assert.That(SvgAssert.SeriesLabels(SvgAssert.Load(Path.Combine(report, "accuracy.svg"))), Is.EqualTo(new[] { "dytox (n=2)" }));
    }

    [Test]
    public void ReportErrorsAreOneLineNamingTheRun()
    {
        string good = RunFolderFixture.Run(dir, "a-seed0", (80, [80], 95));
        string missing = Path.Combine(dir, "nope");
        var (code, _, error) = CliRunner.Run(ReportCommand.Create(), good, missing, "--out", Path.Combine(dir, "out"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.StartWith("dytox report: ").And.Contain(missing).And.Contain("does not exist"));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));

        File.WriteAllText(Path.Combine(good, "config.json"), "{ not json");
        (code, _, error) = CliRunner.Run(ReportCommand.Create(), good, "--out", Path.Combine(dir, "out"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain(Path.Combine(good, "config.json")));
        Assert.That(Directory.Exists(Path.Combine(dir, "out")), Is.False, "nothing written on error");
    }

    [Test]
    public void ReportNeedsARunFolder()
    {
        var (code, _, error) = CliRunner.Run(ReportCommand.Create());
        Assert.That(code, Is.Not.Zero);
        Assert.That(error, Does.Contain("Required argument missing"));
    }
}
