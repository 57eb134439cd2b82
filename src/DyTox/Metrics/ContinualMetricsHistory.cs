namespace DyTox.Metrics;

/// <summary>The final evaluation of one training step (after its finetuning) plus the model size at that point and
/// what the step cost (null when unknown, e.g. histories restored from older checkpoints).</summary>
public sealed record StepRecord(int Step, int ClassesSeen, StepEvaluation Evaluation, long? ParameterCount, StepCost? Cost = null);

/// <summary>
/// Per-step results of a run; owns the <see cref="AccuracyMatrix"/> built from them and exposes the
/// summary numbers (Avg, Last, forgetting, BWT, old/new, #params).
/// </summary>
public sealed class ContinualMetricsHistory
{
    private readonly List<StepRecord> _steps = [];

    public AccuracyMatrix Matrix { get; } = new();

    public IReadOnlyList<StepRecord> Steps => _steps;

    public int StepCount => _steps.Count;

    public void AddStep(int classesSeen, StepEvaluation evaluation, long? parameterCount = null, StepCost? cost = null)
    {
        if (evaluation.TaskCount != _steps.Count + 1)
        {
            throw new ArgumentException(
                $"step {_steps.Count} must be evaluated on {_steps.Count + 1} tasks, got {evaluation.TaskCount}.");
        }
        _steps.Add(new StepRecord(_steps.Count, classesSeen, evaluation, parameterCount, cost));
        Matrix.AddRow(evaluation);
    }

    public IReadOnlyList<double> Top1PerStep => _steps.Select(s => s.Evaluation.Top1).ToArray();

    /// <summary>Top-5 per step, null when any step lacks it.</summary>
    public IReadOnlyList<double>? Top5PerStep =>
        _steps.All(s => s.Evaluation.Top5.HasValue) ? _steps.Select(s => s.Evaluation.Top5!.Value).ToArray() : null;

    public double AverageIncrementalAccuracy => ContinualMetrics.AverageIncrementalAccuracy(Top1PerStep);

    public double Last => ContinualMetrics.Last(Top1PerStep);

    public double? AverageTop5 => Top5PerStep is { Count: > 0 } t5 ? t5.Average() : null;

    public double? LastTop5 => Top5PerStep is { Count: > 0 } t5 ? t5[^1] : null;

    public double Forgetting => ContinualMetrics.Forgetting(Matrix, LastStep);

    public double ContinuumLoggedForgetting => ContinualMetrics.ContinuumLoggedForgetting(Matrix, LastStep);

    public double BackwardTransfer => ContinualMetrics.BackwardTransfer(Matrix, LastStep);

    public IReadOnlyList<long?> ParametersPerStep => _steps.Select(s => s.ParameterCount).ToArray();

    private int LastStep => _steps.Count > 0 ? _steps.Count - 1 : throw new InvalidOperationException("no step recorded yet.");
}
