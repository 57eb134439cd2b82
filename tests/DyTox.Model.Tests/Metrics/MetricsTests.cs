using DyTox.Metrics;

namespace DyTox.Model.Tests.Metrics;

public class MetricsTests
{
    // Issue #2 history: task 0 = 92.5, 87.7, 80.0, 71.3; task 1 = 83.4, 74.0, 69.8; task 2 = 82.0, 75.0; task 3 = 85.0.
    private static AccuracyMatrix IssueMatrix() => AccuracyMatrix.FromPercentages(
    [
        [92.5],
        [87.7, 83.4],
        [80.0, 74.0, 82.0],
        [71.3, 69.8, 75.0, 85.0],
    ]);

    [Test]
    public void LoggedForgettingReproducesTheReferenceLog()
    {
        var m = IssueMatrix();
        Assert.That(ContinualMetrics.ContinuumLoggedForgetting(m, 0), Is.EqualTo(0));
        Assert.That(ContinualMetrics.ContinuumLoggedForgetting(m, 1), Is.EqualTo(0));
        Assert.That(ContinualMetrics.ContinuumLoggedForgetting(m, 2), Is.EqualTo(6.25).Within(1e-9));
        Assert.That(ContinualMetrics.ContinuumLoggedForgetting(m, 3), Is.EqualTo(11.6).Within(1e-9));
    }

    [Test]
    public void StandardForgetting_Chaudhry()
    {
        var m = IssueMatrix();
        Assert.That(ContinualMetrics.Forgetting(m, 0), Is.EqualTo(0));
        Assert.That(ContinualMetrics.Forgetting(m, 1), Is.EqualTo(92.5 - 87.7).Within(1e-9));
        Assert.That(ContinualMetrics.Forgetting(m, 2), Is.EqualTo((12.5 + 9.4) / 2).Within(1e-9));
        Assert.That(ContinualMetrics.Forgetting(m, 3), Is.EqualTo((21.2 + 13.6 + 7.0) / 3).Within(1e-9));
    }

    [Test]
    public void StandardForgettingUsesTheMaximumNotTheFirstAccuracy()
    {
        var m = AccuracyMatrix.FromPercentages([[50.0], [70.0, 90.0], [40.0, 60.0, 80.0]]);
        Assert.That(ContinualMetrics.Forgetting(m, 2), Is.EqualTo(((70 - 40) + (90 - 60)) / 2.0).Within(1e-9));
        Assert.That(ContinualMetrics.BackwardTransfer(m, 2), Is.EqualTo(((40 - 50) + (60 - 90)) / 2.0).Within(1e-9));
    }

    [Test]
    public void BackwardTransferVariants()
    {
        var m = IssueMatrix();
        Assert.That(ContinualMetrics.BackwardTransfer(m, 2), Is.EqualTo(-21.9 / 2).Within(1e-9));
        Assert.That(ContinualMetrics.BackwardTransfer(m, 3), Is.EqualTo(-41.8 / 3).Within(1e-9));
        Assert.That(ContinualMetrics.BackwardTransferAllPairs(m, 2), Is.EqualTo((-4.8 - 12.5 - 9.4) / 3).Within(1e-9));
        Assert.That(ContinualMetrics.ContinuumLoggedBackwardTransfer(m, 2), Is.EqualTo(-12.5 / 3).Within(1e-9));
        Assert.That(ContinualMetrics.ContinuumLoggedForwardTransfer(m, 2), Is.EqualTo((87.7 + 80.0 + 74.0) / 3).Within(1e-9));
        Assert.That(ContinualMetrics.ContinuumLoggedForwardTransfer(m, 1), Is.EqualTo(87.7).Within(1e-9));
    }

    [Test]
    public void ForwardTransferNeedsFutureEvaluations()
    {
        Assert.That(ContinualMetrics.ForwardTransfer(IssueMatrix(), 2), Is.Null);
        var m = AccuracyMatrix.FromPercentages([[90.0, 10.0], [80.0, 85.0, 20.0], [70.0, 75.0, 88.0]]);
        Assert.That(ContinualMetrics.ForwardTransfer(m, 2), Is.EqualTo(15.0).Within(1e-9));
    }

    [Test]
    public void AccuracyAAverageAndLast()
    {
        var m = IssueMatrix();
        Assert.That(ContinualMetrics.AccuracyA(m, 1), Is.EqualTo((92.5 + 87.7 + 83.4) / 3).Within(1e-9));
        Assert.That(ContinualMetrics.AverageIncrementalAccuracy([92.5, 85.55, 78.0]), Is.EqualTo(256.05 / 3).Within(1e-9));
        Assert.That(ContinualMetrics.Last([92.5, 85.55, 78.0]), Is.EqualTo(78.0));
        Assert.That(ContinualMetrics.ModelSizeGrowth([100, 110, 125]), Is.EqualTo((1 + 100.0 / 110 + 0.8) / 3).Within(1e-12));
        Assert.That(ContinualMetrics.ModelSizeGrowth([100]), Is.EqualTo(1.0));
    }

    [Test]
    public void OldAndNewAccuracyAreSampleWeighted()
    {
        var m = new AccuracyMatrix();
        m.AddRow([90.0]);
        m.AddRow([85.0, 95.0]);
        m.AddRow([80.0, 74.0, 82.0], [100, 300, 100]);
        Assert.That(ContinualMetrics.OldAccuracy(m, 0), Is.Null);
        Assert.That(ContinualMetrics.OldAccuracy(m, 1), Is.EqualTo(85.0));
        Assert.That(ContinualMetrics.OldAccuracy(m, 2), Is.EqualTo(75.5).Within(1e-9));
        Assert.That(ContinualMetrics.NewAccuracy(m, 2), Is.EqualTo(82.0));
    }

    [Test]
    public void MissingEntriesGiveAClearError()
    {
        var m = AccuracyMatrix.FromPercentages([[90.0], [80.0]]);
        Assert.That(() => ContinualMetrics.Forgetting(m, 1), Throws.Nothing);
        Assert.That(() => ContinualMetrics.BackwardTransfer(AccuracyMatrix.FromPercentages([[90.0], [double.NaN, 3.0]]), 1),
            Throws.InvalidOperationException.With.Message.Contains("task 0 after step 1"));
        Assert.That(() => m.AddRow([101.0]), Throws.ArgumentException);
    }

    [Test]
    public void CsvOfTheMatrix()
    {
        var csv = AccuracyMatrix.FromPercentages([[92.5], [87.7, 83.4]]).ToCsv();
        Assert.That(csv, Is.EqualTo("step,task_0,task_1\n0,92.5,\n1,87.7,83.4\n"));
    }

    [Test]
    public void AccumulatorCountsTop1TopKAndTasks()
    {
        var acc = new EvaluationAccumulator(2);
        float[] logits =
        [
            0.1f, 0.9f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, // label 1: top-1 correct
            0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f, 0.3f, // label 4: rank 5 → top-5 correct, top-1 wrong
            0.9f, 0.8f, 0.7f, 0.6f, 0.5f, 0.4f, 0.3f, // label 6: rank 7 → wrong
            0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, // all tied, label 0 → first index wins
        ];
        acc.AddLogits(logits, 7, [1, 4, 6, 0], [0, 1, 1, 0]);
        var e = acc.ToEvaluation();
        Assert.That(e.CorrectPerTask, Is.EqualTo(new long[] { 2, 0 }));
        Assert.That(e.TotalPerTask, Is.EqualTo(new long[] { 2, 2 }));
        Assert.That(e.Top1, Is.EqualTo(50.0));
        Assert.That(e.Top5, Is.EqualTo(75.0));
        Assert.That(e.PerTaskAccuracy(), Is.EqualTo(new[] { 100.0, 0.0 }));
    }

    [Test]
    public void AccumulatorCountsLabelsAgainstTopOnePredictions()
    {
        var acc = new EvaluationAccumulator(2);
        acc.AddLogits([0.9f, 0.1f, 0.0f, /**/ 0.2f, 0.1f, 0.7f, /**/ 0.1f, 0.8f, 0.1f], 3, [0, 1, 2], [0, 0, 1]);
        acc.AddLogits([0.5f, 0.2f, 0.3f], 3, [2], [1]);
        var c = acc.ToEvaluation().Confusion!;
        Assert.That(c.ClassCount, Is.EqualTo(3));
        Assert.That((c[0, 0], c[1, 2], c[2, 1], c[2, 0]), Is.EqualTo((1L, 1L, 1L, 1L)));
        Assert.That(c.Between(2, 3, 0, 2), Is.EqualTo(2), "the new class's images predicted as old classes");
        Assert.That(c.ToCsv(["a", "b,c", "d"]), Is.EqualTo(
            "label,class,pred_0,pred_1,pred_2\n0,a,1,0,0\n1,\"b,c\",0,0,1\n2,d,1,1,0\n"));
        Assert.That(() => acc.AddLogits([0f, 1f], 2, [0], [0]), Throws.ArgumentException.With.Message.Contain("same 3 classes"));
    }

    [Test]
    public void AccumulatorTestLossIsTheMeanOverBatchesOfEachBatchsMeanCrossEntropy()
    {
        var acc = new EvaluationAccumulator(1);
        acc.AddLogits([0f, 0f, 2f, 0f], 2, [0, 1], [0, 0]); // −log softmax: ln 2 and ln(1 + e²)
        acc.AddLogits([1f, 0f], 2, [0], [0]);               // a smaller last batch: ln(1 + e⁻¹)
        double first = (Math.Log(2) + Math.Log(1 + Math.Exp(2))) / 2, second = Math.Log(1 + Math.Exp(-1));
        // The reference's MetricLogger weights batches equally, not samples.
        Assert.That(acc.ToEvaluation().MeanLoss, Is.EqualTo((first + second) / 2).Within(1e-15));
        Assert.That(new EvaluationAccumulator(1).ToEvaluation().MeanLoss, Is.Null);
    }

    [Test]
    public void HistoryBuildsTheMatrixAndSummary()
    {
        var h = new ContinualMetricsHistory();
        h.AddStep(10, new StepEvaluation([925], [1000], 990), 1000);
        h.AddStep(20, new StepEvaluation([877, 834], [1000, 1000], 1947), 1100);
        Assert.That(h.Matrix[1, 0], Is.EqualTo(87.7).Within(1e-9));
        Assert.That(h.AverageIncrementalAccuracy, Is.EqualTo((92.5 + 85.55) / 2).Within(1e-9));
        Assert.That(h.Last, Is.EqualTo(85.55).Within(1e-9));
        Assert.That(h.AverageTop5, Is.EqualTo((99.0 + 97.35) / 2).Within(1e-9));
        Assert.That(h.Forgetting, Is.EqualTo(4.8).Within(1e-9));
        Assert.That(() => h.AddStep(30, new StepEvaluation([1], [1]), null), Throws.ArgumentException);
        string table = SummaryTableRenderer.Render(h, "fmnist 2-2");
        Assert.That(table, Does.StartWith("fmnist 2-2\n"));
        Assert.That(table, Does.Contain("Avg (incremental top-1): 89.03").And.Contain("Last top-1:              85.55"));
        Assert.That(table, Does.Contain("1,100").And.Contain("87.70 83.40"));

        // Rounded like the log and the console: 100·5938/8000 is the double 74.22499…, so 74.22 (not 74.23).
        var tie = new ContinualMetricsHistory();
        tie.AddStep(8, new StepEvaluation([5938], [8000]));
        Assert.That(SummaryTableRenderer.Render(tie), Does.Contain("Last top-1:              74.22"));
    }
}
