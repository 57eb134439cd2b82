using System.Globalization;
using System.Text.Json;
using DyTox.Options;

namespace DyTox.Metrics.Results;

/// <summary>
/// Reads a finished <c>train</c> run folder for <c>report</c>: <c>config.json</c> (data set, increments, class order, seed)
/// and <c>log.jsonl</c>, where the last evaluation line of each task is that task's final result (a resumed run
/// appends, so later lines win). The log must end with the <c>{"avg": …}</c> line train writes when a run completes.
/// <c>steps.csv</c>, when present, supplies the classes seen and parameter counts; without it the classes seen follow
/// from the increments. Every problem is an <see cref="InvalidDataException"/> or <see cref="FileNotFoundException"/>
/// naming the file.
/// </summary>
public static class RunFolderReader
{
    public const string LogFileName = "log.jsonl";

    public static RunResults Read(string runDirectory)
    {
        if (!Directory.Exists(runDirectory))
            throw new DirectoryNotFoundException($"run folder {runDirectory} does not exist.");
        string configPath = Path.Combine(runDirectory, RunConfigFile.FileName);
        var config = RunConfigFile.TryRead(runDirectory)
            ?? throw new FileNotFoundException($"{configPath} is missing: report needs the config.json that train writes into the run folder.", configPath);
        var o = config.Options;
        var finals = ReadFinalEvaluations(Path.Combine(runDirectory, LogFileName));

        int first = o.InitialIncrement > 0 ? o.InitialIncrement : o.Increment;
        var classesSeen = Enumerable.Range(0, finals.Count).Select(t => first + t * o.Increment).ToArray();
        var parameters = new long?[finals.Count];
        string stepsPath = Path.Combine(runDirectory, StepsCsv.FileName);
        if (File.Exists(stepsPath)) ReadStepsCsv(stepsPath, classesSeen, parameters);

        var steps = finals.Select((e, t) => new RunStepResult(classesSeen[t], e.Top1, e.Top5, e.PerTask, parameters[t])).ToArray();
        return new RunResults(runDirectory, o.DataSet, o.InitialIncrement, o.Increment, config.ClassOrderIndex, o.Seed, steps)
        {
            IsJoint = config.ScenarioTasks == 1,
        };
    }

    private sealed record Evaluation(double Top1, double? Top5, double[] PerTask);

    private static List<Evaluation> ReadFinalEvaluations(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: the run has no evaluation log.", path);
        var byTask = new SortedDictionary<int, Evaluation>();
        bool endsWithSummary = false;
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{path} line {lineNumber}";
            using var doc = Parse(line, where);
            var root = doc.RootElement;
            if (root.TryGetProperty("task", out var taskElement))
            {
                int task = taskElement.TryGetInt32(out int t) && t >= 0 ? t : throw new InvalidDataException($"{where}: \"task\" must be a non-negative integer.");
                var perTask = Array(root, "acc_per_task", where);
                if (perTask.Length != task + 1)
                    throw new InvalidDataException($"{where}: task {task} must have {task + 1} entries in \"acc_per_task\", found {perTask.Length}.");
                double? top5 = root.TryGetProperty("test_acc5", out _) ? Number(root, "test_acc5", where) : null;
                byTask[task] = new Evaluation(Number(root, "acc", where), top5, perTask);
                endsWithSummary = false;
            }
            else if (root.TryGetProperty("avg", out _))
            {
                Number(root, "avg", where);
                endsWithSummary = true;
            }
            else
            {
                throw new InvalidDataException($"{where}: neither an evaluation (\"task\") nor a summary (\"avg\") line.");
            }
        }
        if (byTask.Count == 0) throw new InvalidDataException($"{path} holds no evaluation line.");
        if (byTask.Keys.Last() != byTask.Count - 1)
        {
            int missing = Enumerable.Range(0, byTask.Count).First(t => !byTask.ContainsKey(t));
            throw new InvalidDataException($"{path} has no evaluation of task {missing} but has later tasks.");
        }
        if (!endsWithSummary)
            throw new InvalidDataException($"{path} does not end with the {{\"avg\": …}} line of a finished run: the run is unfinished (resume it with the same train command) or was interrupted.");
        return byTask.Values.ToList();
    }

    private static JsonDocument Parse(string line, string where)
    {
        try
        {
            // Python's json (the original's logs, and ours for a non-finite loss) writes NaN/Infinity bare.
            var doc = JsonDocument.Parse(PythonJson.ToStrictJson(line));
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc;
            doc.Dispose();
            throw new InvalidDataException($"{where}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{where}: not valid JSON ({e.Message}).", e);
        }
    }

    private static double Number(JsonElement root, string key, string where)
    {
        if (!root.TryGetProperty(key, out var v) || v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out double d) || !double.IsFinite(d))
            throw new InvalidDataException($"{where}: \"{key}\" must be a finite number.");
        return d;
    }

    private static double[] Array(JsonElement root, string key, string where)
    {
        if (!root.TryGetProperty(key, out var v) || v.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{where}: \"{key}\" must be an array of numbers.");
        var values = new double[v.GetArrayLength()];
        int i = 0;
        foreach (var item in v.EnumerateArray())
        {
            values[i] = item.ValueKind == JsonValueKind.Number && item.TryGetDouble(out double d) && d is >= 0 and <= 100 ? d
                : throw new InvalidDataException($"{where}: \"{key}\"[{i}] is not an accuracy in [0, 100].");
            i++;
        }
        return values;
    }

    /// <summary>Takes classes_seen and parameters from the run's own <c>steps.csv</c> (one row per logged task).</summary>
    private static void ReadStepsCsv(string path, int[] classesSeen, long?[] parameters)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToArray();
        if (lines.Length == 0) throw new InvalidDataException($"{path} is empty.");
        var header = lines[0].Split(',');
        int classesColumn = System.Array.IndexOf(header, "classes_seen"), parametersColumn = System.Array.IndexOf(header, "parameters");
        if (classesColumn < 0 || parametersColumn < 0)
            throw new InvalidDataException($"{path}: the header must name the columns classes_seen and parameters.");
        if (lines.Length - 1 != classesSeen.Length)
            throw new InvalidDataException($"{path} has {lines.Length - 1} steps but log.jsonl has {classesSeen.Length} finished tasks.");
        for (int t = 0; t < classesSeen.Length; t++)
        {
            var cells = lines[t + 1].Split(',');
            if (cells.Length != header.Length || !int.TryParse(cells[classesColumn], NumberStyles.None, CultureInfo.InvariantCulture, out classesSeen[t]))
                throw new InvalidDataException($"{path} line {t + 2}: expected {header.Length} cells with an integer classes_seen.");
            string p = cells[parametersColumn];
            parameters[t] = p.Length == 0 ? null
                : long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n
                : throw new InvalidDataException($"{path} line {t + 2}: parameters \"{p}\" is not an integer.");
        }
    }
}
