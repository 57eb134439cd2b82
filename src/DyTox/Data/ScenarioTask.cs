namespace DyTox.Data;

/// <summary>One step of a class-incremental scenario: it owns remapped labels [<see cref="ClassStart"/>, <see cref="ClassEnd"/>).</summary>
public sealed record ScenarioTask(int TaskId, int ClassStart, int ClassEnd, IReadOnlyList<int> OriginalClassIds)
{
    public int ClassCount => ClassEnd - ClassStart;

    /// <summary>"task 1: labels 10-19 = original ids [94, 92, …]" for logs (continuum's relabelling confuses users).</summary>
    public override string ToString() =>
        $"task {TaskId}: labels {ClassStart}-{ClassEnd - 1} = original ids [{string.Join(", ", OriginalClassIds)}]";
}
