using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

public class OptimizerTests
{
    private static readonly AdamWHyper Hyper = new(LearningRate: 1e-3, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-8, WeightDecay: 0.05, Step: 3);

    [Test]
    public void AdamWStepMatchesTheCpuBackend()
    {
        using var scope = TensorScope.Begin();
        var (pc, pg) = BothRandom(300, 65, 3);
        var (gc, gg) = BothRandom(301, 65, 3);
        var (mc, mg) = Both(Random(195, 302, -0.1, 0.1), 65, 3);
        var (vc, vg) = Both(Random(195, 303, 0, 0.01), 65, 3);
        Cpu.AdamWStep(pc, gc, mc, vc, Hyper);
        Gpu.AdamWStep(pg, gg, mg, vg, Hyper);
        // Every operation is an explicitly rounded float32 op in torch's order: the bits agree with the CPU's scalar loop
        // up to the SIMD division/sqrt of the CPU's vector path, which is also correctly rounded.
        AssertClose(pg, pc, 2 * Eps, 0, "param");
        AssertClose(mg, mc, 2 * Eps, 0, "m");
        AssertClose(vg, vc, 2 * Eps, 0, "v");
    }

    [Test]
    public void AdamWStepManyEqualsOneStepPerTensor()
    {
        using var scope = TensorScope.Begin();
        int[][] shapes = [[65, 3], [36], [3, 5, 7], [1]];
        var single = new List<(Tensor, Tensor, Tensor, Tensor)>();
        var many = new List<(Tensor, Tensor, Tensor, Tensor)>();
        for (int i = 0; i < shapes.Length; i++)
        {
            int n = (int)DyTox.Tensor.Shape.Numel(shapes[i]);
            float[] p = Random(n, 310 + i), g = Random(n, 320 + i), m = Random(n, 330 + i, -0.1, 0.1), v = Random(n, 340 + i, 0, 0.01);
            single.Add((Upload(Gpu, p, shapes[i]), Upload(Gpu, g, shapes[i]), Upload(Gpu, m, shapes[i]), Upload(Gpu, v, shapes[i])));
            many.Add((Upload(Gpu, p, shapes[i]), Upload(Gpu, g, shapes[i]), Upload(Gpu, m, shapes[i]), Upload(Gpu, v, shapes[i])));
        }
        foreach (var (p, g, m, v) in single) Gpu.AdamWStep(p, g, m, v, Hyper);
        Gpu.AdamWStepMany(many, Hyper);
        for (int i = 0; i < shapes.Length; i++)
        {
            AssertBitwise(many[i].Item1, single[i].Item1, $"param {i}");
            AssertBitwise(many[i].Item3, single[i].Item3, $"m {i}");
            AssertBitwise(many[i].Item4, single[i].Item4, $"v {i}");
        }
    }

    [TestCase(0.0, 0.0, false, false)]
    [TestCase(0.9, 1e-4, false, true)]
    [TestCase(0.9, 1e-4, false, false)]
    [TestCase(0.9, 0.0, true, false)]
    public void SgdStepMatchesTheCpuBackend(double momentum, double decay, bool nesterov, bool first)
    {
        using var scope = TensorScope.Begin();
        var hyper = new SgdHyper(0.1, momentum, decay, nesterov, first);
        var (pc, pg) = BothRandom(350, 65);
        var (gc, gg) = BothRandom(351, 65);
        var (bc, bg) = BothRandom(352, 65);
        Cpu.SgdStep(pc, gc, momentum == 0 ? null : bc, hyper);
        Gpu.SgdStep(pg, gg, momentum == 0 ? null : bg, hyper);
        AssertClose(pg, pc, 0, 0, "param");
        if (momentum != 0) AssertClose(bg, bc, 0, 0, "momentum buffer");
    }
}
