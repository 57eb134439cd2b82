using DyTox.Tensor.Cpu;

namespace DyTox.Tensor.Tests;

/// <summary>The profiling decorator: results are the inner backend's, tensors it allocates route later ops through
/// it, and its table counts every call under the op's name and shapes.</summary>
public sealed class ProfilingBackendTests
{
    [Test]
    public void TimesEveryOpAndLeavesResultsUnchanged()
    {
        using var scope = TensorScope.Begin();
        using var profiler = new ProfilingBackend(CpuBackend.Instance);
        var a = profiler.Empty(DType.Float32, [2, 3]);
        var b = profiler.Empty(DType.Float32, [3, 4]);
        new float[] { 1, 2, 3, 4, 5, 6 }.CopyTo(a.Span<float>());
        new float[] { 1, 0, 0, 1, 0, 1, 0, 1, 1, 1, 1, 0 }.CopyTo(b.Span<float>());
        var c = profiler.Empty(DType.Float32, [2, 4]);
        profiler.MatMul(a, false, b, false, c);
        // An op reached through the tensor (as autograd does) is timed too.
        c.Backend.Unary(UnaryOp.Neg, c, c);

        Assert.That(a.Backend, Is.SameAs(profiler));
        Assert.That(c.Span<float>().ToArray(), Is.EqualTo(new float[] { -4, -5, -3, -3, -10, -11, -6, -9 }));
        var timings = profiler.Timings;
        Assert.That(timings["Empty"].Calls, Is.EqualTo(3));
        Assert.That(timings["MatMul 2x3 * 3x4"].Calls, Is.EqualTo(1));
        Assert.That(timings["Unary Neg 2x4"].Calls, Is.EqualTo(1));
        Assert.That(profiler.Report(), Does.Contain("MatMul 2x3 * 3x4").And.Contain("total (all ops)"));

        profiler.Enabled = false;
        profiler.Unary(UnaryOp.Neg, c, c);
        Assert.That(profiler.Timings["Unary Neg 2x4"].Calls, Is.EqualTo(1), "disabled: not recorded");
        profiler.Reset();
        Assert.That(profiler.Timings, Is.Empty);
    }

    [Test]
    public void SynchronizeRunsAfterEveryTimedOp()
    {
        using var scope = TensorScope.Begin();
        int syncs = 0;
        using var profiler = new ProfilingBackend(CpuBackend.Instance) { Synchronize = () => syncs++ };
        var a = profiler.Empty(DType.Float32, [4]);
        profiler.Fill(a, 2.0);
        profiler.CopyToHost(a, new byte[16]);
        Assert.That(syncs, Is.EqualTo(3), "Empty, Fill, CopyToHost");
        profiler.Enabled = false;
        profiler.Fill(a, 1.0);
        Assert.That(syncs, Is.EqualTo(3), "untimed ops do not wait");
    }
}
