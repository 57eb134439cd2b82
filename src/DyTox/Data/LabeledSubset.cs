namespace DyTox.Data;

/// <summary>
/// A view on an <see cref="ImageDataset"/>: which images (indices into the source), their remapped
/// labels and task ids. This is what a task's training set, a test set of seen classes, the rehearsal
/// memory and their unions are.
/// </summary>
public sealed class LabeledSubset
{
    private readonly int[] _indices;
    private readonly int[] _labels;
    private readonly int[] _taskIds;

    public LabeledSubset(ImageDataset source, int[] indices, int[] labels, int[] taskIds)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (indices.Length != labels.Length || indices.Length != taskIds.Length)
        {
            throw new ArgumentException(
                $"indices ({indices.Length}), labels ({labels.Length}) and task ids ({taskIds.Length}) must have the same length.");
        }
        foreach (int index in indices)
        {
            if ((uint)index >= (uint)source.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), index, $"{source.Name} has {source.Count} images.");
            }
        }
        Source = source;
        _indices = indices;
        _labels = labels;
        _taskIds = taskIds;
    }

    public ImageDataset Source { get; }

    public int Count => _indices.Length;

    /// <summary>Index of each sample in <see cref="Source"/>.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <summary>Remapped (dense, class-order) label of each sample.</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <summary>Task that owns each sample's label.</summary>
    public IReadOnlyList<int> TaskIds => _taskIds;

    public ReadOnlySpan<byte> GetImage(int i) => Source.GetImage(_indices[i]);

    /// <summary>This subset followed by <paramref name="other"/> (same source required), e.g. task data + memory.</summary>
    public LabeledSubset Concat(LabeledSubset other)
    {
        if (!ReferenceEquals(Source, other.Source))
        {
            throw new ArgumentException($"cannot concatenate subsets of {Source.Name} and {other.Source.Name}.");
        }
        return new LabeledSubset(Source,
            [.. _indices, .. other._indices], [.. _labels, .. other._labels], [.. _taskIds, .. other._taskIds]);
    }

    /// <summary>The samples at the given positions of this subset, in that order.</summary>
    public LabeledSubset Select(IReadOnlyList<int> positions)
    {
        var idx = new int[positions.Count];
        var lab = new int[positions.Count];
        var tid = new int[positions.Count];
        for (int i = 0; i < positions.Count; i++)
        {
            int p = positions[i];
            idx[i] = _indices[p];
            lab[i] = _labels[p];
            tid[i] = _taskIds[p];
        }
        return new LabeledSubset(Source, idx, lab, tid);
    }

    /// <summary>Positions (0..Count-1) of the samples whose remapped label is <paramref name="label"/>.</summary>
    public int[] PositionsOfLabel(int label)
    {
        var result = new List<int>();
        for (int i = 0; i < _labels.Length; i++)
        {
            if (_labels[i] == label)
            {
                result.Add(i);
            }
        }
        return result.ToArray();
    }
}
