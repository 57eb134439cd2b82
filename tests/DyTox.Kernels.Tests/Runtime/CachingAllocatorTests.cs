using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Tests.Runtime;

public class CachingAllocatorTests
{
    [TestCase(1, 512)]
    [TestCase(512, 512)]
    [TestCase(513, 1024)]
    [TestCase(1 << 20, 1 << 20)]
    [TestCase((1 << 20) + 1, (1 << 20) + (1 << 18))]   // quarter steps above 1 MiB
    [TestCase(3_000_000, 3_145_728)]
    public void BucketsRoundUpWithBoundedWaste(long request, long bucket)
    {
        Assert.That(CachingAllocator.BucketSize(request), Is.EqualTo(bucket));
        Assert.That(bucket - request, Is.LessThan(Math.Max(512, request / 4 + 1)));
    }

    [Test]
    public void BucketSizeRejectsNonPositive() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => CachingAllocator.BucketSize(0));

    [Test]
    public void FreedBlocksAreReusedAndCountersTrackBytes()
    {
        using var driver = new FakeHostDriver(1 << 24);
        using var allocator = new CachingAllocator(driver);
        var a = allocator.Allocate(1000);
        var b = allocator.Allocate(5000);
        Assert.That(allocator.Stats, Is.EqualTo(new AllocatorStats(1024 + 8192, 1024 + 8192, 0, 1024 + 8192, 2, 0, 0)));
        var addressA = a.Pointer;
        a.Dispose();
        Assert.That(allocator.Stats.Cached, Is.EqualTo(1024));
        var c = allocator.Allocate(900); // same bucket: reused, no driver call
        Assert.Multiple(() =>
        {
            Assert.That(c.Pointer, Is.EqualTo(addressA));
            Assert.That(driver.Allocs, Is.EqualTo(2));
            Assert.That(allocator.Stats.CacheHits, Is.EqualTo(1));
            Assert.That(allocator.Stats.InUse, Is.EqualTo(1024 + 8192));
            Assert.That(allocator.Stats.PeakInUse, Is.EqualTo(1024 + 8192));
        });
        b.Dispose();
        c.Dispose();
        c.Dispose(); // idempotent
        Assert.That(allocator.Stats.Cached, Is.EqualTo(1024 + 8192));
        allocator.ReleaseCached();
        Assert.That(driver.Used, Is.Zero);
    }

    [Test]
    public void OutOfMemoryFreesTheCacheAndRetriesOnce()
    {
        using var driver = new FakeHostDriver(4096);
        using var allocator = new CachingAllocator(driver);
        allocator.Allocate(2048).Dispose();          // 2048 cached
        using var big = allocator.Allocate(4096);    // does not fit beside the cache: release, retry
        Assert.Multiple(() =>
        {
            Assert.That(allocator.Stats.OutOfMemoryRetries, Is.EqualTo(1));
            Assert.That(allocator.Stats.Cached, Is.Zero);
            Assert.That(driver.Used, Is.EqualTo(4096));
        });
        Assert.Throws<OutOfMemoryException>(() => allocator.Allocate(512), "a truly full device still fails");
    }

    [Test]
    public void RoundTripsDataAndChecksRanges()
    {
        using var driver = new FakeHostDriver(1 << 20);
        using var allocator = new CachingAllocator(driver);
        using var buffer = allocator.Allocate<float>(10);
        float[] data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        buffer.CopyFrom<float>(data);
        var back = new float[10];
        buffer.CopyTo<float>(back);
        Assert.That(back, Is.EqualTo(data));
        Assert.Throws<ArgumentException>(() => buffer.CopyFrom<float>(new float[11]));
    }

    [Test]
    public void DisposeFreesEverythingIncludingLiveBuffers()
    {
        using var driver = new FakeHostDriver(1 << 20);
        var allocator = new CachingAllocator(driver);
        var live = allocator.Allocate(100);
        allocator.Allocate(3000).Dispose();
        allocator.Dispose();
        Assert.That(driver.Live, Is.Empty);
        live.Dispose(); // after the allocator: a no-op, not a double free
        Assert.Throws<ObjectDisposedException>(() => allocator.Allocate(1));
    }
}
