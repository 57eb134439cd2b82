using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Model.Tests.Model;

/// <summary>The reference's token_mean/min/max_dist log entries (DyTox.epoch_log).</summary>
public sealed class TaskTokenDistanceTests
{
    [Test]
    public void PairwiseDistancesOfTheTaskTokens()
    {
        using var model = new DyToxModel(DyToxConfig.Fixture, CpuBackend.Instance, DType.Float64, new Rng(5));
        model.AddTask(2);
        Assert.That(model.TaskTokenDistances(), Is.EqualTo((0.0, 0.0, 0.0)), "one token: no pair");
        model.AddTask(2);
        model.AddTask(3);
        var tokens = Enumerable.Range(0, 3).Select(t => model.TaskTokens[t].Value.ToArray<double>()).ToArray();
        // ‖a − b‖ through ‖a‖² + ‖b‖² − 2 a·b, a different route from the model's.
        double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();
        double Distance(int i, int j) => Math.Sqrt(Dot(tokens[i], tokens[i]) + Dot(tokens[j], tokens[j]) - 2 * Dot(tokens[i], tokens[j]));
        double[] pairs = [Distance(0, 1), Distance(0, 2), Distance(1, 2)];
        var (mean, min, max) = model.TaskTokenDistances();
        Assert.That(mean, Is.EqualTo(pairs.Average()).Within(1e-12));
        Assert.That(min, Is.EqualTo(pairs.Min()).Within(1e-12));
        Assert.That(max, Is.EqualTo(pairs.Max()).Within(1e-12));
        Assert.That(min, Is.GreaterThan(0), "independently initialised tokens differ");
    }
}
