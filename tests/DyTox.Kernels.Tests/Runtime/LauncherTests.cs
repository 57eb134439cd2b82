using DyTox.Kernels.Runtime;
using DyTox.Kernels.Runtime.Launchers;

namespace DyTox.Kernels.Tests.Runtime;

/// <summary>Launch configurations and the zero-allocation launch path, on a recording driver.</summary>
public class LauncherTests
{
    private const ulong P = 0x7000_0000UL;

    [Test]
    public void LaunchesAllocateNothingOnceKernelsAreResolved()
    {
        var driver = new RecordingDriver();
        var ew = new ElementwiseKernels(driver);
        var sm = new SoftmaxKernels(driver);
        var ln = new LayerNormKernels(driver);
        void Step()
        {
            ew.Fill(P, 1000, 1f);
            ew.Binary(BinaryOp.Mul, P, P, P, 1000);
            ew.BinaryBroadcast(BinaryOp.Add, P, [8, 65, 384], P, [65 * 384, 384, 1], P, [0, 0, 1]);
            ew.StridedCopy(P, P, [2, 3, 4, 5], [60, 20, 5, 1]);
            ew.GeluBackward(P, P, P, 1000);
            sm.Forward(P, P, 100, 65);
            sm.Backward(P, P, P, 100, 5000);
            ln.Forward(P, P, P, P, P, P, 100, 384, 1e-6f);
            ln.BackwardInput(P, P, P, P, P, P, 100, 384);
            ln.BackwardParams(P, P, P, P, P, P, P, P, 100, 384, accumulate: true);
        }
        Step(); // resolves and caches the kernel handles
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++) Step();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, "bytes allocated by 110 launches");
        Assert.That(driver.LaunchCount, Is.EqualTo(11 * 11));
    }

    [Test]
    public void ConfigurationsMatchTheKernelsContracts()
    {
        var driver = new RecordingDriver();
        var sm = new SoftmaxKernels(driver);
        sm.Forward(P, P, 37, 65);
        Assert.That(driver.Last, Is.EqualTo(new RecordingDriver.LaunchRecord("softmax_forward_warp_f32", new Dim3(5), new Dim3(256), 0, P)));
        sm.Forward(P, P, 37, 65, SoftmaxPath.BlockPerRow);
        Assert.That(driver.Last.Grid, Is.EqualTo(new Dim3(37)));
        Assert.That(driver.Last.Block.X % 32, Is.Zero, "block_max/block_sum need whole warps");

        var ln = new LayerNormKernels(driver);
        ln.BackwardParams(P, P, P, P, P, P, P, P, 130, 50, accumulate: false);
        Assert.That(driver.Last.Kernel, Is.EqualTo("layernorm_backward_params_finalize_f32"));
        Assert.That(driver.Last.Grid, Is.EqualTo(new Dim3(1)));

        new ElementwiseKernels(driver).Fill(P, 1L << 36, 0f);
        Assert.That(driver.Last.Grid.X, Is.EqualTo(132 * 16), "grid-stride kernels cap the grid");
    }

    [Test]
    public void LaunchersValidateArguments()
    {
        var driver = new RecordingDriver();
        Assert.Throws<ArgumentNullException>(() => new ElementwiseKernels(driver).Copy(0, P, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SoftmaxKernels(driver).Forward(P, P, 0, 65));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LayerNormKernels(driver).Forward(P, P, P, P, P, P, 4, 8, 0f));
        Assert.That(driver.LaunchCount, Is.Zero);
        new ElementwiseKernels(driver).Fill(P, 0, 1f);
        Assert.That(driver.LaunchCount, Is.Zero, "an empty fill launches nothing");
    }
}
