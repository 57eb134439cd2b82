using System.Runtime.CompilerServices;
using DyTox.Kernels.Emulator;
using DyTox.Kernels.Runtime;
using DyTox.Kernels.Runtime.Launchers;
using DyTox.Kernels.Tests.Runtime;
using DyTox.Tensor;
using Tensor = DyTox.Tensor.Tensor;

namespace DyTox.Kernels.Tests.Backend;

/// <summary>The CUDA backend's launchers: allocation-free launches, descriptor layouts that match the kernels.</summary>
public class BackendLauncherTests
{
    private const ulong P = 0x7000_0000UL;

    [Test]
    public void LaunchesAllocateNothingOnceKernelsAreResolved()
    {
        var driver = new RecordingDriver();
        var ops = new TensorOpKernels(driver);
        var reduce = new ReductionKernels(driver);
        var rows = new RowKernels(driver);
        var losses = new LossKernels(driver);
        var optim = new OptimizerKernels(driver);
        var copy = CopyDesc6.Create([3, 5, 7], [1, 3, 15], [35, 7, 1]);
        var binary = BinaryDesc6.Create([3, 5, 7], [35, 7, 1], [0, 1, 0]);
        var segment = SegmentDesc6.Create([3, 7], [35, 1], [5], [7]);
        var adam = AdamWScalars.From(new AdamWHyper(1e-3, 0.9, 0.999, 1e-8, 0.05, 1));
        void Step()
        {
            ops.Fill(P, 100, 0u);
            ops.StridedCopy(P, P, copy, 105);
            ops.Binary(DyTox.Tensor.BinaryOp.Div, P, P, P, binary, 105);
            ops.Unary(UnaryOp.Gelu, P, P, 100);
            ops.UnaryBackward(UnaryOp.Tanh, P, P, P, P, 100);
            ops.Affine(P, P, 100, 2f, 1f);
            ops.Axpy(P, P, 100, 2f);
            reduce.SegmentSum(P, P, segment, 1f);
            reduce.SegmentMax(P, P, segment);
            reduce.ArgMax(P, P, 3, 5, 7);
            reduce.FlatSum(P, P, 10_000, true, 1f, P);
            rows.LogSoftmaxForward(P, P, 65, 36);
            rows.L2NormalizeBackward(P, P, P, 65, 36, 1e-8f);
            rows.IndexAdd(P, P, P, 3, 5, 6, 7);
            losses.CrossEntropyRows(P, P, P, 65, 36, 0.1f);
            losses.BcePartial(P, P, P, 1000);
            optim.AdamW(P, P, P, P, 1000, adam);
            optim.AdamWMany(P, 4, 1000, adam);
            optim.Sgd(P, P, P, 1000, new SgdHyper(0.1, 0.9, 0, false, false));
        }
        Step();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++) Step();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero, "bytes allocated by 200 launches");
    }

    [Test]
    public void LaunchShapesFollowTheKernelsContracts()
    {
        var driver = new RecordingDriver();
        var reduce = new ReductionKernels(driver);
        reduce.SegmentSum(P, P, SegmentDesc6.Create([65], [36], [36], [1]), 1f);
        Assert.That(driver.Last, Is.EqualTo(new RecordingDriver.LaunchRecord("segment_sum_f32", new Dim3(65), new Dim3(32), 0, P)),
            "one block per output segment, a whole warp for short segments");
        reduce.SegmentSum(P, P, SegmentDesc6.Create([3], [1], [5000], [3]), 1f);
        Assert.That(driver.Last.Block, Is.EqualTo(new Dim3(256)));
        reduce.FinalSum(P, P, 3, 1f);
        Assert.That(driver.Last.Grid, Is.EqualTo(new Dim3(1)), "the final sum is one block: a fixed order");
        new OptimizerKernels(driver).AdamWMany(P, 7, 300, AdamWScalars.From(new AdamWHyper(1e-3, 0.9, 0.999, 1e-8, 0, 1)));
        Assert.That(driver.Last.Grid, Is.EqualTo(new Dim3(2, 7)), "blockIdx.y picks the table entry");
    }

    [Test]
    public void DescriptorStructsMatchTheKernelParameters()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Unsafe.SizeOf<CopyDesc6>(), Is.EqualTo(144));
            Assert.That(Unsafe.SizeOf<BinaryDesc6>(), Is.EqualTo(144));
            Assert.That(Unsafe.SizeOf<SegmentDesc6>(), Is.EqualTo(192));
            Assert.That(Unsafe.SizeOf<AdamWScalars>(), Is.EqualTo(32));
            Assert.That(Unsafe.SizeOf<AdamWTableEntry>(), Is.EqualTo(40));
        });
        if (Numerics.TestDrivers.Require() is not EmulatorDriver emulator) return;
        int SizeOf(string file, string kernel, int parameter) => emulator.GetParameters(emulator.GetFunction(file, kernel))[parameter].SizeBytes;
        Assert.Multiple(() =>
        {
            Assert.That(SizeOf("tensor_ops.cu", "strided_copy_u32", 2), Is.EqualTo(144));
            Assert.That(SizeOf("tensor_ops.cu", "binary_broadcast_f32", 3), Is.EqualTo(144));
            Assert.That(SizeOf("reduce.cu", "segment_sum_f32", 2), Is.EqualTo(192));
            Assert.That(SizeOf("optimizers.cu", "adamw_f32", 5), Is.EqualTo(32));
        });
    }

    [Test]
    public void DescriptorsRejectMoreThanSixDimensions() =>
        Assert.Throws<ArgumentException>(() => CopyDesc6.Create([2, 2, 2, 2, 2, 2, 2], [1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]));
}

/// <summary>Backend ops without scratch memory allocate nothing on the managed heap once warmed up.</summary>
public class BackendAllocationTests
{
    [Test]
    public void ElementwiseReductionAndRowOpsAllocateNothingInTheSteadyState()
    {
        using var scope = TensorScope.Begin();
        var gpu = BackendPair.Gpu;
        var x = BackendPair.Upload(gpu, BackendPair.Random(65 * 36, 700), 65, 36);
        var b = BackendPair.Upload(gpu, BackendPair.Random(36, 701), 36);
        var y = gpu.Empty(DType.Float32, [65, 36]);
        var r = gpu.Empty(DType.Float32, [65, 1]);
        var t = gpu.Empty(DType.Float32, [36, 65]);
        var xt = x.Transpose(0, 1);
        void Step()
        {
            gpu.Binary(DyTox.Tensor.BinaryOp.Add, x, b, y);
            gpu.Unary(UnaryOp.Tanh, y, y);
            gpu.UnaryBackward(UnaryOp.Tanh, x, y, y, y);
            gpu.Affine(y, 2, 1, y);
            gpu.Axpy(0.5, x, y);
            gpu.Reduce(ReduceOp.Sum, y, 1, r);
            gpu.Copy(xt, t);
            gpu.Softmax(x, y);
            gpu.LogSoftmax(x, y);
        }
        Step();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++) Step();
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero, "bytes allocated by 45 backend ops");
    }

    [Test]
    public void UndefinedOpCodesAreRejected()
    {
        using var scope = TensorScope.Begin();
        var gpu = BackendPair.Gpu;
        var x = gpu.Empty(DType.Float32, [4]);
        Assert.Throws<ArgumentOutOfRangeException>(() => gpu.Unary((UnaryOp)99, x, x));
        Assert.Throws<ArgumentOutOfRangeException>(() => gpu.Binary((DyTox.Tensor.BinaryOp)99, x, x, x));
    }
}
