using System.Globalization;
using System.Text;

namespace DyTox.Metrics;

/// <summary>
/// Counts of (true label, predicted label) over one evaluation, in the model's label space (labels are positions in
/// the class order). For the question class-incremental learners are asked most: how many old-class images are
/// predicted as new classes, and the reverse.
/// </summary>
public sealed class ConfusionMatrix
{
    private readonly long[] _counts;

    public ConfusionMatrix(int classes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ClassCount = classes;
        _counts = new long[(long)classes * classes];
    }

    public int ClassCount { get; }

    public long this[int label, int predicted] => _counts[(long)label * ClassCount + predicted];

    public void Add(int label, int predicted)
    {
        if ((uint)label >= (uint)ClassCount || (uint)predicted >= (uint)ClassCount)
            throw new ArgumentOutOfRangeException(nameof(label), $"label {label} / prediction {predicted} is outside the {ClassCount} classes.");
        _counts[(long)label * ClassCount + predicted]++;
    }

    /// <summary>Images of classes [<paramref name="fromStart"/>, <paramref name="fromEnd"/>) predicted as classes in [<paramref name="toStart"/>, <paramref name="toEnd"/>).</summary>
    public long Between(int fromStart, int fromEnd, int toStart, int toEnd)
    {
        long sum = 0;
        for (int i = fromStart; i < fromEnd; i++)
            for (int j = toStart; j < toEnd; j++)
                sum += this[i, j];
        return sum;
    }

    /// <summary>
    /// CSV: header <c>label,class,pred_0,…,pred_{C−1}</c>; one row per true label with the data set's name of that class
    /// (<paramref name="classNames"/>[label], e.g. the original id's name) and the counts per predicted label.
    /// </summary>
    public string ToCsv(IReadOnlyList<string> classNames)
    {
        if (classNames.Count != ClassCount)
            throw new ArgumentException($"need {ClassCount} class names, got {classNames.Count}.", nameof(classNames));
        var sb = new StringBuilder("label,class");
        for (int j = 0; j < ClassCount; j++) sb.Append(",pred_").Append(j.ToString(CultureInfo.InvariantCulture));
        sb.Append('\n');
        for (int i = 0; i < ClassCount; i++)
        {
            sb.Append(i.ToString(CultureInfo.InvariantCulture)).Append(',').Append(Quote(classNames[i]));
            for (int j = 0; j < ClassCount; j++) sb.Append(',').Append(this[i, j].ToString(CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string Quote(string cell) =>
        cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}
