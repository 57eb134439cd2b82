using DyTox.Data;
using DyTox.Tensor;

namespace DyTox.Training;

// What each phase trains and evaluates on: the task's images (validation split, train_fraction), the ranks' main
// training sets with their memories, the finetuning sets, and the evaluation set.
public sealed partial class ContinualTrainer
{
    /// <summary>Each rank's main-training data: the task's images, then its memory (<c>oversample_memory</c> times). With
    /// distributed memories the ranks' sets differ only in which exemplars follow the task's images, not in size (the
    /// per-class quota is the same).</summary>
    private LabeledSubset[] MainTrainingSets(LabeledSubset taskData) =>
        Enumerable.Range(0, settings.WorldSize).Select(rank =>
        {
            var set = taskData;
            var own = MemoryOf(rank);
            if (own.Count > 0)
                for (int k = 0; k < settings.MemoryOversampling; k++) set = set.Concat(own.ToSubset(scenario.Train));
            return set;
        }).ToArray();

    /// <summary>Rank r's balanced finetuning set of task t: its memory in its order, old exemplars oversampled.</summary>
    private LabeledSubset FinetuningSet(int t, int rank) => OversampleEarlierTasks(MemoryOf(rank).ToSubset(scenario.Train), t, settings.FinetuningOldOversampling);

    /// <summary><c>oversample_memory_ft</c> as the original's <c>get_finetuning_dataset</c>: with k > 1 (and t ≥ 1), the
    /// samples of tasks before t, each k times in a row (numpy's <c>repeat</c>), then those of task t and later once.</summary>
    internal static LabeledSubset OversampleEarlierTasks(LabeledSubset set, int t, int k)
    {
        if (k <= 1 || t == 0) return set;
        var old = Enumerable.Range(0, set.Count).Where(i => set.TaskIds[i] < t);
        var current = Enumerable.Range(0, set.Count).Where(i => set.TaskIds[i] >= t);
        return set.Select(old.SelectMany(i => Enumerable.Repeat(i, k)).Concat(current).ToArray());
    }

    /// <summary>Task t's training images: with <c>validation</c>, what its split leaves (then <c>train_fraction</c>).</summary>
    private LabeledSubset TaskTrainingData(int t)
    {
        var data = scenario.TrainSubset(t);
        if (settings.ValidationFraction > 0) data = ValidationSplit.Split(data, settings.ValidationFraction).Train;
        return Subsample(data, t);
    }

    /// <summary>What an evaluation after task t measures: the test images of the classes seen so far, or with
    /// <c>validation</c> the held-out training images of tasks 0..t (the original's <c>dataset_true_val</c>).</summary>
    private LabeledSubset EvaluationSet(int t)
    {
        if (settings.ValidationFraction == 0) return scenario.TestSubsetUpTo(t);
        var set = ValidationSplit.Split(scenario.TrainSubset(0), settings.ValidationFraction).Validation;
        for (int k = 1; k <= t; k++) set = set.Concat(ValidationSplit.Split(scenario.TrainSubset(k), settings.ValidationFraction).Validation);
        return set;
    }

    private LabeledSubset Subsample(LabeledSubset data, int t)
    {
        if (settings.TrainFraction >= 1) return data;
        var rng = new Rng(settings.Seed).Fork($"subsample/{t}");
        var keep = new List<int>();
        foreach (int label in data.Labels.Distinct().Order())
        {
            var positions = data.PositionsOfLabel(label);
            rng.Shuffle(positions.AsSpan());
            int n = Math.Max(1, (int)Math.Round(positions.Length * settings.TrainFraction));
            keep.AddRange(positions.Take(n).Order());
        }
        keep.Sort();
        return data.Select(keep);
    }
}
