namespace DyTox.Metrics;

/// <summary>
/// Appends JSON lines in the reference's <c>logs_&lt;trial&gt;.json</c> format: one <see cref="DyToxLogLine"/> per
/// evaluation and a final <c>{"avg": …}</c> summary (mean of the per-task final top-1, unrounded).
/// </summary>
public sealed class DyToxJsonLogWriter : IDisposable
{
    private readonly StreamWriter _writer;

    public DyToxJsonLogWriter(string path, bool append = true)
    {
        Path = path;
        string? dir = System.IO.Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
        _writer = new StreamWriter(path, append) { AutoFlush = true, NewLine = "\n" };
    }

    public string Path { get; }

    public void Write(DyToxLogLine line) => _writer.WriteLine(line.ToJson());

    /// <summary>The reference's closing line <c>{"avg": mean(accuracy_list)}</c>.</summary>
    public void WriteSummary(ContinualMetricsHistory history) =>
        _writer.WriteLine("{\"avg\": " + PythonJson.Float(history.AverageIncrementalAccuracy) + "}");

    /// <summary>
    /// Appends the closing line to the log at <paramref name="path"/> unless its last line already is one: running a
    /// finished run again reports its numbers without adding a second summary.
    /// </summary>
    public static void AppendSummaryOnce(string path, ContinualMetricsHistory history)
    {
        if (File.Exists(path) && File.ReadLines(path).LastOrDefault(l => l.Length > 0) is { } last
            && last.StartsWith("{\"avg\":", StringComparison.Ordinal))
        {
            return;
        }
        using var log = new DyToxJsonLogWriter(path, append: true);
        log.WriteSummary(history);
    }

    public void Dispose() => _writer.Dispose();
}
