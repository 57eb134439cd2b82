namespace DyTox.Metrics.Results;

/// <summary>The runs of one method (label) and their mean ± std numbers.</summary>
public sealed class ReportGroup
{
    public ReportGroup(string label, IReadOnlyList<RunResults> runs)
    {
        if (runs.Count == 0) throw new ArgumentException($"group \"{label}\" has no run.");
        Label = label;
        Runs = runs;
        Avg = MeanStd.Of(runs.Select(r => r.Avg).ToArray());
        Last = MeanStd.Of(runs.Select(r => r.Last).ToArray());
        Forgetting = MeanStd.Of(runs.Select(r => r.Forgetting).ToArray());
        AvgTop5 = OfAll(runs.Select(r => r.AvgTop5));
        LastTop5 = OfAll(runs.Select(r => r.LastTop5));
        FinalParameters = OfAll(runs.Select(r => (double?)r.FinalParameters));
        int steps = runs[0].Steps.Count;
        Top1PerStep = Enumerable.Range(0, steps).Select(t => MeanStd.Of(runs.Select(r => r.Steps[t].Top1).ToArray())).ToArray();
    }

    /// <summary>A joint-training upper bound: one step over all classes (Avg and forgetting do not apply).</summary>
    public bool IsJoint => Runs[0].IsJoint;

    /// <summary>Top-1 per step of the report's columns (<paramref name="classesSeen"/>): a joint group has only the last.</summary>
    public IReadOnlyList<MeanStd?> Top1At(IReadOnlyList<int> classesSeen) =>
        IsJoint ? classesSeen.Select((_, i) => i == classesSeen.Count - 1 ? (MeanStd?)Top1PerStep[0] : null).ToArray()
                : Top1PerStep.Select(s => (MeanStd?)s).ToArray();

    public string Label { get; }
    public IReadOnlyList<RunResults> Runs { get; }
    public MeanStd Avg { get; }
    public MeanStd Last { get; }
    public MeanStd Forgetting { get; }

    /// <summary>Null when a run of the group has no top-5.</summary>
    public MeanStd? AvgTop5 { get; }
    public MeanStd? LastTop5 { get; }

    /// <summary>#params after the last step; null when a run has no count (no steps.csv).</summary>
    public MeanStd? FinalParameters { get; }

    public IReadOnlyList<MeanStd> Top1PerStep { get; }

    private static MeanStd? OfAll(IEnumerable<double?> values)
    {
        var list = values.ToArray();
        return list.All(v => v.HasValue) ? MeanStd.Of(list.Select(v => v!.Value).ToArray()) : null;
    }
}
