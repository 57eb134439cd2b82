using DyTox.Autograd;
using DyTox.Data;
using DyTox.Metrics;
using DyTox.Model;
using DyTox.Tensor;

namespace DyTox.Training;

/// <summary>
/// Top-1/top-5 accuracy per task of the classes seen, on the test transform, in evaluation mode without
/// gradients (dytox-spec §3). The divergence head is not computed at inference.
/// </summary>
public sealed class Evaluator
{
    private readonly BatchAssembler images;
    private readonly int batchSize;

    public Evaluator(BatchAssembler testImages, int batchSize)
    {
        images = testImages;
        this.batchSize = batchSize;
    }

    public StepEvaluation Evaluate(DyToxModel model, LabeledSubset testSet, int taskCount)
    {
        var accumulator = new EvaluationAccumulator(taskCount);
        using var eval = model.TrainingMode(false);
        using var noGrad = GradMode.NoGrad();
        var positions = Enumerable.Range(0, testSet.Count).ToArray();
        int classes = model.TotalClasses;
        for (int start = 0; start < positions.Length; start += batchSize)
        {
            int count = Math.Min(batchSize, positions.Length - start);
            var batch = positions.AsSpan(start, count);
            using var scope = TensorScope.Begin();
            var x = new Variable(images.Images(testSet, batch, seed: 0, epoch: 0, firstPosition: start));
            var logits = model.Forward(x, withDivergence: false).Logits.Value;
            float[] host = logits.DType == DType.Float32 ? logits.ToArray<float>() : logits.ToArray<double>().Select(v => (float)v).ToArray();
            var labels = BatchAssembler.Labels(testSet, batch);
            var tasks = new int[count];
            for (int i = 0; i < count; i++) tasks[i] = testSet.TaskIds[batch[i]];
            accumulator.AddLogits(host, classes, labels, tasks);
        }
        return accumulator.ToEvaluation();
    }
}
