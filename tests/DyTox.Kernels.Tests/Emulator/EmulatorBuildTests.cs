using System.Diagnostics;
using DyTox.Kernels.Emulator;

namespace DyTox.Kernels.Tests.Emulator;

/// <summary>The kernel scan, the build cache and build-failure reporting.</summary>
public class EmulatorBuildTests
{
    [Test]
    public void ScannerFindsExternCGlobalKernelsOnly()
    {
        const string source = """
            extern "C" __global__ void first(float* x) {}
            extern "C" __global__ __launch_bounds__(256) void second(const float* __restrict__ x, int n) {}
            extern "C"
            __global__ void third() {}
            extern "C" __global__ void __launch_bounds__(128, 2) fourth(int n) {}
            __device__ float helper(float v) { return v; }
            extern "C" __device__ void not_a_kernel() {}
            // extern "C" __global__ void commented_out() {}
            /* extern "C" __global__ void also_commented() {} */
            """;
        Assert.That(EmulatorKernelScanner.FindKernels(source), Is.EqualTo(new[] { "first", "second", "third", "fourth" }));
    }

    [Test]
    public void SecondDriverLoadsTheCachedLibrary()
    {
        _ = EmulatorFixture.Driver;   // skips without g++
        var clock = Stopwatch.StartNew();
        using var again = new EmulatorDriver(new EmulatorOptions { ExtraSources = EmulatorFixture.TestSources(), WorkerThreads = 2 });
        Assert.That(again.LoadedFromCache, Is.True);
        Assert.That(again.LibraryPath, Is.EqualTo(EmulatorFixture.Driver.LibraryPath));
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(5));
        using var buffer = new DeviceArray<float>(again, 4);
        Assert.That(again.LiveAllocations, Is.EqualTo(1));
    }

    [Test]
    public void CompileErrorsCarryTheCompilerOutput()
    {
        _ = EmulatorFixture.Driver;
        // Unique text, so the object cache cannot know it; every other object comes from the cache.
        var broken = new Dictionary<string, string>
        {
            ["emu_broken.cu"] = $"// {Guid.NewGuid()}\nextern \"C\" __global__ void broken(float* x) {{ x[0] = undefined_name; }}\n",
        };
        var e = Assert.Throws<EmulatorException>(() => new EmulatorDriver(new EmulatorOptions { ExtraSources = broken }))!;
        Assert.That(e.Message, Does.Contain("undefined_name").And.Contain("emu_broken.cu"));
    }

    [Test]
    public void AddingAKernelFileReusesTheOtherObjects()
    {
        _ = EmulatorFixture.Driver;
        var sources = new Dictionary<string, string>(EmulatorFixture.TestSources())
        {
            ["emu_extra.cu"] = $"// {Guid.NewGuid()}\nextern \"C\" __global__ void emu_extra(float* x) {{ x[threadIdx.x] = 2.f * threadIdx.x; }}\n",
        };
        using var d = new EmulatorDriver(new EmulatorOptions { ExtraSources = sources });
        Assert.That(d.LoadedFromCache, Is.False);
        TestContext.Out.WriteLine($"Incremental build with one new kernel file: {d.BuildTime.TotalSeconds:F1} s");
        using var x = new DeviceArray<float>(d, 32);
        d.Launch("emu_extra.cu", "emu_extra", new(1), new(32), 0, x);
        Assert.That(x.Download(), Is.EqualTo(Enumerable.Range(0, 32).Select(i => 2f * i).ToArray()));
        // The throwaway library directory is not worth keeping.
        Directory.Delete(Path.GetDirectoryName(d.LibraryPath)!, recursive: true);
    }

    [Test]
    public void MissingCompilerIsReportedAsUnavailable()
    {
        var e = Assert.Throws<EmulatorUnavailableException>(() => new EmulatorDriver(new EmulatorOptions { Compiler = "g++-that-does-not-exist" }))!;
        Assert.That(e.Message, Does.Contain("g++-that-does-not-exist"));
    }
}
