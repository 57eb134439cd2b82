using DyTox.Kernels.Runtime.Launchers;
using DyTox.Kernels.Tests.Runtime;

namespace DyTox.Kernels.Tests.Attention;

/// <summary>Launch plans of GpsaKernels/TaskAttentionKernels at the real DyTox shapes (recorded, not run) and their input checks.</summary>
public class AttentionLauncherTests
{
    private const ulong P = 0x1000_0000UL;

    [TestCase(128, 64, 384, 12)]   // DyTox CIFAR
    [TestCase(128, 196, 384, 12)]  // DyTox ImageNet (14×14 patches)
    [TestCase(4, 256, 512, 8)]     // the largest N the design targets, head dim 64
    public void GpsaLaunchesOneBlockPerSampleAndHeadWithinTheSharedMemoryOptIn(int batch, int n, int dim, int heads)
    {
        var driver = new RecordingDriver();
        var k = new GpsaKernels(driver);
        k.Forward(P, P, P, P, P, P, P, batch, n, dim, heads, 0.17f);
        var fwd = driver.Last;
        k.Backward(P, P, P, P, P, P, P, P, P, P, P, batch, n, dim, heads, 0.17f, P);
        Assert.Multiple(() =>
        {
            Assert.That(fwd.Kernel, Is.EqualTo("gpsa_forward_f32"));
            Assert.That(fwd.Grid.X, Is.EqualTo(batch * heads));
            Assert.That(fwd.Block.X, Is.EqualTo(GpsaKernels.DefaultBlockThreads));
            Assert.That(fwd.SharedBytes, Is.EqualTo(GpsaKernels.SharedBytes(n, dim / heads, GpsaKernels.DefaultBlockThreads)));
            Assert.That(fwd.SharedBytes, Is.LessThanOrEqualTo(driver.Device.MaxSharedMemoryPerBlockOptin));
            Assert.That(driver.Last.Kernel, Is.EqualTo("gpsa_backward_reduce_f32"));
            Assert.That(driver.LaunchCount, Is.EqualTo(3));
        });
    }

    [Test]
    public void GpsaSharedMemoryAtCifarFitsUnderTheStaticLimit() =>
        // K and V padded (2·64·33) + 8 warps × 4 rows × (64 + 32) floats = 29,184 bytes: 7 blocks per SM by shared memory.
        Assert.That(GpsaKernels.SharedBytes(64, 32, 256), Is.EqualTo((2 * 64 * 33 + 8 * 4 * 96) * 4));

    [Test]
    public void GpsaSharedMemoryCoversPhaseTwoRowsAndStaysAligned()
    {
        // d = 10: phase 2 rows of 16 channels exceed d+1 = 11; 2·9·16 = 288 floats, then 1 warp × 4 × (9 + 10).
        Assert.That(GpsaKernels.SharedBytes(9, 10, 32), Is.EqualTo((2 * 9 * 16 + 4 * 19) * 4));
        // d = 12, N = 9: 2·9·16 = 288 (multiple of 4); d = 32, N = 65: 2·65·33 = 4290 rounds up to 4292.
        Assert.That(GpsaKernels.SharedBytes(65, 32, 64), Is.EqualTo((4292 + 2 * 4 * 97) * 4));
        // ImageNet (N = 196, d = 64) at 256 threads fits the H200's 227 KB opt-in.
        Assert.That(GpsaKernels.SharedBytes(196, 64, 256), Is.LessThanOrEqualTo(227 * 1024));
    }

    [Test]
    public void ScratchSizesCoverThePartials()
    {
        Assert.That(GpsaKernels.BackwardScratchBytes(2, 9, 3), Is.EqualTo((2L * 2 * 3 * 81 + 2 * 3) * 4));
        Assert.That(TaskAttentionKernels.BackwardScratchBytes(3, 2, 64, 12), Is.EqualTo(3L * 2 * 12 * 65 * 4));
    }

    [Test]
    public void GpsaRejectsBadShapes()
    {
        var k = new GpsaKernels(new RecordingDriver());
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => k.Forward(P, P, P, P, P, P, P, 2, 9, 35, 3, 0.3f), "dim not divisible by heads");
            Assert.Throws<ArgumentOutOfRangeException>(() => k.Forward(P, P, P, P, P, P, P, 0, 9, 36, 3, 0.3f), "batch 0");
            Assert.Throws<ArgumentOutOfRangeException>(() => k.Forward(P, P, P, P, P, P, P, 2, 9, 36, 3, float.NaN), "scale NaN");
            Assert.Throws<ArgumentNullException>(() => k.Forward(0, P, P, P, P, P, P, 2, 9, 36, 3, 0.3f), "null qk");
            Assert.Throws<ArgumentNullException>(() => k.Backward(P, P, P, P, P, P, P, P, P, P, P, 2, 9, 36, 3, 0.3f, 0), "null scratch");
            Assert.Throws<ArgumentException>(() => k.Forward(P, P, P, P, P, P, P, 1, 1024, 1024, 4, 0.1f), "shared memory beyond the opt-in limit");
            Assert.Throws<ArgumentOutOfRangeException>(() => k.BlockThreads = 100);
        });
    }

    [Test]
    public void GpsaBackwardRefusesBlocksAboveItsRegisterCap()
    {
        var driver = new RecordingDriver();
        var k = new GpsaKernels(driver) { BlockThreads = 1024 };
        k.Forward(P, P, P, P, P, P, P, 2, 9, 36, 3, 0.3f); // the forward is bounded for 1024 threads
        Assert.Multiple(() =>
        {
            Assert.That(driver.Last.Block.X, Is.EqualTo(1024));
            Assert.Throws<InvalidOperationException>(() => k.Backward(P, P, P, P, P, P, P, P, P, P, P, 2, 9, 36, 3, 0.3f, P));
        });
        k.BlockThreads = GpsaKernels.MaxBackwardThreads;
        k.Backward(P, P, P, P, P, P, P, P, P, P, P, 2, 9, 36, 3, 0.3f, P);
        Assert.That(driver.LaunchCount, Is.EqualTo(3));
    }

    [TestCase(1, 128, 64, 384, 12)]
    [TestCase(10, 128, 196, 384, 12)]
    public void TaskAttentionLaunchesOneWarpPerRow(int tasks, int batch, int n, int dim, int heads)
    {
        var driver = new RecordingDriver();
        var k = new TaskAttentionKernels(driver);
        k.Forward(P, P, P, P, P, P, P, tasks, batch, n, dim, heads, 0.17f);
        var fwd = driver.Last;
        k.Backward(P, P, P, P, P, P, P, P, P, P, P, P, tasks, batch, n, dim, heads, 0.17f, P);
        Assert.Multiple(() =>
        {
            Assert.That(fwd.Kernel, Is.EqualTo("task_attention_forward_f32"));
            Assert.That((long)fwd.Grid.X * fwd.Block.X / 32, Is.GreaterThanOrEqualTo((long)tasks * batch * heads));
            Assert.That((long)(fwd.Grid.X - 1) * fwd.Block.X / 32, Is.LessThan((long)tasks * batch * heads));
            Assert.That(fwd.SharedBytes, Is.EqualTo(TaskAttentionKernels.SharedBytes(n, dim / heads, TaskAttentionKernels.DefaultBlockThreads)));
            Assert.That(driver.Last.Kernel, Is.EqualTo("task_attention_backward_patches_f32"));
        });
    }

    [Test]
    public void TaskAttentionRejectsBadShapes()
    {
        var k = new TaskAttentionKernels(new RecordingDriver());
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => k.Forward(P, P, P, P, P, P, P, 1, 2, 9, 35, 3, 0.3f));
            Assert.Throws<ArgumentOutOfRangeException>(() => k.Forward(P, P, P, P, P, P, P, 0, 2, 9, 36, 3, 0.3f));
            Assert.Throws<ArgumentNullException>(() => k.Forward(P, 0, P, P, P, P, P, 1, 2, 9, 36, 3, 0.3f));
        });
    }
}
