namespace DyTox.Data;

/// <summary>
/// Continuum's <c>ClassIncremental</c> semantics: classes are relabelled by the class order
/// (new label = position of the original id in the order), task 0 has <c>initialIncrement</c> classes and
/// every further task <c>increment</c> classes (the remainder must divide exactly), so task t owns the
/// contiguous label range [C_old, C_tot). Training subsets hold one task; test subsets all seen classes.
/// initial increment = number of classes gives the joint (single-task) setting.
/// </summary>
public sealed class ClassIncrementalScenario
{
    private readonly int[] _newLabelOfOriginal; // -1 for ids outside the order
    private readonly int[] _taskOfLabel;
    private readonly ScenarioTask[] _tasks;
    private readonly int[] _order;

    public ClassIncrementalScenario(
        ImageDataset train, ImageDataset test, int initialIncrement, int increment, IReadOnlyList<int>? classOrder = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        Train = train;
        Test = test;
        var present = train.Labels.Distinct().OrderBy(x => x).ToArray();
        _order = classOrder is null ? present : classOrder.ToArray();
        int classes = _order.Length;
        ValidateOrder(_order);

        int maxId = Math.Max(train.ClassCount, Math.Max(_order.Max() + 1, test.ClassCount));
        _newLabelOfOriginal = Enumerable.Repeat(-1, maxId).ToArray();
        for (int k = 0; k < classes; k++)
        {
            _newLabelOfOriginal[_order[k]] = k;
        }
        CheckCovered(train);
        CheckCovered(test);

        var sizes = TaskSizes(classes, initialIncrement, increment);
        _tasks = new ScenarioTask[sizes.Length];
        _taskOfLabel = new int[classes];
        int start = 0;
        for (int t = 0; t < sizes.Length; t++)
        {
            int end = start + sizes[t];
            _tasks[t] = new ScenarioTask(t, start, end, _order[start..end]);
            for (int label = start; label < end; label++)
            {
                _taskOfLabel[label] = t;
            }
            start = end;
        }
        InitialIncrement = initialIncrement;
        Increment = increment;
    }

    public ImageDataset Train { get; }

    public ImageDataset Test { get; }

    public int InitialIncrement { get; }

    public int Increment { get; }

    public int ClassCount => _order.Length;

    public int TaskCount => _tasks.Length;

    public IReadOnlyList<ScenarioTask> Tasks => _tasks;

    /// <summary>The class order: entry k is the original id that becomes label k.</summary>
    public IReadOnlyList<int> ClassOrder => _order;

    /// <summary>Number of classes seen after task <paramref name="taskId"/> (C_tot).</summary>
    public int ClassesSeenAfter(int taskId) => Task(taskId).ClassEnd;

    public ScenarioTask Task(int taskId)
    {
        if ((uint)taskId >= (uint)_tasks.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(taskId), taskId, $"the scenario has {_tasks.Length} tasks.");
        }
        return _tasks[taskId];
    }

    public int RemapLabel(int originalId)
    {
        if ((uint)originalId >= (uint)_newLabelOfOriginal.Length || _newLabelOfOriginal[originalId] < 0)
        {
            throw new ArgumentException($"original class id {originalId} is not in the class order.", nameof(originalId));
        }
        return _newLabelOfOriginal[originalId];
    }

    public int OriginalLabel(int label) => _order[label];

    public int TaskOfLabel(int label)
    {
        if ((uint)label >= (uint)_taskOfLabel.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, $"labels are 0..{_taskOfLabel.Length - 1}.");
        }
        return _taskOfLabel[label];
    }

    /// <summary>Training images of task <paramref name="taskId"/> only, in dataset order.</summary>
    public LabeledSubset TrainSubset(int taskId) => Subset(Train, Task(taskId).ClassStart, Task(taskId).ClassEnd);

    /// <summary>Test images of all classes seen after task <paramref name="taskId"/> (tasks 0..taskId).</summary>
    public LabeledSubset TestSubsetUpTo(int taskId) => Subset(Test, 0, Task(taskId).ClassEnd);

    /// <summary>Test images of task <paramref name="taskId"/> only.</summary>
    public LabeledSubset TestSubset(int taskId) => Subset(Test, Task(taskId).ClassStart, Task(taskId).ClassEnd);

    /// <summary>Training images of tasks 0..taskId (joint retraining / upper bounds).</summary>
    public LabeledSubset TrainSubsetUpTo(int taskId) => Subset(Train, 0, Task(taskId).ClassEnd);

    /// <summary>Multi-line description of the split (dense label range and original ids per task).</summary>
    public string Describe()
    {
        var lines = new List<string>
        {
            $"{TaskCount} tasks over {ClassCount} classes (initial increment {InitialIncrement}, increment {Increment}; " +
            $"B{(TaskCount > 1 && InitialIncrement != Increment ? InitialIncrement : 0)} {TaskCount} steps)",
        };
        lines.AddRange(_tasks.Select(t => "  " + t));
        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>
    /// Task sizes from Continuum's rules for an integer increment: first task <paramref name="initialIncrement"/>
    /// classes (when &gt; 0), then equal tasks of <paramref name="increment"/>; the rest must divide exactly.
    /// </summary>
    public static int[] TaskSizes(int classes, int initialIncrement, int increment)
    {
        if (classes <= 0)
        {
            throw new ArgumentException("the scenario needs at least one class.");
        }
        if (increment <= 0 && initialIncrement <= 0)
        {
            throw new ArgumentException($"increment ({increment}) or initial_increment ({initialIncrement}) must be positive.");
        }
        var sizes = new List<int>();
        int remaining = classes;
        if (initialIncrement > 0)
        {
            if (initialIncrement > classes)
            {
                throw new ArgumentException(
                    $"initial_increment {initialIncrement} exceeds the {classes} classes of the dataset.");
            }
            sizes.Add(initialIncrement);
            remaining -= initialIncrement;
        }
        if (remaining > 0)
        {
            if (increment <= 0)
            {
                throw new ArgumentException(
                    $"{remaining} classes remain after the initial increment {initialIncrement} but increment is {increment}.");
            }
            if (remaining % increment != 0)
            {
                throw new ArgumentException(
                    $"the {remaining} classes after the initial increment {initialIncrement} are not divisible by increment {increment}.");
            }
            for (int i = 0; i < remaining / increment; i++)
            {
                sizes.Add(increment);
            }
        }
        return sizes.ToArray();
    }

    private LabeledSubset Subset(ImageDataset dataset, int labelStart, int labelEnd)
    {
        var indices = new List<int>();
        var labels = new List<int>();
        var tasks = new List<int>();
        var original = dataset.Labels;
        for (int i = 0; i < original.Count; i++)
        {
            int label = _newLabelOfOriginal[original[i]];
            if (label >= labelStart && label < labelEnd)
            {
                indices.Add(i);
                labels.Add(label);
                tasks.Add(_taskOfLabel[label]);
            }
        }
        return new LabeledSubset(dataset, indices.ToArray(), labels.ToArray(), tasks.ToArray());
    }

    private static void ValidateOrder(int[] order)
    {
        if (order.Length == 0)
        {
            throw new ArgumentException("the class order is empty.");
        }
        var seen = new HashSet<int>();
        foreach (int id in order)
        {
            if (id < 0)
            {
                throw new ArgumentException($"class order contains the negative id {id}.");
            }
            if (!seen.Add(id))
            {
                throw new ArgumentException($"class order contains the id {id} twice.");
            }
        }
    }

    private void CheckCovered(ImageDataset dataset)
    {
        foreach (int id in dataset.Labels.Distinct())
        {
            if (id >= _newLabelOfOriginal.Length || _newLabelOfOriginal[id] < 0)
            {
                throw new ArgumentException(
                    $"{dataset.Name} contains class id {id} which is not in the class order of {_order.Length} ids.");
            }
        }
    }
}
