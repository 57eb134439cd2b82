using DyTox.Data;
using DyTox.Memory;

namespace DyTox.Model.Tests.Memory;

public class RehearsalMemoryTests
{
    [TestCase(2000, new[] { 200, 100, 66, 50, 40, 33, 28, 25, 22, 20 })]
    [TestCase(1000, new[] { 100, 50, 33, 25, 20, 16, 14, 12, 11, 10 })]
    public void FlexibleQuotaPerStep_MatchesSpec(int budget, int[] expected)
    {
        var memory = new RehearsalMemory(budget);
        var quotas = Enumerable.Range(0, 10).Select(_ => memory.BeginTask(10)).ToArray();
        Assert.That(quotas, Is.EqualTo(expected));
    }

    [Test]
    public void FixedQuotaIsBudgetOverAllClasses()
    {
        var memory = new RehearsalMemory(2000, fixedMemory: true, totalClasses: 100);
        Assert.That(memory.BeginTask(10), Is.EqualTo(20));
        Assert.That(memory.BeginTask(10), Is.EqualTo(20));
        Assert.That(() => new RehearsalMemory(10, fixedMemory: true), Throws.ArgumentException);
    }

    [Test]
    public void OldClassesAreTruncatedToTheirBestRanks_OrderIsClassThenRank()
    {
        var memory = new RehearsalMemory(12);
        Assert.That(memory.BeginTask(2), Is.EqualTo(6));
        memory.AddClass(1, 0, [10, 11, 12, 13, 14, 15, 16]); // only 6 kept
        memory.AddClass(0, 0, [20, 21, 22, 23, 24, 25]);
        Assert.That(memory.Count, Is.EqualTo(12));
        Assert.That(memory.BeginTask(2), Is.EqualTo(3));
        memory.AddClass(2, 1, [30, 31, 32, 33]);
        memory.AddClass(3, 1, [40, 41, 42]);
        Assert.That(memory.Entries.Select(e => e.DatasetIndex),
            Is.EqualTo(new[] { 20, 21, 22, 10, 11, 12, 30, 31, 32, 40, 41, 42 }));
        Assert.That(memory.Entries.Select(e => e.Label), Is.EqualTo(new[] { 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3 }));
        Assert.That(memory.EntriesOfClass(2).Select(e => e.TaskId), Is.All.EqualTo(1));
        Assert.That(() => memory.AddClass(3, 1, [1]), Throws.InvalidOperationException);
    }

    [Test]
    public void AddTaskHerdsEachClassFromItsFeatures()
    {
        var labels = new[] { 0, 1, 0, 1, 0, 1 };
        var ds = new InMemoryImageDataset("d", new byte[6], labels, 1, 1, 1, PixelLayout.Hwc, ["a", "b"]);
        var scenario = new ClassIncrementalScenario(ds, ds, 2, 2, [1, 0]); // original 1 → label 0
        var task = scenario.TrainSubset(0);
        Assert.That(task.Indices, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5 }));
        // label-0 samples (dataset 1, 3, 5) use the hand-checked herding features → order 5, 1, 3
        // label-1 samples (dataset 0, 2, 4): identical → cap, index order
        float[] features = [1, 2, 1, 0, 1, 2, 0, 1, 1, 2, 3, 3];
        var memory = new RehearsalMemory(4);
        memory.AddTask(task, features, 2, new HerdingSelector(), new SplitMix64Random(0));
        Assert.That(memory.Entries, Is.EqualTo(new[]
        {
            new MemoryEntry(5, 0, 0), new MemoryEntry(1, 0, 0),
            new MemoryEntry(0, 1, 0), new MemoryEntry(2, 1, 0),
        }));
        var subset = memory.ToSubset(ds);
        Assert.That(subset.Labels, Is.EqualTo(new[] { 0, 0, 1, 1 }));
    }

    [Test]
    public void SaveAndLoadRoundTrip()
    {
        var memory = new RehearsalMemory(6);
        memory.BeginTask(2);
        memory.AddClass(0, 0, [4, 2, 9]);
        memory.AddClass(1, 0, [7]);
        string path = Path.Combine(Path.GetTempPath(), $"mem-{Guid.NewGuid():N}.csv");
        try
        {
            memory.Save(path);
            var loaded = RehearsalMemory.Load(path);
            Assert.That(loaded.Entries, Is.EqualTo(memory.Entries));
            Assert.That(loaded.ClassesSeen, Is.EqualTo(2));
            Assert.That(loaded.BeginTask(1), Is.EqualTo(2));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
