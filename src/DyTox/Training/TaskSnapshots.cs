using System.Text.Json;
using System.Text.Json.Nodes;
using DyTox.Data;

namespace DyTox.Training;

/// <summary>
/// The state at each task boundary, kept in <c>&lt;output&gt;/checkpoint-tasks/task{k}/</c> (the original's per-task
/// <c>checkpoint_&lt;task&gt;.pth</c> + memory): the model after tasks 0..k−1 (safetensors, the original's names), the
/// rehearsal memory and the accuracy history. A new run can start from one of them — the original's
/// <c>--resume DIR --start-task k</c> — with its own settings (say, other epochs or another rehearsal for the later
/// tasks): <see cref="SeedRun"/> copies the snapshot into the new run's checkpoint and the trainer continues at task k.
/// At a boundary the teacher and the optimiser are not needed (the next task clones its teacher and starts a fresh
/// optimiser), so a snapshot is the size of the model plus the memory's index list.
/// </summary>
public static class TaskSnapshots
{
    public const string FolderName = "checkpoint-tasks";
    private static readonly string[] Files = ["model.safetensors", "memory.json", "state.json"];

    // The files a snapshot holds: the above, and with distributed memories the other ranks' memory files.
    private static IEnumerable<string> FilesIn(string directory) =>
        Files.Concat(Directory.GetFiles(directory, "memory.rank*.json").Select(Path.GetFileName).Order(StringComparer.Ordinal)!)!;

    public static string PathOf(string runDirectory, int task) => Path.Combine(runDirectory, FolderName, $"task{task}");

    /// <summary>Copies the boundary checkpoint (written just before, at the start of task <paramref name="task"/>) to its snapshot folder.</summary>
    public static void Keep(string checkpointDirectory, string runDirectory, int task)
    {
        string target = PathOf(runDirectory, task), temp = target + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        foreach (var file in FilesIn(checkpointDirectory)) File.Copy(Path.Combine(checkpointDirectory, file), Path.Combine(temp, file));
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
        Directory.Move(temp, target);
    }

    /// <summary>
    /// Starts the run in <paramref name="runDirectory"/> from task <paramref name="startTask"/> of the run in
    /// <paramref name="source"/> (a run folder, its <c>checkpoint-tasks</c> folder, or a <c>task{k}</c> snapshot):
    /// the snapshot becomes the new run's checkpoint under the new settings' fingerprint, and the source's log lines of
    /// tasks before k start the new log, so the new run's Avg and reports cover every task.
    /// </summary>
    public static void SeedRun(string source, int startTask, string runDirectory, string checkpointDirectory, Func<string> fingerprint,
                               ClassIncrementalScenario scenario)
    {
        if (startTask < 1 || startTask >= scenario.TaskCount)
            throw new ArgumentException($"start_task {startTask} must be between 1 and {scenario.TaskCount - 1} (the scenario has {scenario.TaskCount} tasks).");
        string snapshot = Find(source, startTask);
        var state = JsonNode.Parse(File.ReadAllText(Path.Combine(snapshot, "state.json"))) as JsonObject
            ?? throw new InvalidDataException($"{snapshot}/state.json is not a JSON object.");
        int task = (int?)state["task"] ?? -1;
        var classes = state["classes_per_task"]?.AsArray().Select(n => (int)n!).ToArray() ?? [];
        var expected = Enumerable.Range(0, startTask).Select(t => scenario.Task(t).ClassCount).ToArray();
        if (task != startTask || !classes.SequenceEqual(expected))
            throw new InvalidDataException(
                $"snapshot {snapshot} is at task {task} with classes per task [{string.Join(", ", classes)}]; starting task {startTask} of this scenario needs [{string.Join(", ", expected)}].");
        state["fingerprint"] = fingerprint();
        state["teacher_tasks"] = 0; // not kept: the next task clones its teacher from the model

        string temp = checkpointDirectory + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        foreach (var file in FilesIn(snapshot).Where(f => f != "state.json")) File.Copy(Path.Combine(snapshot, file), Path.Combine(temp, file));
        File.WriteAllText(Path.Combine(temp, "state.json"), state.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Directory.Move(temp, checkpointDirectory);
        Keep(checkpointDirectory, runDirectory, startTask); // the new run holds its starting point too (runs can chain)

        string sourceLog = Path.Combine(RunFolderOf(snapshot), "log.jsonl"), log = Path.Combine(runDirectory, "log.jsonl");
        if (File.Exists(sourceLog) && !File.Exists(log))
        {
            var earlier = File.ReadLines(sourceLog).Where(line => TaskOf(line) is int t && t < startTask);
            File.WriteAllLines(log, earlier);
        }
    }

    private static string Find(string source, int task)
    {
        foreach (var candidate in new[] { PathOf(source, task), Path.Combine(source, $"task{task}"), source })
            if (File.Exists(Path.Combine(candidate, "state.json")) && File.Exists(Path.Combine(candidate, "model.safetensors"))
                && Path.GetFileName(Path.TrimEndingDirectorySeparator(candidate)) == $"task{task}")
                return candidate;
        string folder = Directory.Exists(Path.Combine(source, FolderName)) ? Path.Combine(source, FolderName) : source;
        var available = Directory.Exists(folder) ? Directory.GetDirectories(folder, "task*").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray() : [];
        throw new DirectoryNotFoundException(
            $"resume {source}: no snapshot of task {task} (expected {PathOf(source, task)}); available: {(available.Length == 0 ? "none" : string.Join(", ", available))}.");
    }

    /// <summary>The run folder of a snapshot folder (…/run/checkpoint-tasks/task{k}).</summary>
    private static string RunFolderOf(string snapshot) =>
        Path.GetDirectoryName(Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(snapshot)))!)!;

    private static int? TaskOf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(Metrics.PythonJson.ToStrictJson(line)); // a NaN test loss must not drop the line
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("task", out var t) && t.TryGetInt32(out int v) ? v : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
