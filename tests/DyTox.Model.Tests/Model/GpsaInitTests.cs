using DyTox.Autograd;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Model.Tests.Model;

/// <summary>GPSA initialisation (dytox-spec §1.4 and §9; tools/README.md for even k).</summary>
public class GpsaInitTests
{
    private static GpsaAttention Build(int dim, int heads, int tokens) =>
        new(dim, heads, tokens, localityStrength: 1.0, new ParameterOptions(CpuBackend.Instance, DType.Float64), new Rng(11));

    private static double[] Row(double[] values, int row) => values.Skip(row * 3).Take(3).ToArray();

    [Test]
    public void CifarPositionalPeaksFollowTheHeadOffsets()
    {
        using var attn = Build(384, 12, 64);
        using var scope = TensorScope.Begin();
        var be = CpuBackend.Instance;
        var pos = be.Empty(DType.Float64, [12, 64, 64]);
        be.GpsaPositional(attn.RelativePositions, attn.PosProj.Weight.Value, attn.PosProj.Bias!.Value, pos);
        var p = pos.ToArray<double>();
        int query = 3 * 8 + 3; // a central patch of the 8×8 grid
        var expected = new Dictionary<int, (int Dx, int Dy)>
        {
            [4] = (0, 0), [7] = (1, 0), [5] = (0, 1), [0] = (-1, -1), [8] = (1, 1), [1] = (-1, 0), [3] = (0, -1),
        };
        foreach (var (head, (dx, dy)) in expected)
        {
            int best = 0;
            for (int key = 1; key < 64; key++)
                if (p[(head * 64 + query) * 64 + key] > p[(head * 64 + query) * 64 + best]) best = key;
            Assert.That((best % 8 - query % 8, best / 8 - query / 8), Is.EqualTo((dx, dy)), $"head {head}");
        }
    }

    [Test]
    public void CifarWeightsGatesAndValueInit()
    {
        using var attn = Build(384, 12, 64);
        var w = attn.PosProj.Weight.Value.ToArray<double>();
        Assert.Multiple(() =>
        {
            Assert.That(Row(w, 4), Is.EqualTo(new double[] { 0, 0, -1 }), "head 4 = centre");
            Assert.That(Row(w, 7), Is.EqualTo(new double[] { 2, 0, -1 }), "head 7 = one column right");
            for (int h = 9; h < 12; h++)
                Assert.That(Row(w, h).All(v => Math.Abs(v) < 0.15 && v != 0), Is.True, $"head {h} keeps small random weights");
            Assert.That(attn.PosProj.Bias!.Value.ToArray<double>(), Is.All.EqualTo(0.0));
            Assert.That(attn.GatingParam.Value.ToArray<double>(), Is.All.EqualTo(1.0));
        });
        var v = attn.V.Weight.Value.ToArray<double>();
        for (int i = 0; i < 384; i++)
            for (int j = 0; j < 384; j += 37)
                Assert.That(v[i * 384 + j], Is.EqualTo(i == j ? 1.0 : 0.0));
        var rel = attn.RelativePositions.ToArray<double>();
        int q = 9, k = 18; // (row 1, col 1) → (row 2, col 2)
        Assert.That(Row(rel, q * 64 + k), Is.EqualTo(new double[] { 1, 1, 2 }));
    }

    [Test]
    public void EvenKernelUsesHalfIntegerCentre()
    {
        // H = 4: k = 2, c = 0.5 → offsets (±0.5, ±0.5), weights ±1 (the original ConViT rule).
        Assert.Multiple(() =>
        {
            Assert.That(GpsaLocalInit.KernelSize(4), Is.EqualTo(2));
            Assert.That(GpsaLocalInit.Centre(2), Is.EqualTo(0.5));
            Assert.That(GpsaLocalInit.PreferredOffset(0, 4), Is.EqualTo(((double, double)?)(-0.5, -0.5)));
            Assert.That(GpsaLocalInit.PreferredOffset(1, 4), Is.EqualTo(((double, double)?)(-0.5, 0.5)));
            Assert.That(GpsaLocalInit.PreferredOffset(2, 4), Is.EqualTo(((double, double)?)(0.5, -0.5)));
            Assert.That(GpsaLocalInit.PreferredOffset(11, 12), Is.Null);
            Assert.That(GpsaLocalInit.KernelSize(9), Is.EqualTo(3));
            Assert.That(GpsaLocalInit.Centre(3), Is.EqualTo(1));
        });
        using var attn = Build(128, 4, 49);
        Assert.That(attn.PosProj.Weight.Value.ToArray<double>(), Is.EqualTo(new double[] { -1, -1, -1, -1, 1, -1, 1, -1, -1, 1, 1, -1 }));
    }

    [Test]
    public void LocalityStrengthScalesEveryWeight()
    {
        var w = new double[12 * 3];
        for (int i = 0; i < w.Length; i++) w[i] = 0.01 * (i + 1);
        GpsaLocalInit.Apply(w, 12, 2.0);
        Assert.Multiple(() =>
        {
            Assert.That(Row(w, 7), Is.EqualTo(new double[] { 4, 0, -2 }));
            Assert.That(w[10 * 3], Is.EqualTo(0.62).Within(1e-15), "random heads are scaled too");
        });
    }
}
