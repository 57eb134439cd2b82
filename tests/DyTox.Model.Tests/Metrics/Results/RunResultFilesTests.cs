using DyTox.Metrics;
using DyTox.Metrics.Results;

namespace DyTox.Model.Tests.Metrics.Results;

/// <summary>steps.csv / accuracy_matrix.csv against a hand-computed three-step history, and the per-run SVG plots.</summary>
public class RunResultFilesTests
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        dir = Path.Combine(Path.GetTempPath(), "dytox-results-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    /// <summary>
    /// R = [[90], [70, 80], [60, 50, 90]] with 100/300/100 test images at step 2, so old-class accuracy is weighted by
    /// samples: (60 + 150) / 400 = 52.5, not the plain mean 55.
    /// </summary>
    internal static ContinualMetricsHistory ThreeSteps(bool top5 = true, bool parameters = true)
    {
        var h = new ContinualMetricsHistory();
        h.AddStep(2, new StepEvaluation([90], [100], top5 ? 99 : -1), parameters ? 1000 : null);
        h.AddStep(4, new StepEvaluation([70, 80], [100, 100], top5 ? 190 : -1), parameters ? 1100 : null);
        h.AddStep(6, new StepEvaluation([60, 150, 90], [100, 300, 100], top5 ? 450 : -1), parameters ? 1200 : null,
                  parameters ? new StepCost(12.34567, 2_000_000_000, 300_000_000, 400_000_000) : null);
        return h;
    }

    [Test]
    public void StepsCsvHoldsTheHandComputedNumbers()
    {
        // avg_top1 step 2 = (90 + 75 + 60) / 3 = 75; avg_top5 = (99 + 95 + 90) / 3 = 94.6667;
        // forgetting step 2 = ((90 − 60) + (80 − 50)) / 2 = 30; bwt = ((60 − 90) + (50 − 80)) / 2 = −30.
        Assert.That(StepsCsv.Render(ThreeSteps()), Is.EqualTo(
            "step,classes_seen,top1,top5,avg_top1,avg_top5,old,new,forgetting,bwt,parameters,seconds,peak_host_bytes,peak_tensor_bytes,tensor_pool_bytes\n" +
            "0,2,90,99,90,99,,90,0,0,1000,,,,\n" +
            "1,4,75,95,82.5,97,70,80,20,-20,1100,,,,\n" +
            "2,6,60,90,75,94.6667,52.5,90,30,-30,1200,12.3457,2000000000,300000000,400000000\n"));
    }

    [Test]
    public void StepsCsvLeavesUnmeasuredTop5AndParametersEmpty()
    {
        var lines = StepsCsv.Render(ThreeSteps(top5: false, parameters: false)).Split('\n');
        Assert.That(lines[3], Is.EqualTo("2,6,60,,75,,52.5,90,30,-30,,,,,"));
    }

    [Test]
    public void WritesMatrixStepsAndPlots()
    {
        var written = RunResultFiles.Write(dir, ThreeSteps(), "tiny: DyTox");
        Assert.That(written.Select(p => Path.GetRelativePath(dir, p)), Is.EqualTo(new[]
        {
            "accuracy_matrix.csv", "steps.csv", Path.Combine("plots", "accuracy.svg"), Path.Combine("plots", "parameters.svg"),
            Path.Combine("plots", "accuracy_matrix.svg"),
        }));
        Assert.That(File.ReadAllText(Path.Combine(dir, "accuracy_matrix.csv")), Is.EqualTo(
            "step,task_0,task_1,task_2\n0,90,,\n1,70,80,\n2,60,50,90\n"));

        var accuracy = SvgAssert.Load(Path.Combine(dir, "plots", "accuracy.svg"));
        Assert.That(SvgAssert.SeriesLabels(accuracy), Is.EqualTo(new[] { "top-1", "top-5" }));
        Assert.That(SvgAssert.Texts(accuracy), Does.Contain("number of classes seen").And.Contain("6"));
        var parameters = SvgAssert.Load(Path.Combine(dir, "plots", "parameters.svg"));
        Assert.That(SvgAssert.SeriesLabels(parameters), Is.EqualTo(new[] { "#params" }));
        Assert.That(SvgAssert.Texts(parameters), Does.Contain("parameters (K)"));
        Assert.That(double.Parse(SvgAssert.YTickLabels(parameters)[0], System.Globalization.CultureInfo.InvariantCulture), Is.Zero,
                    "growth is drawn against zero");
        var matrix = SvgAssert.Load(Path.Combine(dir, "plots", "accuracy_matrix.svg"));
        Assert.That(SvgAssert.Cells(matrix), Is.EqualTo(6), "the lower triangle of a 3×3 matrix");
        Assert.That(SvgAssert.Texts(matrix), Does.Contain("50.0").And.Contain("90.0").And.Contain("70.0"));
    }

    [Test]
    public void WithoutTop5OrParameterCountsOnlyTop1IsPlotted()
    {
        RunResultFiles.Write(dir, ThreeSteps(top5: false, parameters: false), "t");
        Assert.That(SvgAssert.SeriesLabels(SvgAssert.Load(Path.Combine(dir, "plots", "accuracy.svg"))), Is.EqualTo(new[] { "top-1" }));
        Assert.That(File.Exists(Path.Combine(dir, "plots", "parameters.svg")), Is.False);
    }

    [Test]
    public void WritingTwiceGivesTheSameBytes()
    {
        string a = Path.Combine(dir, "a"), b = Path.Combine(dir, "b");
        var first = RunResultFiles.Write(a, ThreeSteps(), "same");
        RunResultFiles.Write(b, ThreeSteps(), "same");
        foreach (string path in first)
        {
            string other = Path.Combine(b, Path.GetRelativePath(a, path));
            Assert.That(File.ReadAllBytes(other), Is.EqualTo(File.ReadAllBytes(path)), Path.GetRelativePath(a, path));
        }
    }

    [Test]
    public void AnEmptyHistoryIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => RunResultFiles.Write(dir, new ContinualMetricsHistory(), "t"));
        Assert.That(e!.Message, Does.Contain("no step"));
    }
}
