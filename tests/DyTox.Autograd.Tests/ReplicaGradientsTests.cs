using DyTox.Tensor;
using static DyTox.Autograd.Tests.TestSupport;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd.Tests;

public class ReplicaGradientsTests
{
    private static Parameter NewParameter(TensorT values)
    {
        var t = TensorScope.Unscoped(() => Cpu.Empty(values.DType, values.Shape));
        Cpu.Copy(values, t);
        return new Parameter(t);
    }

    /// <summary>W is used twice (y = gelu(x·Wᵀ)·Wᵀ), so its gradient is a sum of two contributions: the order in which
    /// replicas' contributions join it decides the bits.</summary>
    private static void Backward(Parameter w, TensorT x)
    {
        var xv = new Variable(x);
        var y = F.Linear(F.Gelu(F.Linear(xv, w, null)), w, null);
        Tape.Backward(F.MeanAll(F.Square(y)));
    }

    /// <summary>Replicas run one after another on one set of parameters give the bits of replicas on separate
    /// "devices" (separate parameter copies) whose gradients are reduced in rank order.</summary>
    [Test]
    public void ReplicasInTurnGiveTheBitsOfSeparateDevicesReducedInRankOrder([Values(2, 3)] int replicas)
    {
        using var scope = TensorScope.Begin();
        var rng = new Rng(5);
        var init = Values(rng, [6, 6], DType.Float32);
        var inputs = Enumerable.Range(0, replicas).Select(_ => Values(rng, [7, 6], DType.Float32)).ToArray();

        using var shared = NewParameter(init);
        using var gradients = new ReplicaGradients(replicas);
        for (int r = 0; r < replicas; r++)
        {
            Backward(shared, inputs[r]);
            gradients.Collect([shared]);
            Assert.That(shared.HasGrad, Is.False, "collected gradients leave the parameter empty for the next replica");
        }
        gradients.Reduce();

        var devices = Enumerable.Range(0, replicas).Select(_ => NewParameter(init)).ToArray();
        for (int r = 0; r < replicas; r++) Backward(devices[r], inputs[r]);
        var expected = Cpu.Empty(DType.Float32, [6, 6]);
        Cpu.Copy(devices[0].Grad!, expected);
        for (int r = 1; r < replicas; r++) Cpu.Axpy(1.0, devices[r].Grad!, expected);
        Cpu.Affine(expected, 1.0 / replicas, 0.0, expected);
        Assert.That(shared.Grad!.ToArray<float>(), Is.EqualTo(expected.ToArray<float>()));
        foreach (var d in devices) d.Dispose();
    }

    /// <summary>Replicas whose parameter copies live on other devices (other backends): their gradients come over to
    /// rank 0's device and give the bits of the same replicas taking turns on rank 0's parameter; the copies are left
    /// without a gradient, and a copy that received none contributes zero.</summary>
    [Test]
    public void ReplicasOnOtherDevicesGiveTheBitsOfReplicasInTurn([Values(2, 3)] int replicas)
    {
        using var scope = TensorScope.Begin();
        var rng = new Rng(15);
        var init = Values(rng, [6, 6], DType.Float32);
        var inputs = Enumerable.Range(0, replicas).Select(_ => Values(rng, [7, 6], DType.Float32)).ToArray();

        using var inTurn = NewParameter(init);
        using (var gradients = new ReplicaGradients(replicas))
        {
            for (int r = 0; r < replicas; r++) { Backward(inTurn, inputs[r]); gradients.Collect([inTurn]); }
            gradients.Reduce();
        }

        using var master = NewParameter(init);
        var devices = Enumerable.Range(1, replicas - 1).Select(_ => new DyTox.Tensor.Cpu.CpuBackend()).ToArray();
        var copies = devices.Select(device =>
        {
            var t = TensorScope.Unscoped(() => device.Empty(DType.Float32, [6, 6]));
            new DeviceTransfer().Copy(init, t);
            return new Parameter(t);
        }).ToArray();
        Backward(master, inputs[0]);
        for (int r = 1; r < replicas; r++)
        {
            using var x = device(r).Empty(DType.Float32, [7, 6]);
            new DeviceTransfer().Copy(inputs[r], x);
            Backward(copies[r - 1], x);
            Assert.That(copies[r - 1].Grad!.Backend, Is.SameAs(device(r)));
        }
        var transfer = new DeviceTransfer();
        using (var gradients = new ReplicaGradients(replicas))
        {
            gradients.Collect([master]);
            for (int r = 1; r < replicas; r++) gradients.Collect([master], [copies[r - 1]], transfer);
            gradients.Reduce();
        }
        Assert.That(master.Grad!.ToArray<float>(), Is.EqualTo(inTurn.Grad!.ToArray<float>()));
        Assert.That(copies.All(c => !c.HasGrad), Is.True, "collected gradients leave the copies empty");
        foreach (var c in copies) c.Dispose();

        DyTox.Tensor.Cpu.CpuBackend device(int rank) => devices[rank - 1];
    }

    /// <summary>The mean of the replicas' batch-mean gradients is the gradient of the whole batch's mean.</summary>
    [Test]
    public void TheMeanOfReplicaGradientsIsTheGradientOfTheGlobalBatch()
    {
        using var scope = TensorScope.Begin();
        var rng = new Rng(9);
        var init = Values(rng, [6, 6]);
        var whole = Values(rng, [8, 6]);
        var halves = new[] { Cpu.Empty(DType.Float64, [4, 6]), Cpu.Empty(DType.Float64, [4, 6]) };
        var all = whole.ToArray<double>();
        for (int h = 0; h < 2; h++) Init.Write(halves[h], all.AsSpan(h * 24, 24).ToArray());

        using var global = NewParameter(init);
        Backward(global, whole);
        using var replicated = NewParameter(init);
        using var gradients = new ReplicaGradients(2);
        foreach (var half in halves)
        {
            Backward(replicated, half);
            gradients.Collect([replicated]);
        }
        gradients.Reduce();
        Assert.That(replicated.Grad!.ToArray<double>(), Is.EqualTo(global.Grad!.ToArray<double>()).Within(1e-14));
    }

    [Test]
    public void AParameterWithoutAGradientInOneReplicaContributesZero()
    {
        using var scope = TensorScope.Begin();
        var rng = new Rng(3);
        using var w = NewParameter(Values(rng, [6, 6]));
        var x = Values(rng, [5, 6]);
        using var gradients = new ReplicaGradients(2);
        gradients.Collect([w]); // replica 0 did not reach w
        Backward(w, x);
        var g1 = w.Grad!.ToArray<double>();
        gradients.Collect([w]);
        gradients.Reduce();
        Assert.That(w.Grad!.ToArray<double>(), Is.EqualTo(g1.Select(v => v / 2).ToArray()));
    }

    [Test]
    public void MisuseIsAnError()
    {
        using var scope = TensorScope.Begin();
        using var w = NewParameter(Values(new Rng(1), [2, 2]));
        using var gradients = new ReplicaGradients(2);
        gradients.Collect([w]);
        Assert.That(() => gradients.Reduce(), Throws.InvalidOperationException.With.Message.Contain("1 of 2"));
        gradients.Collect([w]);
        Assert.That(() => gradients.Collect([w]), Throws.InvalidOperationException);
        Assert.That(() => new ReplicaGradients(0), Throws.TypeOf<ArgumentOutOfRangeException>());

        using var single = new ReplicaGradients(1);
        Backward(w, Values(new Rng(2), [3, 2]));
        var g = w.Grad!.ToArray<double>();
        single.Collect([w]);
        single.Reduce();
        Assert.That(w.Grad!.ToArray<double>(), Is.EqualTo(g), "one replica: the gradient stays where backward left it");
    }
}
