using System.Globalization;
using DyTox.Data;

namespace DyTox.Memory;

/// <summary>One stored exemplar: its index in the training dataset, remapped label and task.</summary>
public readonly record struct MemoryEntry(int DatasetIndex, int Label, int TaskId);

/// <summary>
/// The rehearsal memory of DyTox/iCaRL (dytox-spec §2.7): stores (dataset index, label, task) per class in
/// priority order. Flexible budget (default): quota = ⌊M / classes seen⌋ including the task just learned;
/// fixed budget: ⌊M / total classes⌋. When a task is added, every old class is truncated to its first
/// <see cref="QuotaPerClass"/> exemplars. <see cref="Entries"/> lists classes in ascending label, each in
/// priority (herding) order.
/// </summary>
public sealed class RehearsalMemory
{
    private readonly SortedDictionary<int, List<MemoryEntry>> _byClass = new();

    public RehearsalMemory(int memorySize, bool fixedMemory = false, int totalClasses = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(memorySize);
        if (fixedMemory && totalClasses <= 0)
        {
            throw new ArgumentException("a fixed memory needs the total number of classes.", nameof(totalClasses));
        }
        MemorySize = memorySize;
        FixedMemory = fixedMemory;
        TotalClasses = totalClasses;
    }

    public int MemorySize { get; }

    public bool FixedMemory { get; }

    public int TotalClasses { get; }

    /// <summary>Classes counted for the quota (including those of the task being added).</summary>
    public int ClassesSeen { get; private set; }

    /// <summary>Exemplars allowed per class now.</summary>
    public int QuotaPerClass => FixedMemory
        ? MemorySize / TotalClasses
        : ClassesSeen > 0 ? MemorySize / ClassesSeen : MemorySize;

    public int Count => _byClass.Values.Sum(l => l.Count);

    public IReadOnlyCollection<int> StoredClasses => _byClass.Keys;

    /// <summary>All exemplars, classes ascending, each class in priority order.</summary>
    public IReadOnlyList<MemoryEntry> Entries => _byClass.Values.SelectMany(l => l).ToArray();

    public IReadOnlyList<MemoryEntry> EntriesOfClass(int label) =>
        _byClass.TryGetValue(label, out var list) ? list : [];

    /// <summary>
    /// Starts adding a task of <paramref name="newClassCount"/> classes: counts them, truncates the stored classes
    /// to the new quota, and returns that quota (how many exemplars to select per new class).
    /// </summary>
    public int BeginTask(int newClassCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(newClassCount);
        ClassesSeen += newClassCount;
        int quota = QuotaPerClass;
        foreach (var list in _byClass.Values)
        {
            if (list.Count > quota)
            {
                list.RemoveRange(quota, list.Count - quota);
            }
        }
        return quota;
    }

    /// <summary>Stores the exemplars of one new class (priority order; only the first quota are kept).</summary>
    public void AddClass(int label, int taskId, IReadOnlyList<int> datasetIndices)
    {
        if (_byClass.ContainsKey(label))
        {
            throw new InvalidOperationException($"class {label} is already in the memory.");
        }
        int quota = QuotaPerClass;
        _byClass[label] = datasetIndices.Take(quota).Select(i => new MemoryEntry(i, label, taskId)).ToList();
    }

    /// <summary>
    /// Adds a whole task: quota from <see cref="BeginTask"/>, then per class (ascending label) selects exemplars
    /// among <paramref name="taskData"/> with <paramref name="selector"/>. <paramref name="features"/> holds one row of
    /// <paramref name="dimension"/> floats per sample of <paramref name="taskData"/> (may be empty for random).
    /// </summary>
    public void AddTask(
        LabeledSubset taskData, ReadOnlySpan<float> features, int dimension, IExemplarSelector selector, IRandomSource rng)
    {
        if (selector.NeedsFeatures && features.Length != (long)taskData.Count * dimension)
        {
            throw new ArgumentException(
                $"features hold {features.Length} values for {taskData.Count} samples × {dimension} dimensions.");
        }
        var labels = taskData.Labels.Distinct().OrderBy(l => l).ToArray();
        int quota = BeginTask(labels.Length);
        foreach (int label in labels)
        {
            int[] positions = taskData.PositionsOfLabel(label);
            float[] classFeatures = [];
            if (selector.NeedsFeatures)
            {
                classFeatures = new float[positions.Length * dimension];
                for (int i = 0; i < positions.Length; i++)
                {
                    features.Slice(positions[i] * dimension, dimension).CopyTo(classFeatures.AsSpan(i * dimension));
                }
            }
            int[] picked = selector.Select(classFeatures, positions.Length, dimension, quota, rng);
            int taskId = taskData.TaskIds[positions[0]];
            AddClass(label, taskId, picked.Select(p => taskData.Indices[positions[p]]).ToArray());
        }
    }

    /// <summary>The memory as a subset of <paramref name="trainSource"/> (for appending to task data or finetuning).</summary>
    public LabeledSubset ToSubset(ImageDataset trainSource)
    {
        var entries = Entries;
        return new LabeledSubset(trainSource,
            entries.Select(e => e.DatasetIndex).ToArray(),
            entries.Select(e => e.Label).ToArray(),
            entries.Select(e => e.TaskId).ToArray());
    }

    /// <summary>Writes "dataset_index,label,task" lines (plus a header with the counters) for resuming.</summary>
    public void Save(string path)
    {
        using var writer = new StreamWriter(path);
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"# memory_size={MemorySize} fixed={FixedMemory} total_classes={TotalClasses} classes_seen={ClassesSeen}"));
        writer.WriteLine("dataset_index,label,task");
        foreach (var e in Entries)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{e.DatasetIndex},{e.Label},{e.TaskId}"));
        }
    }

    /// <summary>Reads a file written by <see cref="Save"/>.</summary>
    public static RehearsalMemory Load(string path)
    {
        var lines = File.ReadAllLines(path);
        if (lines.Length < 2 || !lines[0].StartsWith("# memory_size=", StringComparison.Ordinal))
        {
            throw new DatasetFormatException(path, "not a rehearsal memory file (missing \"# memory_size=\" header).");
        }
        var header = lines[0][2..].Split(' ').Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
        var memory = new RehearsalMemory(
            int.Parse(header["memory_size"], CultureInfo.InvariantCulture),
            bool.Parse(header["fixed"]),
            int.Parse(header["total_classes"], CultureInfo.InvariantCulture))
        {
            ClassesSeen = int.Parse(header["classes_seen"], CultureInfo.InvariantCulture),
        };
        for (int i = 2; i < lines.Length; i++)
        {
            var parts = lines[i].Split(',');
            if (parts.Length != 3)
            {
                throw new DatasetFormatException(path, $"line {i + 1}: expected dataset_index,label,task.");
            }
            var entry = new MemoryEntry(
                int.Parse(parts[0], CultureInfo.InvariantCulture),
                int.Parse(parts[1], CultureInfo.InvariantCulture),
                int.Parse(parts[2], CultureInfo.InvariantCulture));
            if (!memory._byClass.TryGetValue(entry.Label, out var list))
            {
                memory._byClass[entry.Label] = list = [];
            }
            list.Add(entry);
        }
        return memory;
    }
}
