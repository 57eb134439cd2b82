using DyTox.Tensor.Cpu;

namespace DyTox.Tensor.Tests.Core;

/// <summary>Disposal, reference-counted storage, TensorScope and the memory pool's reuse.</summary>
public class LifetimeTests
{
    [Test]
    public void StorageReturnsToThePoolWhenTheLastViewIsDisposed()
    {
        using var pool = new CpuMemoryPool();
        var cpu = new CpuBackend(pool);
        var t = cpu.Empty(DType.Float32, [100]);
        var view = t.Reshape(10, 10);
        Assert.That(pool.Stats.InUseBytes, Is.EqualTo(512));
        t.Dispose();
        Assert.That(t.IsDisposed, Is.True);
        Assert.That(t.Storage.IsReleased, Is.False, "the view still holds it");
        Assert.That(view.ToArray<float>(), Has.Length.EqualTo(100));
        view.Dispose();
        Assert.That(view.Storage.IsReleased, Is.True);
        Assert.That(pool.Stats.InUseBytes, Is.EqualTo(0));
        Assert.That(pool.Stats.CachedBytes, Is.EqualTo(512));
        Assert.Throws<ObjectDisposedException>(() => _ = t.Address);
        Assert.DoesNotThrow(t.Dispose, "disposing twice is harmless");
    }

    [Test]
    public void ScopeDisposesWhatWasCreatedInsideExceptDetached()
    {
        using var pool = new CpuMemoryPool();
        var cpu = new CpuBackend(pool);
        Tensor kept, dropped, view;
        using (var scope = TensorScope.Begin())
        {
            dropped = cpu.Empty(DType.Float64, [8]);
            view = dropped.Reshape(2, 4);
            kept = scope.Detach(cpu.Empty(DType.Float64, [8]));
            Assert.That(scope.Count, Is.EqualTo(2));
        }
        Assert.That(dropped.IsDisposed && view.IsDisposed, Is.True);
        Assert.That(kept.IsDisposed, Is.False);
        kept.Dispose();
        Assert.That(pool.Stats.InUseBytes, Is.EqualTo(0));
    }

    [Test]
    public void DetachMovesATensorToTheEnclosingScope()
    {
        var cpu = CpuBackend.Instance;
        Tensor inner;
        using (var outer = TensorScope.Begin())
        {
            using (var nested = TensorScope.Begin())
            {
                inner = nested.Detach(cpu.Empty(DType.Float32, [4]));
                Assert.That(nested.Count, Is.EqualTo(0));
            }
            Assert.That(inner.IsDisposed, Is.False, "survives the inner scope");
            Assert.That(outer.Count, Is.EqualTo(1));
        }
        Assert.That(inner.IsDisposed, Is.True, "owned and disposed by the outer scope");
    }

    [Test]
    public void ScopesMustCloseInnermostFirst()
    {
        // On a thread of its own: a failed out-of-order Dispose leaves that thread's scope stack behind
        // (TensorScope marks itself closed before checking the order), which must not leak into other tests.
        Exception? caught = null;
        var thread = new Thread(() =>
        {
            var outer = TensorScope.Begin();
            using var inner = TensorScope.Begin();
            try { outer.Dispose(); }
            catch (Exception e) { caught = e; }
        });
        thread.Start();
        thread.Join();
        Assert.That(caught, Is.InstanceOf<InvalidOperationException>());
    }

    [Test]
    public void UnscopedCreatesTensorsThatOutliveTheScope()
    {
        Tensor free;
        using (TensorScope.Begin())
        {
            free = TensorScope.Unscoped(() => CpuBackend.Instance.Empty(DType.Float32, [2]));
            Assert.That(TensorScope.IsActive, Is.True, "Unscoped restores the current scope");
        }
        Assert.That(free.IsDisposed, Is.False);
        free.Dispose();
    }

    [Test]
    public void AWarmedUpStepMakesNoNewAllocations()
    {
        using var pool = new CpuMemoryPool();
        var cpu = new CpuBackend(pool);
        var x = cpu.Empty(DType.Float32, [64, 96]);
        cpu.Fill(x, 0.5);
        void Step()
        {
            using var scope = TensorScope.Begin();
            var y = cpu.Empty(DType.Float32, [64, 96]);
            cpu.Softmax(x, y);
            var z = cpu.Empty(DType.Float32, [64, 96]);
            cpu.Binary(BinaryOp.Mul, x, y, z);
            var s = cpu.Empty(DType.Float32, [1]);
            cpu.SumAll(z, s);
            _ = cpu.Empty(DType.Float64, [33]);
        }
        Step();
        long afterWarmUp = pool.Stats.AllocationCount;
        for (int i = 0; i < 5; i++) Step();
        Assert.That(pool.Stats.AllocationCount, Is.EqualTo(afterWarmUp));
        Assert.That(pool.Stats.InUseBytes, Is.EqualTo(32768), "only x is live between steps");
        x.Dispose();
        pool.Trim();
        Assert.That(pool.Stats.CachedBytes, Is.EqualTo(0));
    }

    [Test]
    public void PoolBlocksAreAlignedForAvx512()
    {
        using var pool = new CpuMemoryPool();
        foreach (long bytes in new long[] { 1, 100, 4096, 1 << 20 })
        {
            ulong address = pool.Rent(bytes, out long capacity);
            Assert.That(address % 64, Is.EqualTo(0));
            Assert.That(capacity, Is.GreaterThanOrEqualTo(bytes));
            pool.Return(address, capacity);
        }
    }
}
