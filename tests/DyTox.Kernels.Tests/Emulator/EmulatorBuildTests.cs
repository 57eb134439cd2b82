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
            __device__ float helper(float v) { return v; }
            extern "C" __device__ void not_a_kernel() {}
            // extern "C" __global__ void commented_out() {}
            /* extern "C" __global__ void also_commented() {} */
            """;
        Assert.That(EmulatorKernelScanner.FindKernels(source), Is.EqualTo(new[] { "first", "second", "third" }));
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
        var broken = new Dictionary<string, string> { ["emu_broken.cu"] = "extern \"C\" __global__ void broken(float* x) { x[0] = undefined_name; }\n" };
        string cache = Path.Combine(Path.GetTempPath(), "dytox-emu-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            var e = Assert.Throws<EmulatorException>(() => new EmulatorDriver(new EmulatorOptions { ExtraSources = broken, CacheDirectory = cache }))!;
            Assert.That(e.Message, Does.Contain("undefined_name").And.Contain("emu_broken.cu"));
        }
        finally
        {
            if (Directory.Exists(cache)) Directory.Delete(cache, recursive: true);
        }
    }

    [Test]
    public void MissingCompilerIsReportedAsUnavailable()
    {
        var e = Assert.Throws<EmulatorUnavailableException>(() => new EmulatorDriver(new EmulatorOptions { Compiler = "g++-that-does-not-exist" }))!;
        Assert.That(e.Message, Does.Contain("g++-that-does-not-exist"));
    }
}
