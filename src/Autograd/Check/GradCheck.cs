using DyTox.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// Finite-difference gradient checker (float64, CPU). The function's output y is reduced to the scalar
/// L = Σ r⊙y with a fixed random r (so every output element matters); analytic dL/dx from the tape is compared
/// with central differences (L(x + ε) − L(x − ε)) / 2ε for every input that requires gradients.
/// Metric per input: max|a − n| / max(max|a|, max|n|, tiny).
/// </summary>
public static class GradCheck
{
    /// <summary>Outcome for one input: the relative error, the absolute worst difference and the scales.</summary>
    public sealed record Result(int Input, double RelativeError, double MaxAbsDifference, double MaxAnalytic, double MaxNumeric, int CheckedElements)
    {
        public override string ToString() =>
            $"input {Input}: rel {RelativeError:E2}, max|a−n| {MaxAbsDifference:E2}, max|a| {MaxAnalytic:E2}, max|n| {MaxNumeric:E2} over {CheckedElements} elements";
    }

    public const double Tiny = 1e-30;

    /// <summary>
    /// Checks <paramref name="function"/> at <paramref name="inputs"/> (CPU Float64 contiguous leaves). Inputs with
    /// more than <paramref name="maxElementsPerInput"/> elements are checked at that many positions drawn from
    /// <paramref name="rng"/> (the analytic gradient is still computed in full).
    /// </summary>
    public static IReadOnlyList<Result> Check(Func<Variable> function, IReadOnlyList<Variable> inputs, Rng rng,
                                              double eps = 1e-6, int maxElementsPerInput = int.MaxValue)
    {
        foreach (var x in inputs)
        {
            if (x.DType != DType.Float64 || x.Value.Device.Kind != DeviceKind.Cpu || !x.Value.IsContiguous)
                throw new ArgumentException($"GradCheck needs contiguous CPU Float64 inputs; got {x.Value.Describe()}.", nameof(inputs));
            if (!x.IsLeaf) throw new ArgumentException($"GradCheck inputs must be leaves; {x} was produced by an op.", nameof(inputs));
        }

        // Analytic pass.
        double[] projection;
        var analytic = new double[inputs.Count][];
        using (var scope = TensorScope.Begin())
        {
            foreach (var x in inputs) x.ZeroGrad();
            var y = function();
            projection = new double[y.Numel];
            for (int i = 0; i < projection.Length; i++) projection[i] = rng.Uniform(-1, 1);
            var r = F.FromHost(projection, y.Value.ShapeArray(), y.Backend, DType.Float64);
            var loss = F.SumAll(F.Mul(y, new Variable(r)));
            Tape.Backward(loss);
            for (int k = 0; k < inputs.Count; k++)
            {
                var x = inputs[k];
                analytic[k] = !x.RequiresGrad ? [] : x.Grad is { } g ? g.ToArray<double>() : new double[x.Numel];
                x.ZeroGrad();
            }
        }

        var results = new List<Result>();
        for (int k = 0; k < inputs.Count; k++)
        {
            var x = inputs[k];
            if (!x.RequiresGrad) continue;
            int n = (int)x.Numel;
            IEnumerable<int> positions = n <= maxElementsPerInput
                ? Enumerable.Range(0, n)
                : rng.Permutation(n).Take(maxElementsPerInput).Order();
            double maxDiff = 0, maxA = 0, maxN = 0;
            int count = 0;
            foreach (int i in positions)
            {
                double saved = x.Value.Span<double>()[i];
                x.Value.Span<double>()[i] = saved + eps;
                double plus = Evaluate(function, projection);
                x.Value.Span<double>()[i] = saved - eps;
                double minus = Evaluate(function, projection);
                x.Value.Span<double>()[i] = saved;
                double numeric = (plus - minus) / (2 * eps);
                double a = analytic[k][i];
                maxDiff = Math.Max(maxDiff, Math.Abs(a - numeric));
                maxA = Math.Max(maxA, Math.Abs(a));
                maxN = Math.Max(maxN, Math.Abs(numeric));
                count++;
            }
            results.Add(new Result(k, maxDiff / Math.Max(Math.Max(maxA, maxN), Tiny), maxDiff, maxA, maxN, count));
        }
        return results;
    }

    private static double Evaluate(Func<Variable> function, double[] projection)
    {
        using var scope = TensorScope.Begin();
        using var noGrad = GradMode.NoGrad();
        var y = function().Value.ToArray<double>();
        if (y.Length != projection.Length) throw new InvalidOperationException($"the function's output size changed between calls ({projection.Length} → {y.Length}).");
        double sum = 0;
        for (int i = 0; i < y.Length; i++) sum += projection[i] * y[i];
        return sum;
    }
}
