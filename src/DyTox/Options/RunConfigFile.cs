using System.Text.Json.Nodes;

namespace DyTox.Options;

/// <summary>
/// <c>config.json</c> in a run's output folder: every option the run was trained with (<see cref="DyToxOptions.ToJson"/>,
/// like the reference's <c>config_&lt;trial&gt;.json</c>) plus <c>class_order_index</c>, the <c>--class-order</c> the run
/// used. It makes a run folder self-describing: <c>inspect</c> reads it instead of asking for the option files again.
/// </summary>
public static class RunConfigFile
{
    public const string FileName = "config.json";
    private const string ClassOrderKey = "class_order_index";

    /// <summary>Writes <c>config.json</c> into <paramref name="runDirectory"/> (created if needed), via a temporary file.</summary>
    public static void Write(string runDirectory, DyToxOptions options, int classOrderIndex)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(runDirectory);
        string path = Path.Combine(runDirectory, FileName), temp = path + ".tmp";
        File.WriteAllText(temp, options.ToJson(new Dictionary<string, long> { [ClassOrderKey] = classOrderIndex }));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The options and class-order index of the run in <paramref name="runDirectory"/>, or null when it has no
    /// <c>config.json</c> (runs from before it was written). A damaged file is an <see cref="OptionsException"/>.</summary>
    public static (DyToxOptions Options, int ClassOrderIndex)? TryRead(string runDirectory)
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
        root.Remove(ClassOrderKey);
        var options = new DyToxOptions();
        // JSON is YAML's flow syntax: the option loader reads it with the same key checks and value parsing.
        OptionsLoader.ApplyYaml(options, root.ToJsonString(), path);
        return (options, index);
    }
}
