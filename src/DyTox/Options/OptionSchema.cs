namespace DyTox.Options;

/// <summary>Value type of an option key.</summary>
public enum OptionKind
{
    Int,
    NullableInt,
    Float,
    NullableFloat,
    Bool,
    String,
    NullableString,
    /// <summary>A list of strings; a single scalar is accepted as a one-element list (YAML <c>head_div_mode: tr</c>).</summary>
    StringList,
    IntList,
    NullableFloatList,
    /// <summary>A list of class ids, or a list of such lists (several orders run in sequence).</summary>
    ClassOrder,
}

/// <summary>One option: its key, type and typed accessors on <see cref="DyToxOptions"/>.</summary>
public sealed record OptionKey(
    string Name, OptionKind Kind, Func<DyToxOptions, object?> Get, Action<DyToxOptions, object?> Set)
{
    /// <summary>Human description of the expected type, used in error messages.</summary>
    public string ExpectedType => Kind switch
    {
        OptionKind.Int => "an integer",
        OptionKind.NullableInt => "an integer or null",
        OptionKind.Float => "a number",
        OptionKind.NullableFloat => "a number or null",
        OptionKind.Bool => "a boolean (true/false)",
        OptionKind.String => "a string",
        OptionKind.NullableString => "a string or null",
        OptionKind.StringList => "a string or a list of strings",
        OptionKind.IntList => "a list of integers",
        OptionKind.NullableFloatList => "a list of numbers or null",
        OptionKind.ClassOrder => "a list of class ids or a list of such lists",
        _ => Kind.ToString(),
    };
}

/// <summary>All option keys (the reference's argparse destinations plus this project's additions).</summary>
public static partial class OptionSchema
{
    private static readonly OptionKey[] s_keys = CreateKeys();
    private static readonly Dictionary<string, OptionKey> s_byName = s_keys.ToDictionary(k => k.Name, StringComparer.Ordinal);

    public static IReadOnlyList<OptionKey> Keys => s_keys;

    public static bool TryGet(string name, out OptionKey key) => s_byName.TryGetValue(name, out key!);

    /// <summary>Accepts the command-line spelling too (<c>--batch-size</c> → <c>batch_size</c>).</summary>
    public static string NormalizeName(string name) => name.TrimStart('-').Replace('-', '_');
}
