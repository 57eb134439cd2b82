using DyTox.Data;

namespace DyTox.Model.Tests.Data;

/// <summary>The original's validation split (Continuum's split_train_val over numpy's RandomState(1)), bit for bit.</summary>
public class ValidationSplitTests
{
    private static LabeledSubset Task(int n)
    {
        var source = SyntheticImageDataset.Create(classes: 1, perClass: 200, height: 4, width: 4, channels: 1, seed: 2);
        var indices = Enumerable.Range(100, n).ToArray();
        return new LabeledSubset(source, indices, indices.Select(i => i % 3).ToArray(), new int[n]);
    }

    // numpy 1.24: a = np.arange(10); np.random.RandomState(seed=1).shuffle(a) → [2, 9, 6, 4, 0, 3, 1, 7, 8, 5];
    // for 37 the first shuffled indices are [2, 29, 3, 22, 25, ...].
    [Test]
    public void HoldsOutTheFirstShuffledSamplesAsNumpyShufflesThem()
    {
        var (train, validation) = ValidationSplit.Split(Task(10), 0.3);
        Assert.That(validation.Indices, Is.EqualTo(new[] { 102, 109, 106 }));
        Assert.That(train.Indices, Is.EqualTo(new[] { 104, 100, 103, 101, 107, 108, 105 }), "the rest, in shuffled order");
        Assert.That(validation.Labels, Is.EqualTo(new[] { 102 % 3, 109 % 3, 106 % 3 }));

        // int(0.1 * 37) = 3 held out (truncation, not rounding).
        var (rest, held) = ValidationSplit.Split(Task(37), 0.1);
        Assert.That(held.Indices, Is.EqualTo(new[] { 102, 129, 103 }));
        Assert.That(rest.Count, Is.EqualTo(34));
        Assert.That(held.Indices.Concat(rest.Indices).Order(), Is.EqualTo(Enumerable.Range(100, 37)), "a partition");
    }

    [Test]
    public void ZeroHoldsOutNothingAndTheFractionMustBeBelowOne()
    {
        var (train, validation) = ValidationSplit.Split(Task(10), 0);
        Assert.That(validation.Count, Is.Zero);
        Assert.That(train.Count, Is.EqualTo(10));
        Assert.Throws<ArgumentOutOfRangeException>(() => ValidationSplit.Split(Task(10), 1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ValidationSplit.Split(Task(10), -0.1));
    }
}
