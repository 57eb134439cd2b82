using DyTox.Metrics;

namespace DyTox.Training;

/// <summary>Which part of a task the trainer is in.</summary>
public enum TrainerPhase
{
    Train,
    Finetune,
    Memory,
    Evaluate,
}

/// <summary>Progress of one optimisation step.</summary>
public readonly record struct StepProgress(int Task, TrainerPhase Phase, int Epoch, int Epochs, int Step, int Steps,
                                           double Loss, double LearningRate, double ImagesPerSecond);

/// <summary>Receives the trainer's progress (the CLI shows it; tests may record it).</summary>
public interface ITrainingObserver
{
    void OnTaskStart(int task, int tasks, int classesSeen, int trainImages) { }
    void OnEpochStart(int task, TrainerPhase phase, int epoch, int epochs, int steps) { }
    void OnStep(in StepProgress progress) { }
    void OnEpochEnd(int task, TrainerPhase phase, int epoch, double meanLoss, double learningRate, double imagesPerSecond) { }
    void OnEvaluation(int task, int epoch, StepEvaluation evaluation, bool final) { }
    void OnTaskEnd(int task, StepEvaluation evaluation, ContinualMetricsHistory history) { }
    void OnMessage(string message) { }
}

/// <summary>An observer that ignores everything.</summary>
public sealed class SilentObserver : ITrainingObserver
{
    public static readonly SilentObserver Instance = new();
}
