using System.Runtime.CompilerServices;
using DyTox.Kernels.Runtime;
using DyTox.Kernels.Runtime.Launchers;

namespace DyTox.Kernels.Tests.Runtime;

public class LaunchArgumentTests
{
    [Test]
    public void DescriptorStructsMatchTheKernelLayouts()
    {
        Assert.That(Unsafe.SizeOf<StridedDesc4>(), Is.EqualTo(64), "struct StridedDesc4 { long long size[4], stride[4]; }");
        Assert.That(Unsafe.SizeOf<BroadcastDesc4>(), Is.EqualTo(96), "struct BroadcastDesc4 { long long size[4], a_stride[4], b_stride[4]; }");
    }

    [Test]
    public unsafe void DescriptorsLeftPadLowRankShapes()
    {
        var d = StridedDesc4.Create([14, 15], [1, 14]);
        Assert.That(new[] { d.Size[0], d.Size[1], d.Size[2], d.Size[3] }, Is.EqualTo(new long[] { 1, 1, 14, 15 }));
        Assert.That(new[] { d.Stride[2], d.Stride[3] }, Is.EqualTo(new long[] { 1, 14 }));
        Assert.That(d.Count, Is.EqualTo(210));
    }

    [Test]
    public void DescriptorsRejectBadShapes()
    {
        Assert.Throws<ArgumentException>(() => StridedDesc4.Create([1, 2, 3, 4, 5], [1, 1, 1, 1, 1]));
        Assert.Throws<ArgumentException>(() => StridedDesc4.Create([2, 0], [1, 1]));
        Assert.Throws<ArgumentException>(() => BroadcastDesc4.Create([2, 3], [3, 1], [1]));
    }

    [Test]
    public void GridStrideBlocksAreCappedPerSm()
    {
        var device = new DeviceInfo("x", 9, 0, 1, 132, 1024, 48 * 1024, 227 * 1024, "13.0");
        Assert.Multiple(() =>
        {
            Assert.That(LaunchPlan.GridStrideBlocks(1, device), Is.EqualTo(1));
            Assert.That(LaunchPlan.GridStrideBlocks(257, device), Is.EqualTo(2));
            Assert.That(LaunchPlan.GridStrideBlocks(1L << 40, device), Is.EqualTo(132 * 16));
        });
    }

    [Test]
    public void SoftmaxPathAndBlockSizeFollowRowLength()
    {
        Assert.Multiple(() =>
        {
            Assert.That(SoftmaxKernels.Resolve(SoftmaxPath.Auto, 65), Is.EqualTo(SoftmaxPath.WarpPerRow));
            Assert.That(SoftmaxKernels.Resolve(SoftmaxPath.Auto, 5000), Is.EqualTo(SoftmaxPath.BlockPerRow));
            Assert.That(SoftmaxKernels.Resolve(SoftmaxPath.BlockPerRow, 65), Is.EqualTo(SoftmaxPath.BlockPerRow));
            Assert.That(SoftmaxKernels.BlockThreads(100_000), Is.EqualTo(1024));
            Assert.That(LayerNormKernels.ParamChunks(8192), Is.EqualTo(128));
            Assert.That(LayerNormKernels.ParamChunks(65), Is.EqualTo(2));
        });
    }

    [TestCase(false, false, 3, 2)]  // lda < k
    [TestCase(true, false, 4, 1)]   // transposed A is k×m: lda < m
    public void GemmRejectsShortLeadingDimensions(bool transA, bool transB, int m, int lda) =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            GemmArguments.Validate(transA, transB, m, 5, 3, lda, 0, 5, 0, 5, 0, 1));

    [Test]
    public void GemmRejectsOverlappingBatchOutputs() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => GemmArguments.Validate(false, false, 4, 4, 4, 4, 16, 4, 16, 4, 8, 2));

    [Test]
    public void GemmAcceptsTheLinearLayerRecipe() =>
        Assert.DoesNotThrow(() => GemmArguments.Validate(false, true, 8192, 1536, 384, 384, 0, 384, 0, 1536, 0, 1));
}
