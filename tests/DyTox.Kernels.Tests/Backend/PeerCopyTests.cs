using DyTox.Kernels.Backend;
using DyTox.Kernels.Emulator;
using DyTox.Kernels.Tests.Runtime;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Kernels.Tests.Backend;

/// <summary>Device-to-device copies between two CUDA backends (here two emulated GPUs): what data parallelism over devices
/// uses for gradients and weights (DeviceTransfer asks IPeerCopy before going through the host).</summary>
public class PeerCopyTests
{
    [Test]
    public void TwoEmulatedGpusCopyPeerToPeerWithTheBitsUnchanged()
    {
        EmulatorDriver first, second;
        try { first = new EmulatorDriver(); second = new EmulatorDriver(); }
        catch (EmulatorUnavailableException e) { Assert.Ignore($"no CPU emulator: {e.Message}"); return; }
        using (first)
        using (second)
        using (var gpu0 = new CudaBackend(first))
        using (var gpu1 = new CudaBackend(second))
        using (var scope = TensorScope.Begin())
        {
            float[] values = [.. BackendPair.Random(1000, 3), float.NaN, -0f, float.NegativeInfinity];
            var source = BackendPair.Upload(gpu0, values, values.Length);
            var target = gpu1.Empty(DType.Float32, [values.Length]);
            Assert.That(gpu1.TryCopyFromPeer(source, target), Is.True);
            Assert.That(Bits(target), Is.EqualTo(Bits(source)));

            var viaTransfer = gpu1.Empty(DType.Float32, [values.Length]);
            var back = gpu0.Empty(DType.Float32, [values.Length]);
            var transfer = new DeviceTransfer();
            transfer.Copy(source, viaTransfer);
            transfer.Broadcast(viaTransfer, [back]);
            Assert.That(Bits(back), Is.EqualTo(Bits(source)));

            // Another kind of device: the caller goes through the host.
            var host = BackendPair.Upload(CpuBackend.Instance, values, values.Length);
            Assert.That(gpu1.TryCopyFromPeer(host, target), Is.False);
            Assert.That(() => first.CopyFromPeer(source.Address, new RecordingDriver(), target.Address, 4), Throws.ArgumentException.With.Message.Contain("another emulator driver"));
            Assert.That(() => gpu1.TryCopyFromPeer(source, gpu1.Empty(DType.Float32, [3])), Throws.ArgumentException);
        }
    }

    private static int[] Bits(DyTox.Tensor.Tensor t) => Array.ConvertAll(t.ToArray<float>(), BitConverter.SingleToInt32Bits);
}
