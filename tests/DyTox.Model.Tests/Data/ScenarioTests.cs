using DyTox.Data;
using DyTox.Options;

namespace DyTox.Model.Tests.Data;

public class ScenarioTests
{
    private static InMemoryImageDataset Labels(string name, params int[] labels) =>
        new(name, new byte[labels.Length * 4], labels, 2, 2, 1, PixelLayout.Hwc,
            Enumerable.Range(0, 10).Select(i => $"c{i}").ToArray());

    [Test]
    public void RemapsByClassOrderAndSplitsIntoContiguousTasks()
    {
        var train = Labels("train", 0, 1, 2, 3, 4, 5, 0, 5);
        var test = Labels("test", 5, 4, 3, 2, 1, 0);
        var s = new ClassIncrementalScenario(train, test, 2, 2, [5, 3, 0, 1, 4, 2]);

        Assert.That(s.TaskCount, Is.EqualTo(3));
        Assert.That(s.RemapLabel(5), Is.EqualTo(0));
        Assert.That(s.RemapLabel(2), Is.EqualTo(5));
        Assert.That(s.OriginalLabel(1), Is.EqualTo(3));
        Assert.That(s.Task(1), Has.Property("ClassStart").EqualTo(2).And.Property("ClassEnd").EqualTo(4));
        Assert.That(s.Task(1).OriginalClassIds, Is.EqualTo(new[] { 0, 1 }));

        var t0 = s.TrainSubset(0);
        Assert.That(t0.Indices, Is.EqualTo(new[] { 3, 5, 7 }));
        Assert.That(t0.Labels, Is.EqualTo(new[] { 1, 0, 0 }));
        Assert.That(t0.TaskIds, Is.All.EqualTo(0));

        var seen = s.TestSubsetUpTo(1);
        Assert.That(seen.Indices, Is.EqualTo(new[] { 0, 2, 4, 5 }));
        Assert.That(seen.Labels, Is.EqualTo(new[] { 0, 1, 3, 2 }));
        Assert.That(seen.TaskIds, Is.EqualTo(new[] { 0, 0, 1, 1 }));
        Assert.That(s.TestSubset(2).Labels, Is.EquivalentTo(new[] { 4, 5 }));
    }

    [Test]
    public void DefaultOrderIsSortedIds_AndInitialIncrementCanDiffer()
    {
        var train = Labels("train", 4, 3, 2, 1, 0, 5);
        var s = new ClassIncrementalScenario(train, train, 4, 1);
        Assert.That(s.ClassOrder, Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5 }));
        Assert.That(s.Tasks.Select(t => t.ClassCount), Is.EqualTo(new[] { 4, 1, 1 }));
        Assert.That(s.Describe(), Does.Contain("B4 3 steps").And.Contain("task 2: labels 5-5 = original ids [5]"));
    }

    [Test]
    public void JointSettingIsOneTask()
    {
        var train = Labels("train", 0, 1, 2, 3);
        var s = new ClassIncrementalScenario(train, train, 4, 4);
        Assert.That(s.TaskCount, Is.EqualTo(1));
        Assert.That(s.TrainSubset(0).Count, Is.EqualTo(4));
    }

    [Test]
    public void IndivisibleIncrement_Throws()
    {
        var train = Labels("train", 0, 1, 2, 3, 4);
        var e = Assert.Throws<ArgumentException>(() => new ClassIncrementalScenario(train, train, 1, 3));
        Assert.That(e!.Message, Does.Contain("not divisible by increment 3"));
    }

    [Test]
    public void DuplicateOrMissingIdsInOrder_Throw()
    {
        var train = Labels("train", 0, 1, 2);
        Assert.That(() => new ClassIncrementalScenario(train, train, 1, 1, [0, 1, 1]),
            Throws.ArgumentException.With.Message.Contains("twice"));
        Assert.That(() => new ClassIncrementalScenario(train, train, 1, 1, [0, 1]),
            Throws.ArgumentException.With.Message.Contains("class id 2"));
    }

    [Test]
    public void MemoryConcatKeepsLabelsAndTasks()
    {
        var train = Labels("train", 0, 1, 2, 3);
        var s = new ClassIncrementalScenario(train, train, 2, 2);
        var merged = s.TrainSubset(1).Concat(s.TrainSubset(0).Select([1]));
        Assert.That(merged.Indices, Is.EqualTo(new[] { 2, 3, 1 }));
        Assert.That(merged.TaskIds, Is.EqualTo(new[] { 1, 1, 0 }));
    }

    [TestCase("cifar100_order1.yaml", 87, 39)]
    [TestCase("cifar100_order2.yaml", 58, 61)]
    [TestCase("cifar100_order3.yaml", 71, 11)]
    public void Cifar100OrdersFromYamlGiveTenTasksOfTen(string file, int first, int last)
    {
        var options = OptionsLoader.Load(
            OptionFiles.Path("data/cifar100_10-10.yaml"), OptionFiles.Path("data/" + file));
        var order = options.ClassOrder![0];
        var labels = Enumerable.Range(0, 100).ToArray();
        var names = Enumerable.Range(0, 100).Select(i => $"c{i}").ToArray();
        var ds = new InMemoryImageDataset("cifar", new byte[100], labels, 1, 1, 1, PixelLayout.Hwc, names);
        var s = new ClassIncrementalScenario(ds, ds, options.InitialIncrement, options.Increment, order);
        Assert.That(s.TaskCount, Is.EqualTo(10));
        Assert.That(s.OriginalLabel(0), Is.EqualTo(first));
        Assert.That(s.OriginalLabel(99), Is.EqualTo(last));
        Assert.That(s.TrainSubset(3).Labels, Is.EquivalentTo(Enumerable.Range(30, 10)));
    }

    [Test]
    public void NumpySeed1993PermutationIsTheImageNet100Order()
    {
        var options = OptionsLoader.Load(OptionFiles.Path("data/imagenet100_order1.yaml"));
        Assert.That(new NumpyRandomState(1993).Permutation(100), Is.EqualTo(options.ClassOrder![0]));
    }

    [Test]
    public void SyntheticDatasetIsSeededAndClassDependent()
    {
        var a = SyntheticImageDataset.Create(4, 3, 8, 8, 3, seed: 5);
        var b = SyntheticImageDataset.Create(4, 3, 8, 8, 3, seed: 5);
        var c = SyntheticImageDataset.Create(4, 3, 8, 8, 3, seed: 6);
        Assert.That(a.AllPixels.ToArray(), Is.EqualTo(b.AllPixels.ToArray()));
        Assert.That(a.AllPixels.ToArray(), Is.Not.EqualTo(c.AllPixels.ToArray()));
        Assert.That(a.CountPerClass(), Is.All.EqualTo(3));
        // Nearest class mean on clean means classifies every sample: the classes are separable.
        var means = new double[4][];
        for (int k = 0; k < 4; k++)
        {
            means[k] = new double[a.ImageSize];
        }
        for (int i = 0; i < a.Count; i++)
        {
            var img = a.GetImage(i);
            for (int p = 0; p < img.Length; p++)
            {
                means[a.Labels[i]][p] += img[p] / 3.0;
            }
        }
        for (int i = 0; i < a.Count; i++)
        {
            var img = c.GetImage(i).ToArray();
            int best = Enumerable.Range(0, 4).OrderBy(k => Enumerable.Range(0, img.Length).Sum(p => Math.Pow(img[p] - means[k][p], 2))).First();
            Assert.That(best, Is.EqualTo(c.Labels[i]));
        }
    }
}
