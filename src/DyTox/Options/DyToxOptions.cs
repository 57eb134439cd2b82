using System.Globalization;
using System.Text;
using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace DyTox.Options;

public sealed partial class DyToxOptions
{
    private readonly Dictionary<string, string> _sources = new(StringComparer.Ordinal);

    /// <summary>Where the current value of <paramref name="key"/> came from ("default", a file, "command line").</summary>
    public string SourceOf(string key) => _sources.TryGetValue(key, out var s) ? s : "default";

    /// <summary>
    /// Overrides one option from text (command line): the text is read as a YAML value, so
    /// <c>Set("epochs", "5")</c>, <c>Set("class_order", "[3, 1, 2]")</c> and <c>Set("freeze_ft", "sab")</c> work.
    /// <paramref name="key"/> may use dashes (<c>--batch-size</c>).
    /// </summary>
    public void Set(string key, string value, string source = "command line")
    {
        var stream = new YamlStream();
        YamlNode node;
        try
        {
            stream.Load(new StringReader("v: " + value));
            node = ((YamlMappingNode)stream.Documents[0].RootNode).Children[new YamlScalarNode("v")];
        }
        catch (Exception e) when (e is YamlException or InvalidCastException or KeyNotFoundException)
        {
            throw new OptionsException($"{source}: option \"{key}\" value \"{value}\" is not a valid YAML value.");
        }
        SetNode(OptionSchema.NormalizeName(key), node, source, line: null);
    }

    /// <summary>Sets an option from a typed value (a boxed int, double, bool, string, list…), checked against its kind.</summary>
    public void SetValue(string key, object? value, string source = "command line")
    {
        string name = OptionSchema.NormalizeName(key);
        if (!OptionSchema.TryGet(name, out var option))
        {
            throw UnknownKey(name, source, null);
        }
        try
        {
            option.Set(this, value);
        }
        catch (InvalidCastException)
        {
            throw new OptionsException(
                $"{source}: option \"{name}\" expects {option.ExpectedType}, got a {value?.GetType().Name ?? "null"}.");
        }
        catch (NullReferenceException)
        {
            throw new OptionsException($"{source}: option \"{name}\" expects {option.ExpectedType}, got null.");
        }
        _sources[name] = source;
    }

    internal void SetNode(string key, YamlNode node, string source, long? line)
    {
        string where = line.HasValue ? $"{source}:{line}" : source;
        if (!OptionSchema.TryGet(key, out var option))
        {
            throw UnknownKey(key, source, line);
        }
        object? value;
        try
        {
            value = OptionValueParser.Convert(node, option.Kind);
        }
        catch (FormatException e)
        {
            throw new OptionsException(
                $"{where}: option \"{key}\" expects {option.ExpectedType}, got {e.Message}.");
        }
        option.Set(this, value);
        _sources[key] = source;
    }

    /// <summary>The class orders to run (one run per order); null when the dataset's own order applies.</summary>
    public IReadOnlyList<IReadOnlyList<int>>? ClassOrders => ClassOrder;

    /// <summary>Checks values that have a fixed set of choices; returns one message per problem (empty = valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Choice(string key, string value, params string[] allowed)
        {
            if (!allowed.Contains(value))
            {
                errors.Add($"{SourceOf(key)}: option \"{key}\" is \"{value}\", expected one of {string.Join(", ", allowed.Select(a => a.Length == 0 ? "\"\"" : a))}.");
            }
        }
        Choice("rehearsal", Rehearsal, "random", "closest_token", "closest_all", "icarl_token", "icarl_all", "furthest_token", "furthest_all");
        Choice("ind_clf", IndClf, "", "1-1", "1-n", "n-n", "n-1");
        Choice("finetuning", Finetuning, "", "balanced");
        Choice("norm", Norm, "layer", "scale");
        Choice("mixup_mode", MixupMode, "batch", "pair", "elem", "old");
        void Positive(string key, int value)
        {
            if (value <= 0)
            {
                errors.Add($"{SourceOf(key)}: option \"{key}\" must be positive, got {value}.");
            }
        }
        Positive("batch_size", BatchSize);
        Positive("input_size", InputSize);
        Positive("patch_size", PatchSize);
        Positive("embed_dim", EmbedDim);
        Positive("num_heads", NumHeads);
        Positive("in_chans", InChans);
        if (!(TrainFraction > 0 && TrainFraction <= 1))
        {
            errors.Add($"{SourceOf("train_fraction")}: option \"train_fraction\" must be in (0, 1], got {TrainFraction}.");
        }
        if (InputSize % Math.Max(PatchSize, 1) != 0)
        {
            errors.Add($"{SourceOf("patch_size")}: patch_size {PatchSize} does not divide input_size {InputSize}.");
        }
        if (EmbedDim % Math.Max(NumHeads, 1) != 0)
        {
            errors.Add($"{SourceOf("num_heads")}: num_heads {NumHeads} does not divide embed_dim {EmbedDim}.");
        }
        if (LocalUpToLayer > Depth)
        {
            errors.Add($"{SourceOf("local_up_to_layer")}: local_up_to_layer {LocalUpToLayer} exceeds depth {Depth}.");
        }
        if (ClassOrder is not null)
        {
            foreach (var order in ClassOrder)
            {
                if (order.Distinct().Count() != order.Count)
                {
                    errors.Add($"{SourceOf("class_order")}: class_order contains duplicate ids.");
                }
            }
        }
        return errors;
    }

    /// <summary>Throws an <see cref="OptionsException"/> listing every problem found by <see cref="Validate"/>.</summary>
    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new OptionsException(string.Join(Environment.NewLine, errors));
        }
    }

    /// <summary>A deep copy (lists are immutable arrays, so copying the references suffices).</summary>
    public DyToxOptions Clone()
    {
        var copy = new DyToxOptions();
        foreach (var key in OptionSchema.Keys)
        {
            key.Set(copy, key.Get(this));
        }
        foreach (var (k, v) in _sources)
        {
            copy._sources[k] = v;
        }
        return copy;
    }

    /// <summary>All options as an indented JSON object (the reference's <c>config_&lt;trial&gt;.json</c>).</summary>
    public string ToJson(IReadOnlyDictionary<string, long>? extraNumbers = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (var key in OptionSchema.Keys)
            {
                w.WritePropertyName(key.Name);
                WriteValue(w, key.Get(this));
            }
            if (extraNumbers is not null)
            {
                foreach (var (k, v) in extraNumbers)
                {
                    w.WriteNumber(k, v);
                }
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteValue(Utf8JsonWriter w, object? value)
    {
        switch (value)
        {
            case null:
                w.WriteNullValue();
                break;
            case bool b:
                w.WriteBooleanValue(b);
                break;
            case int i:
                w.WriteNumberValue(i);
                break;
            case double d:
                w.WriteRawValue(double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "null", skipInputValidation: true);
                break;
            case string s:
                w.WriteStringValue(s);
                break;
            case System.Collections.IEnumerable list:
                w.WriteStartArray();
                foreach (object? item in list)
                {
                    WriteValue(w, item);
                }
                w.WriteEndArray();
                break;
            default:
                w.WriteStringValue(value.ToString());
                break;
        }
    }

    private static OptionsException UnknownKey(string key, string source, long? line)
    {
        string where = line.HasValue ? $"{source}:{line}" : source;
        var close = OptionSchema.Keys.Select(k => k.Name)
            .Where(n => n.Contains(key, StringComparison.Ordinal) || key.Contains(n, StringComparison.Ordinal)
                        || Levenshtein(n, key) <= 2)
            .OrderBy(n => Levenshtein(n, key)).ThenBy(n => n, StringComparer.Ordinal)
            .Take(3).ToArray();
        string hint = close.Length > 0 ? $" Did you mean {string.Join(", ", close.Select(c => $"\"{c}\""))}?" : "";
        return new OptionsException($"{where}: unknown option \"{key}\".{hint}");
    }

    private static int Levenshtein(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
        }
        return d[a.Length, b.Length];
    }
}
