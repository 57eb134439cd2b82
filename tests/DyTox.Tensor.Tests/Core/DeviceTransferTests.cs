using DyTox.Tensor.Cpu;

namespace DyTox.Tensor.Tests.Core;

/// <summary>Copies between devices (here: separate CPU backends) move the bytes unchanged.</summary>
public class DeviceTransferTests
{
    private static readonly float[] Awkward = [1f, -0f, float.NaN, BitConverter.Int32BitsToSingle(0x7fc00123), float.Epsilon, -float.MaxValue, float.PositiveInfinity];

    [Test]
    public void CopyAndBroadcastMoveTheBitsUnchanged()
    {
        using var scope = TensorScope.Begin();
        var home = CpuBackend.Instance;
        IBackend[] others = [new CpuBackend(), new CpuBackend()];
        var source = home.Empty(DType.Float32, [Awkward.Length]);
        Awkward.CopyTo(source.Span<float>());
        var transfer = new DeviceTransfer();

        var copy = others[0].Empty(DType.Float32, [Awkward.Length]);
        transfer.Copy(source, copy);
        Assert.That(copy.Backend, Is.SameAs(others[0]));
        Assert.That(Bits(copy), Is.EqualTo(Bits(source)), "NaN payloads and −0 included");

        var targets = others.Select(b => b.Empty(DType.Float32, [Awkward.Length])).Append(home.Empty(DType.Float32, [Awkward.Length])).ToArray();
        transfer.Broadcast(source, targets);
        foreach (var t in targets) Assert.That(Bits(t), Is.EqualTo(Bits(source)));
    }

    [Test]
    public void MismatchedTensorsAreRefused()
    {
        using var scope = TensorScope.Begin();
        var transfer = new DeviceTransfer();
        var other = new CpuBackend();
        var a = CpuBackend.Instance.Empty(DType.Float32, [2, 3]);
        Assert.That(() => transfer.Copy(a, other.Empty(DType.Float32, [3, 2])), Throws.ArgumentException.With.Message.Contain("one shape and dtype"));
        Assert.That(() => transfer.Copy(a, other.Empty(DType.Float64, [2, 3])), Throws.ArgumentException.With.Message.Contain("one shape and dtype"));
        var strided = other.Empty(DType.Float32, [3, 2]).Transpose(0, 1);
        Assert.That(() => transfer.Copy(a, strided), Throws.ArgumentException.With.Message.Contain("contiguous"));
    }

    private static int[] Bits(Tensor t) => Array.ConvertAll(t.ToArray<float>(), BitConverter.SingleToInt32Bits);
}
