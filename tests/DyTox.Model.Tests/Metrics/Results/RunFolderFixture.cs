using System.Globalization;
using DyTox.Options;

namespace DyTox.Model.Tests.Metrics.Results;

/// <summary>Writes run folders as train leaves them (config.json + log.jsonl), with hand-chosen accuracies.</summary>
internal static class RunFolderFixture
{
    /// <summary>One evaluation line in the reference's key order (only the keys report reads carry real values).</summary>
    public static string Line(int task, int epoch, double[] perTask, double top1, double top5) => string.Create(CultureInfo.InvariantCulture,
        $"{{\"task\": {task}, \"epoch\": {epoch}, \"acc\": {top1}, \"avg_acc\": 0.0, \"forgetting\": 0.0, \"acc_per_task\": [{string.Join(", ", perTask.Select(a => a.ToString(CultureInfo.InvariantCulture)))}], " +
        $"\"train_lr\": 0.0005, \"bwt\": 0.0, \"fwt\": 0.0, \"test_acc1\": {top1}, \"test_acc5\": {top5}, \"mean_acc5\": 0.0, \"train_loss\": 0.1, \"test_loss\": 0.0}}");

    public static string Config(string runDirectory, int initialIncrement = 2, int increment = 2, string dataSet = "synthetic", int classOrder = 0,
                                string? method = null, int? scenarioTasks = null)
    {
        var o = new DyToxOptions();
        o.Set("data_set", dataSet);
        o.Set("initial_increment", initialIncrement.ToString(CultureInfo.InvariantCulture));
        o.Set("increment", increment.ToString(CultureInfo.InvariantCulture));
        RunConfigFile.Write(runDirectory, o, classOrder, method, scenarioTasks);
        return runDirectory;
    }

    /// <summary>A finished run: per task, its final (top-1, per-task accuracies, top-5), then the {"avg"} line.</summary>
    public static string Run(string root, string name, params (double Top1, double[] PerTask, double Top5)[] tasks)
    {
        string run = Config(Path.Combine(root, name));
        var lines = tasks.Select((t, i) => Line(i, 3, t.PerTask, t.Top1, t.Top5)).ToList();
        lines.Add(string.Create(CultureInfo.InvariantCulture, $"{{\"avg\": {tasks.Average(t => t.Top1)}}}"));
        File.WriteAllLines(Path.Combine(run, "log.jsonl"), lines);
        return run;
    }
}
