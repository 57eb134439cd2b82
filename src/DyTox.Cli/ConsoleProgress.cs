using System.Diagnostics;
using DyTox.Metrics;
using DyTox.Training;
using Spectre.Console;

namespace DyTox.Cli;

/// <summary>Shows training progress on the console: one line per epoch (loss, learning rate, images/s,
/// ETA of the phase) and the evaluation after each task.</summary>
internal sealed class ConsoleProgress : ITrainingObserver
{
    private readonly Stopwatch run = Stopwatch.StartNew();
    private readonly Stopwatch phase = new();
    private readonly IAnsiConsole console;
    private readonly bool quiet;
    private int tasks;

    public ConsoleProgress(IAnsiConsole console, bool quiet)
    {
        this.console = console;
        this.quiet = quiet;
    }

    public void OnTaskStart(int task, int tasks, int classesSeen, int trainImages)
    {
        this.tasks = tasks;
        console.MarkupLine($"[bold]task {task + 1}/{tasks}[/]: {classesSeen} classes seen, {trainImages} training images");
    }

    public void OnEpochStart(int task, TrainerPhase phase, int epoch, int epochs, int steps)
    {
        if (epoch == 0) this.phase.Restart();
    }

    public void OnEpochEnd(int task, TrainerPhase phase, int epoch, double meanLoss, double learningRate, double imagesPerSecond)
    {
        if (quiet) return;
        double perEpoch = this.phase.Elapsed.TotalSeconds / (epoch + 1);
        console.MarkupLine(Markup.Escape(
            $"  {phase.ToString().ToLowerInvariant(),-8} epoch {epoch + 1,3}  loss {meanLoss:F4}  lr {learningRate:E2}  {imagesPerSecond,7:F0} img/s  elapsed {Format(run.Elapsed)}"));
    }

    public void OnEvaluation(int task, int epoch, StepEvaluation evaluation, bool final)
    {
        var perTask = string.Join(" ", evaluation.PerTaskAccuracy().Select(a => a.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)));
        console.MarkupLine(Markup.Escape($"  {(final ? "eval" : "eval (interim)")}: top-1 {evaluation.Top1:F2}%  per task [{perTask}]"));
    }

    public void OnTaskEnd(int task, StepEvaluation evaluation, ContinualMetricsHistory history)
    {
        double eta = run.Elapsed.TotalSeconds / (task + 1) * (tasks - task - 1);
        console.MarkupLine(Markup.Escape($"  after task {task + 1}: Avg {history.AverageIncrementalAccuracy:F2}%  Last {history.Last:F2}%  (ETA {Format(TimeSpan.FromSeconds(eta))})"));
        if (history.Steps[^1].Cost is { } cost)
            console.MarkupLine(Markup.Escape(FormattableString.Invariant(
                $"  task {task + 1} took {Format(TimeSpan.FromSeconds(cost.Seconds))}; peak memory: host {cost.PeakHostBytes / 1048576.0:F0} MiB, tensors {cost.PeakTensorBytes / 1048576.0:F0} MiB in use ({cost.TensorPoolBytes / 1048576.0:F0} MiB pooled)")));
    }

    public void OnMessage(string message)
    {
        if (!quiet) console.MarkupLine(Markup.Escape("  " + message));
    }

    private static string Format(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss") : t.ToString(@"m\:ss");
}
