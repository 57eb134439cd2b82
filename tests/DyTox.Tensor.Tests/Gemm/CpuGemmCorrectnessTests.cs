using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Tensor.Tests.Gemm;

[TestFixture(GemmConfiguration.OpenBlas)]
[TestFixture(GemmConfiguration.ManagedAvx512)]
[TestFixture(GemmConfiguration.ManagedVector256)]
[TestFixture(GemmConfiguration.ManagedScalar)]
public sealed class CpuGemmCorrectnessTests(GemmConfiguration configuration)
{
    // Ragged sizes around every tile (4, 6, 12 rows; 4..32 columns), block (mc = 16 tiles, kc = 384/256) and
    // parallel-threshold boundary, plus one wide problem that needs several column blocks (nc).
    private static readonly (int M, int N, int K)[] Shapes =
    [
        (1, 1, 1), (1, 7, 33), (7, 1, 65), (33, 65, 1), (65, 33, 7), (130, 7, 33), (7, 130, 65),
        (33, 33, 130), (65, 130, 130), (130, 65, 257), (200, 100, 400), (5, 3000, 384),
    ];

    [SetUp] public void SetUp() => GemmConfigurations.Apply(configuration);
    [TearDown] public void TearDown() => GemmConfigurations.Reset();

    [Test]
    public void Float_AllShapes([Values] bool transA, [Values] bool transB)
    {
        int seed = 10;
        foreach (var (m, n, k) in Shapes) GemmTestHarness.Check<float>(transA, transB, m, n, k, 1.0, 0.0, seed++);
    }

    [Test]
    public void Double_AllShapes([Values] bool transA, [Values] bool transB)
    {
        int seed = 20;
        foreach (var (m, n, k) in Shapes) GemmTestHarness.Check<double>(transA, transB, m, n, k, 1.0, 0.0, seed++);
    }

    [TestCase(1.0, 0.0, true)]
    [TestCase(0.5, 0.0, true)]
    [TestCase(-1.5, 0.75, false)]
    [TestCase(1.0, 1.0, false)]
    [TestCase(2.0, -1.0, false)]
    [TestCase(0.0, 2.0, false)]
    [TestCase(0.0, 0.0, true)]
    public void AlphaBeta_BothPrecisions(double alpha, double beta, bool nanInC)
    {
        foreach (var (m, n, k) in new[] { (7, 1, 65), (33, 65, 130), (130, 65, 257) })
        {
            GemmTestHarness.Check<float>(false, true, m, n, k, alpha, beta, 30, nanInC);
            GemmTestHarness.Check<double>(true, false, m, n, k, alpha, beta, 31, nanInC);
        }
    }

    [Test]
    public void ZeroK_ScalesC_AndBetaZeroClearsNaN()
    {
        GemmTestHarness.Check<float>(false, false, 9, 5, 0, 1.0, 0.5, 40);
        GemmTestHarness.Check<double>(false, false, 9, 5, 0, 1.0, 0.0, 41, nanInC: true);
        GemmTestHarness.Check<float>(true, true, 0, 5, 3, 1.0, 0.0, 42);
        GemmTestHarness.Check<float>(true, true, 4, 0, 3, 1.0, 0.0, 43);
    }

    [Test]
    public void LargeBlockedProblem_Float()
    {
        // Crosses several kc passes (k = 1000 → 3 passes) and many row blocks on the parallel path.
        GemmTestHarness.Check<float>(false, false, 450, 70, 1000, 1.0, 0.5, 50);
        GemmTestHarness.Check<float>(true, true, 450, 70, 1000, -1.0, 0.0, 51, nanInC: true);
    }
}
