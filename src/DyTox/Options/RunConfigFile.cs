using System.Text.Json.Nodes;

namespace DyTox.Options;

/// <summary>
/// <c>config.json</c> in a run's output folder: every option the run was trained with (<see cref="DyToxOptions.ToJson"/>,
/// like the reference's <c>config_&lt;trial&gt;.json</c>) plus <c>class_order_index</c>, the <c>--class-order</c> the run
/// used, <c>method</c>, <c>scenario_tasks</c> and <c>compute</c> (backend, dtype and GEMM arithmetic, and the device count when above one, e.g. "cuda, float32, gemm Tf32, 2 devices":
/// not an option, since results depend on it only at rounding level, but part of what produced the numbers). It makes a run folder self-describing: <c>inspect</c> reads it instead of asking for the option files again.
/// </summary>
public static class RunConfigFile
{
    public const string FileName = "config.json";
    private const string ClassOrderKey = "class_order_index";
    private const string MethodKey = "method";
    private const string TasksKey = "scenario_tasks";
    private const string ComputeKey = "compute";

    /// <summary>What config.json says about a run: its options, the class order it used, and (when train wrote them)
    /// the method (dytox, naive, joint) and the number of tasks of its scenario (1 = joint training).</summary>
    public sealed record RunConfig(DyToxOptions Options, int ClassOrderIndex, string? Method, int? ScenarioTasks);

    /// <summary>Writes <c>config.json</c> into <paramref name="runDirectory"/> (created if needed), via a temporary file.</summary>
    public static void Write(string runDirectory, DyToxOptions options, int classOrderIndex, string? method = null, int? scenarioTasks = null,
                             string? compute = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(runDirectory);
        string path = Path.Combine(runDirectory, FileName), temp = path + ".tmp";
        var root = (JsonObject)JsonNode.Parse(options.ToJson(new Dictionary<string, long> { [ClassOrderKey] = classOrderIndex }))!;
        if (method is not null) root[MethodKey] = method;
        if (scenarioTasks is not null) root[TasksKey] = scenarioTasks.Value;
        if (compute is not null) root[ComputeKey] = compute;
        File.WriteAllText(temp, root.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The options and class-order index of the run in <paramref name="runDirectory"/>, or null when it has no
    /// <c>config.json</c> (runs from before it was written). A damaged file is an <see cref="OptionsException"/>.</summary>
    public static RunConfig? TryRead(string runDirectory)
    {
        string path = Path.Combine(runDirectory, FileName);
        if (!File.Exists(path)) return null;
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new OptionsException($"{path}: expected a JSON object of options.");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new OptionsException($"{path}: invalid JSON: {e.Message}");
        }
        int index = 0;
        if (root[ClassOrderKey] is JsonValue v && v.TryGetValue<int>(out var i)) index = i;
        string? method = root[MethodKey] is JsonValue m && m.TryGetValue<string>(out var name) ? name : null;
        int? tasks = root[TasksKey] is JsonValue t && t.TryGetValue<int>(out var count) ? count : null;
        foreach (var key in new[] { ClassOrderKey, MethodKey, TasksKey, ComputeKey }) root.Remove(key);
        var options = new DyToxOptions();
        // JSON is YAML's flow syntax: the option loader reads it with the same key checks and value parsing.
        OptionsLoader.ApplyYaml(options, root.ToJsonString(), path);
        return new RunConfig(options, index, method, tasks);
    }
}
