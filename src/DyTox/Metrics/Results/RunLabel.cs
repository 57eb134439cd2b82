using System.Text.RegularExpressions;

namespace DyTox.Metrics.Results;

/// <summary>
/// The method label a run is grouped under in a report: its name (folder name) without trailing
/// <c>-seedN</c>, <c>-orderN</c> or <c>-runN</c> parts (also with '_' or '.'), so <c>dytox-seed0</c>, <c>dytox-seed1</c> and
/// <c>dytox-order2-seed0</c> all average into "dytox". A name that is nothing but such a suffix keeps its full form.
/// </summary>
public static partial class RunLabel
{
    public static string FromRunName(string runName)
    {
        string stripped = Suffix().Replace(runName, "");
        return stripped.Length == 0 ? runName : stripped;
    }

    [GeneratedRegex(@"(?:[-_.](?:seed|order|run)\d+)+$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Suffix();
}
