namespace DyTox.Data;

/// <summary>
/// The original's <c>validation</c> option (Continuum's <c>split_train_val</c>): a task's training data is shuffled with
/// numpy's <c>RandomState(seed=1).shuffle</c> (the same draws as <see cref="NumpyRandomState.Permutation"/>); the first ⌊fraction · n⌋ shuffled samples are
/// held out for validation and the rest, in shuffled order, are trained on. The same seed for every task, as there.
/// </summary>
public static class ValidationSplit
{
    /// <summary>Continuum's fixed seed.</summary>
    public const uint Seed = 1;

    public static (LabeledSubset Train, LabeledSubset Validation) Split(LabeledSubset data, double fraction)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!(fraction >= 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the validation fraction must be in [0, 1).");
        var order = new NumpyRandomState(Seed).Permutation(data.Count); // shuffle(arange(n)) = permutation(n)
        int held = (int)(fraction * order.Length); // Python's int(val_split * len(indexes)): truncation
        return (data.Select(order[held..]), data.Select(order[..held]));
    }
}
