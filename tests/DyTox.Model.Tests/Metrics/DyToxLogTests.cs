using DyTox.Metrics;

namespace DyTox.Model.Tests.Metrics;

public class DyToxLogTests
{
    private static ContinualMetricsHistory FirstTwoSteps()
    {
        var h = new ContinualMetricsHistory();
        h.AddStep(10, new StepEvaluation([925], [1000], 990), 1000);
        h.AddStep(20, new StepEvaluation([877, 834], [1000, 1000], 1947), 1100);
        return h;
    }

    [Test]
    public void ReproducesTheLineFromIssue2()
    {
        var current = new StepEvaluation([800, 740, 820], [1000, 1000, 1000], 2847, meanLoss: 1.07032);
        var line = DyToxLogLine.Build(FirstTwoSteps(), current, task: 2, epoch: 19, new TrainingStats(1.25e-05, 0.0259),
            extra: [new("token_mean_dist", 0.58243), new("token_min_dist", 0.53487), new("token_max_dist", 0.61953)]);
        Assert.That(line.ToJson(), Is.EqualTo(
            "{\"task\": 2, \"epoch\": 19, \"acc\": 78.67, \"avg_acc\": 85.57, \"forgetting\": 6.25, " +
            "\"acc_per_task\": [80.0, 74.0, 82.0], \"train_lr\": 1.25e-05, \"bwt\": -4.17, \"fwt\": 80.57, " +
            "\"test_acc1\": 78.67, \"test_acc5\": 94.9, \"mean_acc5\": 97.08, \"train_loss\": 0.0259, " +
            "\"test_loss\": 1.07032, \"token_mean_dist\": 0.58243, \"token_min_dist\": 0.53487, \"token_max_dist\": 0.61953}"));
    }

    [Test]
    public void StandardFlavourUsesChaudhryAndGem()
    {
        var current = new StepEvaluation([800, 740, 820], [1000, 1000, 1000], 2847);
        var line = DyToxLogLine.Build(FirstTwoSteps(), current, 2, 19, new TrainingStats(0, 0), LoggedMetricFlavor.Standard);
        Assert.That(line.Forgetting, Is.EqualTo(10.95).Within(1e-9));
        Assert.That(line.Bwt, Is.EqualTo(-10.95).Within(1e-9));
        Assert.That(line.Fwt, Is.EqualTo(0));
    }

    [Test]
    public void BuildChecksStepConsistency()
    {
        var current = new StepEvaluation([1, 1], [2, 2]);
        Assert.That(() => DyToxLogLine.Build(FirstTwoSteps(), current, 1, 0, new TrainingStats(0, 0)),
            Throws.ArgumentException.With.Message.Contains("needs the 1 completed steps before it, got 2"));
    }

    [Test]
    public void WriterAppendsLinesAndTheAvgSummary()
    {
        string path = Path.Combine(Path.GetTempPath(), $"dytox-log-{Guid.NewGuid():N}", "logs_1.json");
        try
        {
            var history = FirstTwoSteps();
            using (var writer = new DyToxJsonLogWriter(path))
            {
                var first = new ContinualMetricsHistory();
                writer.Write(DyToxLogLine.Build(first, history.Steps[0].Evaluation, 0, 499, new TrainingStats(1e-5, 0.5)));
                writer.WriteSummary(history);
            }
            var lines = File.ReadAllLines(path);
            Assert.That(lines, Has.Length.EqualTo(2));
            Assert.That(lines[0], Does.StartWith("{\"task\": 0, \"epoch\": 499, \"acc\": 92.5, \"avg_acc\": 92.5, \"forgetting\": 0.0, \"acc_per_task\": [92.5]"));
            Assert.That(lines[1], Is.EqualTo("{\"avg\": 89.025}"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [TestCase(80.0, "80.0")]
    [TestCase(1.25e-05, "1.25e-05")]
    [TestCase(0.0259, "0.0259")]
    [TestCase(-4.17, "-4.17")]
    [TestCase(1e16, "1e+16")]
    [TestCase(0.0001, "0.0001")]
    [TestCase(0.00001, "1e-05")]
    [TestCase(123456.789, "123456.789")]
    [TestCase(1234567890123456.0, "1234567890123456.0")]
    [TestCase(12345678901234567.0, "1.2345678901234568e+16")]
    [TestCase(0.0, "0.0")]
    [TestCase(-0.5, "-0.5")]
    public void FloatsAreFormattedLikePython(double value, string expected) =>
        Assert.That(PythonJson.Float(value), Is.EqualTo(expected));
}
