namespace DyTox.Metrics.Results;

/// <summary>The final evaluation of one step of a finished run, as its <c>log.jsonl</c> recorded it (percent).</summary>
public sealed record RunStepResult(int ClassesSeen, double Top1, double? Top5, IReadOnlyList<double> AccuracyPerTask, long? Parameters);

/// <summary>
/// What <c>report</c> knows of one finished <c>train</c> run: where it is, its scenario (from <c>config.json</c>) and the
/// final result of every step (from <c>log.jsonl</c>, plus <c>steps.csv</c> when present), with the summary numbers.
/// </summary>
public sealed class RunResults
{
    public RunResults(string directory, string dataSet, int initialIncrement, int increment, int classOrderIndex, int seed,
                      IReadOnlyList<RunStepResult> steps)
    {
        if (steps.Count == 0) throw new ArgumentException($"run {directory} has no step.");
        Directory = directory;
        DataSet = dataSet;
        InitialIncrement = initialIncrement;
        Increment = increment;
        ClassOrderIndex = classOrderIndex;
        Seed = seed;
        Steps = steps;
        Matrix = AccuracyMatrix.FromPercentages(steps.Select(s => s.AccuracyPerTask));
    }

    /// <summary>The run folder as given.</summary>
    public string Directory { get; }

    /// <summary>The run's name: the folder's last component (train names the folder after <c>--name</c>).</summary>
    public string Name => Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(Directory)));

    public string DataSet { get; }
    public int InitialIncrement { get; }
    public int Increment { get; }
    public int ClassOrderIndex { get; }
    public int Seed { get; }
    public IReadOnlyList<RunStepResult> Steps { get; }
    public AccuracyMatrix Matrix { get; }

    public IReadOnlyList<double> Top1PerStep => Steps.Select(s => s.Top1).ToArray();

    /// <summary>Top-5 per step, null when a step lacks it.</summary>
    public IReadOnlyList<double>? Top5PerStep => Steps.All(s => s.Top5.HasValue) ? Steps.Select(s => s.Top5!.Value).ToArray() : null;

    public double Avg => ContinualMetrics.AverageIncrementalAccuracy(Top1PerStep);
    public double Last => ContinualMetrics.Last(Top1PerStep);
    public double? AvgTop5 => Top5PerStep?.Average();
    public double? LastTop5 => Top5PerStep?[^1];

    /// <summary>Chaudhry forgetting after the last step, from the logged per-task accuracies.</summary>
    public double Forgetting => ContinualMetrics.Forgetting(Matrix, Steps.Count - 1);

    public long? FinalParameters => Steps[^1].Parameters;

    /// <summary>A scenario of one task over every class: the joint-training upper bound (<c>--method joint</c> or a joint
    /// data file; config.json's <c>scenario_tasks</c> = 1). A report shows it as one number at the last column and an
    /// isolated marker, like the papers' figures. (A run stopped early by max_task is not joint: its scenario has more tasks.)</summary>
    public bool IsJoint
    {
        get;
        init => field = !value || Steps.Count == 1 ? value : throw new ArgumentException($"run {Directory}: a joint run has exactly one step, found {Steps.Count}.");
    }

    /// <summary>What a joint run must share with the incremental runs it is reported with.</summary>
    public string JointKey => $"{DataSet.ToLowerInvariant()}, {Steps[^1].ClassesSeen} classes";

    /// <summary>What must match for runs to be averaged step by step.</summary>
    public string ScenarioKey =>
        $"{DataSet.ToLowerInvariant()} {InitialIncrement}-{Increment}, classes seen {string.Join('/', Steps.Select(s => s.ClassesSeen))}";

    /// <summary>Both namings users know: DyTox's "init-inc" and PyCIL's "B&lt;base&gt; &lt;n&gt; steps".</summary>
    public string ScenarioName
    {
        get
        {
            int tasks = Steps.Count, first = Steps[0].ClassesSeen;
            bool b0 = tasks == 1 || first == Steps[1].ClassesSeen - first;
            string pycil = b0 ? $"B0 {tasks} steps" : $"B{first} {tasks - 1} steps";
            return $"{DataSet} {first}-{(tasks > 1 ? Steps[1].ClassesSeen - first : first)} ({pycil})";
        }
    }
}
