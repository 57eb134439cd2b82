using DyTox.Tensor.Cpu;

namespace DyTox.Tensor.Tests.Cpu;

/// <summary>
/// Shared plumbing of the CPU op tests: tensors from double data in either dtype, values back as double,
/// tolerances derived from the dtype's epsilon and the reduction length, and central finite differences.
/// Every test runs inside a <see cref="TensorScope"/>, so whatever it creates goes back to the pool.
/// </summary>
public abstract class CpuTestBase
{
    protected static readonly CpuBackend Cpu = CpuBackend.Instance;
    private TensorScope? scope;

    [SetUp]
    public void OpenScope() => scope = TensorScope.Begin();

    [TearDown]
    public void CloseScope()
    {
        scope?.Dispose();
        CpuParallel.MaxDegreeOfParallelism = -1;
    }

    protected static Tensor Make(double[] data, DType dtype, params int[] shape)
    {
        var t = Cpu.Empty(dtype, shape);
        Assert.That(data, Has.Length.EqualTo(t.Numel), "test data length");
        switch (dtype)
        {
            case DType.Float32: { var s = t.Span<float>(); for (int i = 0; i < data.Length; i++) s[i] = (float)data[i]; break; }
            case DType.Float64: data.CopyTo(t.Span<double>()); break;
            case DType.Int32: { var s = t.Span<int>(); for (int i = 0; i < data.Length; i++) s[i] = (int)data[i]; break; }
        }
        return t;
    }

    protected static Tensor MakeInt(int[] data, params int[] shape)
    {
        var t = Cpu.Empty(DType.Int32, shape);
        data.CopyTo(t.Span<int>());
        return t;
    }

    protected static Tensor Zeros(DType dtype, params int[] shape)
    {
        var t = Cpu.Empty(dtype, shape);
        Cpu.Fill(t, 0);
        return t;
    }

    protected static double[] Values(Tensor t) => t.DType switch
    {
        DType.Float32 => Array.ConvertAll(t.ToArray<float>(), v => (double)v),
        DType.Float64 => t.ToArray<double>(),
        _ => Array.ConvertAll(t.ToArray<int>(), v => (double)v),
    };

    /// <summary>Data as the dtype would store it (so that references see exactly the op's inputs).</summary>
    protected static double[] Rounded(double[] data, DType dtype) =>
        dtype == DType.Float32 ? Array.ConvertAll(data, v => (double)(float)v) : data;

    protected static double[] Uniform(Rng rng, int n, double low = -1, double high = 1)
    {
        var r = new double[n];
        for (int i = 0; i < n; i++) r[i] = rng.Uniform(low, high);
        return r;
    }

    protected static int Numel(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    /// <summary>rtol = c·eps·√K (engine guide §8.2).</summary>
    protected static double Rtol(DType dtype, double c = 4, int reductionLength = 1) => c * dtype.Epsilon() * Math.Sqrt(Math.Max(1, reductionLength));

    protected static void AssertClose(double[] actual, double[] expected, double atol, double rtol, string what)
    {
        Assert.That(actual, Has.Length.EqualTo(expected.Length), $"{what}: length");
        for (int i = 0; i < expected.Length; i++)
        {
            double tol = atol + rtol * Math.Abs(expected[i]);
            if (!(Math.Abs(actual[i] - expected[i]) <= tol) && !(double.IsNaN(expected[i]) && double.IsNaN(actual[i])))
                Assert.Fail($"{what}: element {i} is {actual[i]:R}, expected {expected[i]:R} (|diff| {Math.Abs(actual[i] - expected[i]):E3} > tol {tol:E3}).");
        }
    }

    protected static void AssertAllFinite(double[] values, string what)
    {
        for (int i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i])) Assert.Fail($"{what}: element {i} is {values[i]}.");
    }

    /// <summary>Central differences of a scalar function of x.</summary>
    protected static double[] NumericalGradient(Func<double[], double> f, double[] x, double h = 1e-6)
    {
        var g = new double[x.Length];
        var probe = (double[])x.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            double xi = probe[i];
            probe[i] = xi + h;
            double up = f(probe);
            probe[i] = xi - h;
            double down = f(probe);
            probe[i] = xi;
            g[i] = (up - down) / (2 * h);
        }
        return g;
    }

    /// <summary>Norm-wise relative error ‖a − n‖ / max(‖a‖, ‖n‖) ≤ tol.</summary>
    protected static void AssertGradient(double[] analytic, double[] numeric, string what, double tol = 1e-6)
    {
        Assert.That(analytic, Has.Length.EqualTo(numeric.Length), $"{what}: length");
        double diff = 0, na = 0, nn = 0;
        for (int i = 0; i < analytic.Length; i++)
        {
            diff += (analytic[i] - numeric[i]) * (analytic[i] - numeric[i]);
            na += analytic[i] * analytic[i];
            nn += numeric[i] * numeric[i];
        }
        double scale = Math.Max(Math.Sqrt(Math.Max(na, nn)), 1e-300);
        double rel = Math.Sqrt(diff) / scale;
        Assert.That(rel, Is.LessThanOrEqualTo(tol), $"{what}: relative error of the analytic gradient vs central differences");
    }

    /// <summary>Σ w·values, the scalar whose gradient with dy = w a backward op returns.</summary>
    protected static double Weighted(double[] values, double[] w)
    {
        double s = 0;
        for (int i = 0; i < values.Length; i++) s += values[i] * w[i];
        return s;
    }

    protected static readonly DType[] FloatTypes = [DType.Float32, DType.Float64];
}
