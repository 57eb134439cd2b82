using DyTox.Metrics.Plots;

namespace DyTox.Metrics.Results;

/// <summary>
/// The result files of a finished run, written into its folder next to <c>log.jsonl</c>: <c>accuracy_matrix.csv</c>
/// (R[i][j]), <c>steps.csv</c> (<see cref="StepsCsv"/>) and the SVG plots <c>plots/accuracy.svg</c> (top-1, and top-5
/// when measured, vs classes seen), <c>plots/parameters.svg</c> (#params per step, when counted) and
/// <c>plots/accuracy_matrix.svg</c> (heat map). Same history → same bytes.
/// </summary>
public static class RunResultFiles
{
    public const string AccuracyMatrixFileName = "accuracy_matrix.csv";
    public const string PlotsFolder = "plots";

    /// <summary>Writes the files (replacing older ones) and returns their paths.</summary>
    public static IReadOnlyList<string> Write(string runDirectory, ContinualMetricsHistory history, string title)
    {
        if (history.StepCount == 0) throw new ArgumentException($"no step recorded: nothing to write into {runDirectory}.");
        Directory.CreateDirectory(runDirectory);
        var written = new List<string>();
        void Text(string name, string content)
        {
            string path = Path.Combine(runDirectory, name);
            File.WriteAllText(path, content);
            written.Add(path);
        }
        void Svg(string name, SvgDocument svg)
        {
            string path = Path.Combine(runDirectory, PlotsFolder, name);
            svg.Save(path);
            written.Add(path);
        }

        Text(AccuracyMatrixFileName, history.Matrix.ToCsv());
        Text(StepsCsv.FileName, StepsCsv.Render(history));
        Svg("accuracy.svg", AccuracyChart(history, title).Render());
        if (ParameterChart(history, title) is { } parameters) Svg("parameters.svg", parameters.Render());
        Svg("accuracy_matrix.svg", AccuracyMatrixHeatMap.Render(history.Matrix, $"{title}: accuracy matrix (%)"));
        if (EpochsCsv.LossChart(EpochsCsv.Read(Path.Combine(runDirectory, EpochsCsv.FileName)), title) is { } loss) Svg("loss.svg", loss.Render());
        return written;
    }

    /// <summary>Top-1 (and top-5 when measured) on all seen classes vs the number of classes seen.</summary>
    public static LineChart AccuracyChart(ContinualMetricsHistory history, string title)
    {
        var classes = history.Steps.Select(s => (double)s.ClassesSeen).ToArray();
        var series = new List<ChartSeries> { new("top-1", classes, history.Top1PerStep) };
        if (history.Top5PerStep is { } top5) series.Add(new ChartSeries("top-5", classes, top5));
        return new LineChart
        {
            Title = title, XTitle = "number of classes seen", YTitle = "accuracy on seen classes (%)",
            Series = series, YLowerLimit = 0, YUpperLimit = 100,
        };
    }

    /// <summary>Parameters per step, or null when a step's count is unknown.</summary>
    public static LineChart? ParameterChart(ContinualMetricsHistory history, string title)
    {
        if (history.ParametersPerStep.Any(p => p is null)) return null;
        var counts = history.ParametersPerStep.Select(p => (double)p!.Value).ToArray();
        var (divisor, unit) = ParameterUnit(counts.Max());
        return new LineChart
        {
            Title = title, XTitle = "step", YTitle = $"parameters ({unit})",
            Series = [new ChartSeries("#params", history.Steps.Select(s => (double)s.Step).ToArray(), counts.Select(c => c / divisor).ToArray())],
            YIncludesZero = true,
        };
    }

    /// <summary>Millions as in the papers' #P column; thousands or units for the small test models.</summary>
    public static (double Divisor, string Unit) ParameterUnit(double largest) =>
        largest >= 1e6 ? (1e6, "M") : largest >= 1e3 ? (1e3, "K") : (1, "count");
}
