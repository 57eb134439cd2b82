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

    public void Dispose() => _writer.Dispose();
}
