using DyTox.Metrics;
using DyTox.Metrics.Results;

namespace DyTox.Model.Tests.Metrics.Results;

/// <summary>
/// report on hand-written run folders: which log line is final, grouping, mean ± sample std against hand values,
/// the written files, determinism, and the error sentences.
/// </summary>
public class ResultsReportTests
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        dir = Path.Combine(Path.GetTempPath(), "dytox-report-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    /// <summary>
    /// dytox-seed0: top-1 80 then 60 (R = [[80], [50, 70]]), top-5 95, 90; dytox-seed1: 90 then 70 (R = [[90], [60, 80]]),
    /// top-5 97, 92; naive-seed0: 85 then 40 (R = [[85], [0, 80]]), top-5 99, 70.
    /// </summary>
    private string[] ThreeRuns()
    {
        string seed0 = RunFolderFixture.Run(dir, "dytox-seed0", (80, [80], 95), (60, [50, 70], 90));
        // A resumed run logs task 1 again: an earlier epoch and a stale {"avg"} before the final lines must not count.
        var log = File.ReadAllLines(Path.Combine(seed0, "log.jsonl")).ToList();
        log.InsertRange(1, [RunFolderFixture.Line(1, 0, [10, 10], 10, 20), "", "{\"avg\": 45.0}"]);
        File.WriteAllLines(Path.Combine(seed0, "log.jsonl"), log);
        string seed1 = RunFolderFixture.Run(dir, "dytox-seed1", (90, [90], 97), (70, [60, 80], 92));
        string naive = RunFolderFixture.Run(dir, "naive-seed0", (85, [85], 99), (40, [0, 80], 70));
        return [seed0, naive, seed1];
    }

    private ResultsReport Report(IReadOnlyList<string>? labels = null) =>
        ResultsReport.Build(ThreeRuns().Select(RunFolderReader.Read).ToArray(), labels);

    [Test]
    public void ReadsTheLastEvaluationOfEachTask()
    {
        var run = RunFolderReader.Read(ThreeRuns()[0]);
        Assert.That(run.Top1PerStep, Is.EqualTo(new[] { 80.0, 60.0 }));
        Assert.That(run.Steps.Select(s => s.ClassesSeen), Is.EqualTo(new[] { 2, 4 }), "from initial_increment/increment");
        Assert.That(run.Avg, Is.EqualTo(70));
        Assert.That(run.Forgetting, Is.EqualTo(30));
        Assert.That(run.FinalParameters, Is.Null, "no steps.csv");
        Assert.That(run.ScenarioName, Is.EqualTo("synthetic 2-2 (B0 2 steps)"));
    }

    [Test]
    public void GroupsBySeedlessNameWithSampleStd()
    {
        var report = Report();
        Assert.That(report.Groups.Select(g => g.Label), Is.EqualTo(new[] { "dytox", "naive" }), "order of first appearance");
        var dytox = report.Groups[0];
        Assert.That(dytox.Runs.Select(r => r.Name), Is.EqualTo(new[] { "dytox-seed0", "dytox-seed1" }));
        double s = Math.Sqrt(50); // values 5 apart around the mean: sqrt((25 + 25) / (2 − 1))
        Assert.That(dytox.Avg.Mean, Is.EqualTo(75).Within(1e-12)); // (70 + 80) / 2
        Assert.That(dytox.Avg.Std, Is.EqualTo(s).Within(1e-12));
        Assert.That(dytox.Last.Mean, Is.EqualTo(65).Within(1e-12));
        Assert.That(dytox.Last.Std, Is.EqualTo(s).Within(1e-12));
        Assert.That(dytox.AvgTop5!.Value.Mean, Is.EqualTo(93.5).Within(1e-12)); // (92.5 + 94.5) / 2
        Assert.That(dytox.AvgTop5!.Value.Std, Is.EqualTo(Math.Sqrt(2)).Within(1e-12));
        Assert.That(dytox.LastTop5!.Value.Mean, Is.EqualTo(91).Within(1e-12));
        Assert.That(dytox.Forgetting.Mean, Is.EqualTo(30).Within(1e-12));
        Assert.That(dytox.Forgetting.Std, Is.EqualTo(0).Within(1e-12));
        Assert.That(dytox.Top1PerStep.Select(m => m.Mean), Is.EqualTo(new[] { 85.0, 65.0 }).Within(1e-12));
        var naive = report.Groups[1];
        Assert.That(naive.Avg, Is.EqualTo(new MeanStd(62.5, null, 1)));
        Assert.That(naive.Forgetting.Mean, Is.EqualTo(85));
    }

    [Test]
    public void ExplicitLabelsGroupAsGiven()
    {
        Assert.That(Report(["all"]).Groups.Single().Runs, Has.Count.EqualTo(3));
        var perRun = Report(["a", "b", "a"]);
        Assert.That(perRun.Groups.Select(g => (g.Label, g.Runs.Count)), Is.EqualTo(new[] { ("a", 2), ("b", 1) }));
        var e = Assert.Throws<ArgumentException>(() => Report(["a", "b"]));
        Assert.That(e!.Message, Does.Contain("2 labels for 3 runs"));
    }

    [TestCase("dytox-seed0", "dytox")]
    [TestCase("dytox_order2-seed1", "dytox")]
    [TestCase("der.run3", "der")]
    [TestCase("dytox-s16", "dytox-s16")]
    [TestCase("seed0", "seed0")]
    [TestCase("-seed0", "-seed0")]
    public void RunLabelsDropSeedAndOrderSuffixes(string name, string label) =>
        Assert.That(RunLabel.FromRunName(name), Is.EqualTo(label));

    [Test]
    public void WritesCsvMarkdownAndChart()
    {
        string output = Path.Combine(dir, "out");
        ReportFiles.Write(Report(), output);
        var csv = File.ReadAllLines(Path.Combine(output, "report.csv"));
        Assert.That(csv[0], Is.EqualTo(
            "label,runs,run_names,data_set,scenario,parameters_mean,parameters_std,avg_mean,avg_std,last_mean,last_std," +
            "avg_top5_mean,avg_top5_std,last_top5_mean,last_top5_std,forgetting_mean,forgetting_std,top1_2_mean,top1_2_std,top1_4_mean,top1_4_std"));
        Assert.That(csv[1], Is.EqualTo("dytox,2,dytox-seed0;dytox-seed1,synthetic,synthetic 2-2 (B0 2 steps),,,75,7.0711,65,7.0711,93.5,1.4142,91,1.4142,30,0,85,7.0711,65,7.0711"));
        Assert.That(csv[2], Is.EqualTo("naive,1,naive-seed0,synthetic,synthetic 2-2 (B0 2 steps),,,62.5,,40,,84.5,,70,,85,,85,,40,"));

        string md = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.That(md, Does.Contain("| dytox | 2 | - | 75.00 ± 7.07 | 65.00 ± 7.07 | 93.50 ± 1.41 | 91.00 ± 1.41 | 30.00 ± 0.00 |"));
        Assert.That(md, Does.Contain("| naive | 1 | - | 62.50 | 40.00 | 84.50 | 70.00 | 85.00 |"));
        Assert.That(md, Does.Contain("| Method | 2 | 4 |").And.Contain("| dytox | 85.00 ± 7.07 | 65.00 ± 7.07 |"));

        var chart = SvgAssert.Load(Path.Combine(output, "accuracy.svg"));
        Assert.That(SvgAssert.SeriesLabels(chart), Is.EqualTo(new[] { "dytox (n=2)", "naive" }));
        Assert.That(SvgAssert.Series(chart)[0].Elements().Count(e => (string?)e.Attribute("class") == "band"), Is.EqualTo(1), "± std band");
        Assert.That(SvgAssert.Series(chart)[1].Elements().Count(e => (string?)e.Attribute("class") == "band"), Is.Zero, "one run: no band");
    }

    [Test]
    public void AJointRunIsTheUpperBoundAtTheLastColumn()
    {
        // joint-seed0 / joint-seed1: one step over all 4 classes (a joint data file: initial_increment 4; config.json says
        // scenario_tasks 1, as train writes it), top-1 88 and 92.
        var runs = ThreeRuns().ToList();
        foreach (var (name, top1) in new[] { ("joint-seed0", 88.0), ("joint-seed1", 92.0) })
        {
            string joint = RunFolderFixture.Run(dir, name, (top1, [top1], 99));
            RunFolderFixture.Config(joint, initialIncrement: 4, increment: 4, method: "dytox", scenarioTasks: 1);
            runs.Add(joint);
        }
        var report = ResultsReport.Build(runs.Select(RunFolderReader.Read).ToArray());
        Assert.That(report.ClassesSeen, Is.EqualTo(new[] { 2, 4 }), "the incremental runs define the columns");
        Assert.That(report.Groups.Select(g => (g.Label, g.IsJoint)), Is.EqualTo(new[] { ("dytox", false), ("naive", false), ("joint", true) }));

        string output = Path.Combine(dir, "out");
        ReportFiles.Write(report, output);
        string md = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.That(md, Does.Contain("| joint | 2 | - | - | 90.00 ± 2.83 | - | 99.00 ± 0.00 | - |"));
        Assert.That(md, Does.Contain("| joint | - | 90.00 ± 2.83 |"));
        Assert.That(File.ReadAllLines(Path.Combine(output, "report.csv"))[3],
                    Is.EqualTo("joint,2,joint-seed0;joint-seed1,synthetic,synthetic 2-2 (B0 2 steps),,,,,90,2.8284,,,99,0,,,,,90,2.8284"));
        var chart = SvgAssert.Load(Path.Combine(output, "accuracy.svg"));
        Assert.That(SvgAssert.SeriesLabels(chart), Is.EqualTo(new[] { "dytox (n=2)", "naive", "joint (n=2)" }));

        // A joint run of another data set or class count, or one grouped with incremental runs, is refused.
        string other = RunFolderFixture.Run(dir, "joint-seed2", (70, [70], 99));
        RunFolderFixture.Config(other, initialIncrement: 6, increment: 6, method: "joint", scenarioTasks: 1);
        Assert.That(() => ResultsReport.Build(runs.Append(other).Select(RunFolderReader.Read).ToArray()),
                    Throws.TypeOf<InvalidDataException>().With.Message.Contain("synthetic, 6 classes"));
        Assert.That(() => ResultsReport.Build(runs.Select(RunFolderReader.Read).ToArray(), ["all"]),
                    Throws.ArgumentException.With.Message.Contain("mixes joint"));
    }

    [Test]
    public void WritingTwiceGivesTheSameBytes()
    {
        string a = Path.Combine(dir, "a"), b = Path.Combine(dir, "b");
        var files = ReportFiles.Write(Report(), a);
        ReportFiles.Write(Report(), b);
        foreach (string file in files)
            Assert.That(File.ReadAllBytes(Path.Combine(b, Path.GetFileName(file))), Is.EqualTo(File.ReadAllBytes(file)), Path.GetFileName(file));
    }

    [Test]
    public void StepsCsvSuppliesParameterCounts()
    {
        string run = RunFolderFixture.Run(dir, "dytox-seed0", (80, [80], 95), (60, [50, 70], 90));
        File.WriteAllText(Path.Combine(run, StepsCsv.FileName), StepsCsv.Render(RunResultFilesTests.ThreeSteps()).Split('\n')[..3].Aggregate((x, y) => x + "\n" + y) + "\n");
        var result = RunFolderReader.Read(run);
        Assert.That(result.FinalParameters, Is.EqualTo(1100));
        Assert.That(ReportMarkdown.Render(ResultsReport.Build([result])), Does.Contain("| #P (K) |").And.Contain("| dytox | 1 | 1.10 |"));
    }

    [Test]
    public void ACorruptLogLineNamesFileAndLine()
    {
        string run = RunFolderFixture.Run(dir, "r-seed0", (80, [80], 95));
        File.AppendAllText(Path.Combine(run, "log.jsonl"), "{\"task\": 1, \"acc\": 7\n");
        var e = Assert.Throws<InvalidDataException>(() => RunFolderReader.Read(run));
        Assert.That(e!.Message, Does.Contain("log.jsonl line 3").And.Contain("not valid JSON"));
    }

    /// <summary>Python's json writes non-finite floats as bare NaN / Infinity (a diverged test loss, say): the line
    /// still reads, and only the keys report needs must be finite.</summary>
    [Test]
    public void PythonsNonFiniteLiteralsInOtherKeysAreRead()
    {
        string run = RunFolderFixture.Run(dir, "r-seed0", (80, [80], 95));
        File.WriteAllLines(Path.Combine(run, "log.jsonl"),
            ["{\"task\": 0, \"acc\": 80.0, \"acc_per_task\": [80.0], \"test_loss\": NaN, \"train_loss\": Infinity, \"note\": \"NaN \\\" Infinity\"}",
             "{\"avg\": 80.0, \"x\": -Infinity}"]);
        Assert.That(RunFolderReader.Read(run).Steps[0].Top1, Is.EqualTo(80.0));
        File.WriteAllLines(Path.Combine(run, "log.jsonl"), ["{\"task\": 0, \"acc\": NaN, \"acc_per_task\": [80.0]}", "{\"avg\": 80.0}"]);
        var e = Assert.Throws<InvalidDataException>(() => RunFolderReader.Read(run));
        Assert.That(e!.Message, Does.Contain("line 1").And.Contain("\"acc\" must be a finite number"));
        Assert.That(PythonJson.ToStrictJson("{\"a\": [NaN, -Infinity], \"s\": \"NaN\\\"Infinity\"}"),
                    Is.EqualTo("{\"a\": [null, null], \"s\": \"NaN\\\"Infinity\"}"));
    }

    [Test]
    public void AMissingKeyIsNamed()
    {
        string run = RunFolderFixture.Run(dir, "r-seed0", (80, [80], 95));
        File.WriteAllLines(Path.Combine(run, "log.jsonl"), ["{\"task\": 0, \"acc_per_task\": [80.0]}", "{\"avg\": 80.0}"]);
        var e = Assert.Throws<InvalidDataException>(() => RunFolderReader.Read(run));
        Assert.That(e!.Message, Does.Contain("line 1").And.Contain("\"acc\""));
    }

    [Test]
    public void AMissingConfigIsNamed()
    {
        string run = RunFolderFixture.Run(dir, "r-seed0", (80, [80], 95));
        File.Delete(Path.Combine(run, "config.json"));
        var e = Assert.Throws<FileNotFoundException>(() => RunFolderReader.Read(run));
        Assert.That(e!.Message, Does.Contain(Path.Combine(run, "config.json")).And.Contain("missing"));
    }

    [Test]
    public void AnUnfinishedRunIsRejected()
    {
        string run = RunFolderFixture.Run(dir, "r-seed0", (80, [80], 95));
        File.AppendAllText(Path.Combine(run, "log.jsonl"), RunFolderFixture.Line(1, 0, [70, 60], 65, 90) + "\n");
        var e = Assert.Throws<InvalidDataException>(() => RunFolderReader.Read(run));
        Assert.That(e!.Message, Does.Contain("unfinished"));
    }

    [Test]
    public void AWrongNumberOfTaskAccuraciesIsRejected()
    {
        string run = RunFolderFixture.Run(dir, "r-seed0", (80, [80, 70], 95));
        var e = Assert.Throws<InvalidDataException>(() => RunFolderReader.Read(run));
        Assert.That(e!.Message, Does.Contain("task 0 must have 1 entries in \"acc_per_task\", found 2"));
    }

    [Test]
    public void RunsOfDifferentScenariosAreNotAveraged()
    {
        string a = RunFolderFixture.Run(dir, "a-seed0", (80, [80], 95), (60, [50, 70], 90));
        string b = RunFolderFixture.Run(dir, "a-seed1", (80, [80], 95), (60, [50, 70], 90));
        RunFolderFixture.Config(b, initialIncrement: 5, increment: 5);
        var e = Assert.Throws<InvalidDataException>(() => ResultsReport.Build([RunFolderReader.Read(a), RunFolderReader.Read(b)]));
        Assert.That(e!.Message, Does.Contain("different scenarios").And.Contain(a).And.Contain(b).And.Contain("2-2").And.Contain("5-5"));

        string c = RunFolderFixture.Run(dir, "a-seed2", (80, [80], 95)); // same increments, fewer tasks
        e = Assert.Throws<InvalidDataException>(() => ResultsReport.Build([RunFolderReader.Read(a), RunFolderReader.Read(c)]));
        Assert.That(e!.Message, Does.Contain("classes seen 2/4").And.Contain("classes seen 2."));
    }

    [Test]
    public void ARunGivenTwiceIsRejected()
    {
        var run = RunFolderReader.Read(RunFolderFixture.Run(dir, "a-seed0", (80, [80], 95)));
        var e = Assert.Throws<ArgumentException>(() => ResultsReport.Build([run, run]));
        Assert.That(e!.Message, Does.Contain("given twice"));
    }

    [Test]
    public void ABaseTaskScenarioIsNamedBothWays()
    {
        string run = RunFolderFixture.Run(dir, "a-seed0", (80, [80], 95), (60, [50, 70], 90), (50, [40, 50, 60], 80));
        RunFolderFixture.Config(run, initialIncrement: 4, increment: 2);
        var result = RunFolderReader.Read(run);
        Assert.That(result.Steps.Select(s => s.ClassesSeen), Is.EqualTo(new[] { 4, 6, 8 }));
        Assert.That(result.ScenarioName, Is.EqualTo("synthetic 4-2 (B4 2 steps)"), "DyTox's name and PyCIL's base + steps");
    }

    [Test]
    public void SampleStdOfOneRunIsAbsent()
    {
        Assert.That(MeanStd.Of([3.0]).Format(), Is.EqualTo("3.00"));
        Assert.That(MeanStd.Of([1.0, 2.0, 6.0]).Std, Is.EqualTo(Math.Sqrt(7)).Within(1e-12)); // mean 3, (4 + 1 + 9) / 2
    }
}
