using System.Globalization;
using System.Text;

namespace DyTox.Metrics;

/// <summary>
/// acc[i][j] = accuracy (percent) on the test samples of task j after training step i; the single source
/// of truth for the continual metrics. Rows can be ragged (usually row i has i + 1 entries, the seen tasks);
/// a missing entry reads as NaN. Optional sample counts weight old/new accuracies.
/// </summary>
public sealed class AccuracyMatrix
{
    private readonly List<double[]> _rows = [];
    private readonly List<long[]?> _counts = [];

    public int Steps => _rows.Count;

    /// <summary>Builds a matrix from percentages (row i = accuracies after step i).</summary>
    public static AccuracyMatrix FromPercentages(IEnumerable<IReadOnlyList<double>> rows)
    {
        var matrix = new AccuracyMatrix();
        foreach (var row in rows)
        {
            matrix.AddRow(row);
        }
        return matrix;
    }

    public void AddRow(IReadOnlyList<double> accuracies, IReadOnlyList<long>? sampleCounts = null)
    {
        if (accuracies.Count == 0)
        {
            throw new ArgumentException($"row {Steps} is empty.");
        }
        if (sampleCounts is not null && sampleCounts.Count != accuracies.Count)
        {
            throw new ArgumentException($"row {Steps}: {accuracies.Count} accuracies but {sampleCounts.Count} sample counts.");
        }
        foreach (double a in accuracies)
        {
            if (!double.IsNaN(a) && (a < 0 || a > 100))
            {
                throw new ArgumentException($"row {Steps}: accuracy {a} is outside [0, 100] percent.");
            }
        }
        _rows.Add(accuracies.ToArray());
        _counts.Add(sampleCounts?.ToArray());
    }

    public void AddRow(StepEvaluation evaluation) =>
        AddRow(evaluation.PerTaskAccuracy(), evaluation.TotalPerTask);

    /// <summary>A copy holding the first <paramref name="steps"/> rows.</summary>
    public AccuracyMatrix Prefix(int steps)
    {
        var copy = new AccuracyMatrix();
        for (int i = 0; i < steps; i++)
        {
            copy.AddRow(_rows[i], _counts[i]);
        }
        return copy;
    }

    public double this[int step, int task] =>
        step < _rows.Count && task < _rows[step].Length ? _rows[step][task] : double.NaN;

    public bool Has(int step, int task) => !double.IsNaN(this[step, task]);

    public IReadOnlyList<double> Row(int step) => _rows[step];

    public long SampleCount(int step, int task) =>
        _counts[step] is { } counts && task < counts.Length ? counts[task] : 0;

    public bool HasCounts(int step) => _counts[step] is not null;

    /// <summary>a_{i,j}, throwing a clear error when step i did not evaluate task j.</summary>
    public double Get(int step, int task)
    {
        double value = this[step, task];
        if (double.IsNaN(value))
        {
            throw new InvalidOperationException(
                $"no accuracy on task {task} after step {step}: evaluate on the test data of all seen tasks.");
        }
        return value;
    }

    /// <summary>CSV with header "step,task_0,…"; missing entries are empty.</summary>
    public string ToCsv()
    {
        int columns = _rows.Count == 0 ? 0 : _rows.Max(r => r.Length);
        var sb = new StringBuilder("step");
        for (int j = 0; j < columns; j++)
        {
            sb.Append(CultureInfo.InvariantCulture, $",task_{j}");
        }
        sb.Append('\n');
        for (int i = 0; i < _rows.Count; i++)
        {
            sb.Append(i.ToString(CultureInfo.InvariantCulture));
            for (int j = 0; j < columns; j++)
            {
                sb.Append(',');
                if (Has(i, j))
                {
                    sb.Append(this[i, j].ToString("0.####", CultureInfo.InvariantCulture));
                }
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }
}
