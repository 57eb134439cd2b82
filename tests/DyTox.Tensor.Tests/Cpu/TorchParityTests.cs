namespace DyTox.Tensor.Tests.Cpu;

/// <summary>
/// Values produced once by PyTorch 2 (Debian's python3-torch, CPU) for inputs that are exact rationals, so
/// both sides see the same bits. The script is in the comments; re-run it to regenerate.
/// </summary>
public class TorchParityTests : CpuTestBase
{
    // p = [(i − 18)/7], g1 = [((13i) mod 11 − 5)/9], g2 = [((7i) mod 5 − 2)/3], i < 37, float32;
    // opt = torch.optim.AdamW([p], lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05);
    // three steps with grads g1, g2, g1; the float32 bits of every element of p.
    [Test]
    public void AdamWFloat32MatchesTorchBitForBit()
    {
        const int n = 37;
        var p = Make(Enumerable.Range(0, n).Select(i => (i - 18) / 7.0).ToArray(), DType.Float32, n);
        var g1 = Make(Enumerable.Range(0, n).Select(i => ((i * 13) % 11 - 5) / 9.0).ToArray(), DType.Float32, n);
        var g2 = Make(Enumerable.Range(0, n).Select(i => ((i * 7) % 5 - 2) / 3.0).ToArray(), DType.Float32, n);
        var m = Zeros(DType.Float32, n);
        var v = Zeros(DType.Float32, n);
        var grads = new[] { g1, g2, g1 };
        for (int step = 1; step <= 3; step++)
            Cpu.AdamWStep(p, grads[step - 1], m, v, new AdamWHyper(1e-2, 0.9, 0.999, 1e-8, 0.05, step));
        var got = p.ToArray<float>();
        uint[] torchBits =
        [
            3223480426, 3222903458, 3222409338, 3221825172, 3221338662, 3220096660, 3218598564, 3217582610, 3216303370,
            3215466495, 3214095860, 3212394506, 3210311907, 3207558091, 3206099571, 3202243251, 3198078053, 3188255062,
            1022572610, 1040486235, 1049648079, 1053711896, 1058334445, 1061044823, 1062990870, 1065327528, 1066328613,
            1067482551, 1069179781, 1070201939, 1071434162, 1072311491, 1073467613, 1074450582, 1074979601, 1075632753,
            1076018097,
        ];
        for (int i = 0; i < n; i++)
            Assert.That(BitConverter.SingleToUInt32Bits(got[i]), Is.EqualTo(torchBits[i]),
                        $"p[{i}] = {got[i]:R}, torch {BitConverter.UInt32BitsToSingle(torchBits[i]):R}");
    }

    // Same p, g1, g2; opt = torch.optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True);
    // three steps with grads g1, g2, g1.
    [Test]
    public void NesterovSgdFloat32MatchesTorchBitForBit()
    {
        const int n = 37;
        var p = Make(Enumerable.Range(0, n).Select(i => (i - 18) / 7.0).ToArray(), DType.Float32, n);
        var g1 = Make(Enumerable.Range(0, n).Select(i => ((i * 13) % 11 - 5) / 9.0).ToArray(), DType.Float32, n);
        var g2 = Make(Enumerable.Range(0, n).Select(i => ((i * 7) % 5 - 2) / 3.0).ToArray(), DType.Float32, n);
        var buf = Zeros(DType.Float32, n);
        var grads = new[] { g1, g2, g1 };
        for (int step = 0; step < 3; step++)
            Cpu.SgdStep(p, grads[step], buf, new SgdHyper(0.1, 0.9, 0.01, Nesterov: true, FirstStep: step == 0));
        var got = p.ToArray<float>();
        uint[] torchBits =
        [
            3221537116, 3222196177, 3222855238, 3221622396, 3222281457, 3220871757, 3216726492, 3218044614, 3215578930,
            3216897053, 3214431368, 3207735340, 3210371587, 3205440217, 3208076463, 3201841931, 3205781340, 3182343105,
            1045799623, 1028844995, 1051778059, 1044435137, 1060025620, 1064956988, 1062320743, 1066302664, 1064615867,
            1061979622, 1071595492, 1070277369, 1072743054, 1071424931, 1070106808, 1075888852, 1075229791, 1076462634,
            1075803571,
        ];
        for (int i = 0; i < n; i++)
            Assert.That(BitConverter.SingleToUInt32Bits(got[i]), Is.EqualTo(torchBits[i]),
                        $"p[{i}] = {got[i]:R}, torch {BitConverter.UInt32BitsToSingle(torchBits[i]):R}");
    }

    // zs = [[1, 2, −1], [0.5, −3, 2]], zt = [[0, 1, 3], [2, 2, −1]], float64, τ = 2:
    // F.kl_div(F.log_softmax(zs/τ, 1), F.log_softmax(zt/τ, 1), reduction='mean', log_target=True)·τ²
    // F.cross_entropy(zs, [2, 0], label_smoothing=0.1)
    [Test]
    public void LossesMatchTorch()
    {
        var zs = Make([1, 2, -1, 0.5, -3, 2], DType.Float64, 2, 3);
        var zt = Make([0, 1, 3, 2, 2, -1], DType.Float64, 2, 3);
        var loss = Cpu.Empty(DType.Float64, [1]);
        Cpu.KnowledgeDistillation(zs, zt, 2, loss);
        Assert.That(loss.Item(), Is.EqualTo(1.1097660520744654).Within(1e-15));
        Cpu.SoftmaxCrossEntropy(zs, MakeInt([2, 0], 2), 0.1, loss);
        Assert.That(loss.Item(), Is.EqualTo(2.4779595752207997).Within(1e-15));
    }

    // F.gelu(torch.tensor([−3.0, 0.7], dtype=torch.float64))
    [Test]
    public void GeluMatchesTorch()
    {
        var y = Cpu.Empty(DType.Float64, [2]);
        Cpu.Unary(UnaryOp.Gelu, Make([-3.0, 0.7], DType.Float64, 2), y);
        AssertClose(Values(y), [-0.00404969409489031, 0.5306254434438489], 0, 1e-14, "gelu");
    }
}
