using DyTox.Autograd;
using DyTox.Data;
using DyTox.Memory;
using DyTox.Model;
using DyTox.Tensor;

namespace DyTox.Training;

/// <summary>
/// The rehearsal update after a task's main training (dytox-spec §2.7): features of every training image
/// of the new classes (training augmentation by default, evaluation-mode network, no gradients) are the
/// concatenated task embeddings [e_1 … e_T] (the "_all" selectors) or the newest one (the "_token"
/// selectors); the selector ranks exemplars per class and the memory keeps ⌊M / classes seen⌋ per class.
/// </summary>
public sealed class MemoryUpdater
{
    private readonly BatchAssembler images;
    private readonly int batchSize;

    public MemoryUpdater(BatchAssembler featureImages, int batchSize)
    {
        images = featureImages;
        this.batchSize = batchSize;
    }

    public void Update(RehearsalMemory memory, DyToxModel model, LabeledSubset taskData, string rehearsal, long seed)
    {
        var selector = ExemplarSelectors.FromRehearsalOption(rehearsal);
        bool all = ExemplarSelectors.UsesAllTaskEmbeddings(rehearsal);
        int tasks = model.TaskCount, d = model.Config.EmbedDim;
        int dimension = all ? tasks * d : d;
        float[] features = selector.NeedsFeatures ? Features(model, taskData, all, dimension, seed) : [];
        memory.AddTask(taskData, features, dimension, selector, new Data.SplitMix64Random(Data.SeedMixer.Mix(seed, 0x6D656D)));
    }

    private float[] Features(DyToxModel model, LabeledSubset taskData, bool all, int dimension, long seed)
    {
        var features = new float[(long)taskData.Count * dimension];
        using var eval = model.TrainingMode(false);
        using var noGrad = GradMode.NoGrad();
        var positions = Enumerable.Range(0, taskData.Count).ToArray();
        int tasks = model.TaskCount, d = model.Config.EmbedDim;
        for (int start = 0; start < positions.Length; start += batchSize)
        {
            int count = Math.Min(batchSize, positions.Length - start);
            using var scope = TensorScope.Begin();
            var x = new Variable(images.Images(taskData, positions.AsSpan(start, count), seed, epoch: -1, firstPosition: start));
            var embeddings = model.Forward(x, withDivergence: false).Embeddings.Value; // [T, B, D]
            double[] e = embeddings.DType == DType.Float64 ? embeddings.ToArray<double>() : embeddings.ToArray<float>().Select(v => (double)v).ToArray();
            for (int b = 0; b < count; b++)
            {
                var row = features.AsSpan((start + b) * dimension, dimension);
                if (all)
                    for (int t = 0; t < tasks; t++)
                        for (int k = 0; k < d; k++) row[t * d + k] = (float)e[((long)t * count + b) * d + k];
                else
                    for (int k = 0; k < d; k++) row[k] = (float)e[((long)(tasks - 1) * count + b) * d + k];
            }
        }
        return features;
    }
}
