using DyTox.Data;

namespace DyTox.Memory;

/// <summary>
/// Keeps the samples whose raw feature is closest (squared L2) to the class mean, nearest first
/// (reference <c>closest_*</c>); with <c>furthest</c> the farthest first (reference <c>furthest_*</c>).
/// Ties keep index order.
/// </summary>
public sealed class ClosestToMeanSelector(bool furthest = false) : IExemplarSelector
{
    public string Name => furthest ? "furthest" : "closest";

    public bool NeedsFeatures => true;

    public int[] Select(ReadOnlySpan<float> features, int count, int dimension, int quota, IRandomSource rng)
    {
        ExemplarSelectors.Check(features, count, dimension, quota, needsFeatures: count > 0);
        var mean = new double[dimension];
        for (int i = 0; i < count; i++)
        {
            for (int k = 0; k < dimension; k++)
            {
                mean[k] += features[i * dimension + k];
            }
        }
        for (int k = 0; k < dimension; k++)
        {
            mean[k] /= Math.Max(count, 1);
        }
        var distances = new double[count];
        for (int i = 0; i < count; i++)
        {
            double sum = 0;
            for (int k = 0; k < dimension; k++)
            {
                double diff = features[i * dimension + k] - mean[k];
                sum += diff * diff;
            }
            distances[i] = sum;
        }
        var order = Enumerable.Range(0, count);
        var sorted = furthest ? order.OrderByDescending(i => distances[i]) : order.OrderBy(i => distances[i]);
        return sorted.Take(Math.Min(quota, count)).ToArray();
    }
}
