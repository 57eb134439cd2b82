using System.Globalization;
using System.Text;

namespace DyTox.Metrics.Results;

/// <summary>
/// <c>gates.csv</c>: the GPSA gates σ(gating_param) of every SAB and head after each step (columns step, sab, head,
/// gate): how each head's balance between positional (gate → 1) and content attention (gate → 0) moves as tasks are
/// added. Rows of a step are replaced when the step is written again (a run resumed at that step), so the file always
/// holds one block per finished step, in step order.
/// </summary>
public static class GatesCsv
{
    public const string FileName = "gates.csv";
    private const string Header = "step,sab,head,gate";

    /// <summary>Writes step <paramref name="step"/>'s gates (<paramref name="gatesPerSab"/>[sab][head]) into the file at <paramref name="path"/>.</summary>
    public static void Update(string path, int step, IReadOnlyList<IReadOnlyList<double>> gatesPerSab)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var kept = new List<string>();
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path).Skip(1))
            {
                int comma = line.IndexOf(',');
                if (comma > 0 && int.TryParse(line.AsSpan(0, comma), NumberStyles.None, CultureInfo.InvariantCulture, out int s) && s < step)
                    kept.Add(line);
            }
        }
        var sb = new StringBuilder(Header).Append('\n');
        foreach (var line in kept) sb.Append(line).Append('\n');
        for (int sab = 0; sab < gatesPerSab.Count; sab++)
            for (int head = 0; head < gatesPerSab[sab].Count; head++)
                sb.Append(CultureInfo.InvariantCulture, $"{step},{sab},{head},{gatesPerSab[sab][head].ToString("R", CultureInfo.InvariantCulture)}\n");
        File.WriteAllText(path + ".tmp", sb.ToString());
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
