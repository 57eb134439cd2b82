namespace DyTox.Metrics.Results;

/// <summary>
/// Several finished runs of one scenario grouped by method: the DyTox-style table (#P, Avg ± std, Last ± std over
/// seeds/class orders) plus top-5, forgetting and top-1 per step. Groups keep the order in which their first run
/// was given.
/// </summary>
public sealed class ResultsReport
{
    private ResultsReport(IReadOnlyList<ReportGroup> groups)
    {
        Groups = groups;
    }

    public IReadOnlyList<ReportGroup> Groups { get; }

    /// <summary>The run that defines the scenario: the first incremental one (joint runs have one step), else the first.</summary>
    private RunResults Reference => Groups.SelectMany(g => g.Runs).FirstOrDefault(r => !r.IsJoint) ?? Groups[0].Runs[0];

    public string ScenarioName => Reference.ScenarioName;

    public IReadOnlyList<int> ClassesSeen => Reference.Steps.Select(s => s.ClassesSeen).ToArray();

    public int RunCount => Groups.Sum(g => g.Runs.Count);

    /// <summary>
    /// Groups <paramref name="runs"/>. <paramref name="labels"/>: none → <see cref="RunLabel.FromRunName"/> of each run;
    /// one → every run under it; one per run → in order. Runs of different scenarios cannot share a report.
    /// </summary>
    public static ResultsReport Build(IReadOnlyList<RunResults> runs, IReadOnlyList<string>? labels = null)
    {
        if (runs.Count == 0) throw new ArgumentException("no run to report.");
        labels ??= [];
        if (labels.Count > 1 && labels.Count != runs.Count)
            throw new ArgumentException($"{labels.Count} labels for {runs.Count} runs: give one label for all runs or one per run.");
        // Incremental runs share the scenario step by step; joint runs (one step) only the data set and the classes.
        var reference = runs.FirstOrDefault(r => !r.IsJoint) ?? runs[0];
        foreach (var run in runs)
        {
            bool same = run.IsJoint ? run.JointKey == reference.JointKey : run.ScenarioKey == reference.ScenarioKey;
            if (!same)
                throw new InvalidDataException(
                    $"runs of different scenarios cannot be reported together: {reference.Directory} is {(run.IsJoint ? reference.JointKey : reference.ScenarioKey)}, but {run.Directory} is {(run.IsJoint ? run.JointKey : run.ScenarioKey)}.");
        }
        var duplicate = runs.GroupBy(r => Path.GetFullPath(r.Directory)).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"run {duplicate.Key} is given twice.");

        var order = new List<string>();
        var members = new Dictionary<string, List<RunResults>>(StringComparer.Ordinal);
        for (int i = 0; i < runs.Count; i++)
        {
            string label = labels.Count == 0 ? RunLabel.FromRunName(runs[i].Name) : labels.Count == 1 ? labels[0] : labels[i];
            if (string.IsNullOrWhiteSpace(label)) throw new ArgumentException($"the label of run {runs[i].Directory} is empty.");
            if (!members.TryGetValue(label, out var list))
            {
                members[label] = list = [];
                order.Add(label);
            }
            list.Add(runs[i]);
        }
        foreach (var (label, list) in members)
        {
            if (list.Any(r => r.IsJoint) && list.Any(r => !r.IsJoint))
                throw new ArgumentException($"method \"{label}\" mixes joint (one-step) and incremental runs; give them different --label values.");
        }
        return new ResultsReport(order.Select(l => new ReportGroup(l, members[l])).ToArray());
    }
}
