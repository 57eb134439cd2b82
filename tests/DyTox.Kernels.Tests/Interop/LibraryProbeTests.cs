using DyTox.Kernels.Interop;

namespace DyTox.Kernels.Tests.Interop;

/// <summary>The resolver's search order and candidate plan, on fake directory layouts (empty files named like the libraries).</summary>
public class LibraryProbeTests
{
    private string _root = "";

    [SetUp]
    public void CreateRoot() => _root = Directory.CreateTempSubdirectory("dytox-probe-").FullName;

    [TearDown]
    public void DeleteRoot() => Directory.Delete(_root, recursive: true);

    private string Touch(string relative)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
        return path;
    }

    private string Dir(string relative) => Path.Combine(_root, relative);

    private LibrarySearchPath SearchPath(Dictionary<string, string> env, string[]? toolkitRoots = null, string[]? pythonPrefixes = null) =>
        new(name => env.GetValueOrDefault(name), toolkitRoots ?? [Dir("usr/local/cuda")], pythonPrefixes ?? [Dir("usr/lib")]);

    [Test]
    public void DirectoriesComeInPriorityOrder()
    {
        Touch("override/x"); Touch("cudapath/lib64/x"); Touch("cudahome/targets/x86_64-linux/lib/x");
        Touch("usr/local/cuda/lib64/x"); Touch("venv/lib/python3.12/site-packages/nvidia/cu13/lib/x");
        Touch("usr/lib/python3.9/dist-packages/nvidia/cublas/lib/x"); Touch("usr/lib/python3.10/dist-packages/nvidia/cublas/lib/x");
        var env = new Dictionary<string, string>
        {
            [LibrarySearchPath.OverrideVariable] = Dir("override") + ":" + Dir("missing"),
            ["CUDA_PATH"] = Dir("cudapath"),
            ["CUDA_HOME"] = Dir("cudahome"),
            ["VIRTUAL_ENV"] = Dir("venv"),
        };
        Assert.That(SearchPath(env).Directories(), Is.EqualTo(new[]
        {
            Dir("override"),
            Dir("cudapath/lib64"),
            Dir("cudahome/targets/x86_64-linux/lib"),
            Dir("usr/local/cuda/lib64"),
            Dir("venv/lib/python3.12/site-packages/nvidia/cu13/lib"),
            Dir("usr/lib/python3.10/dist-packages/nvidia/cublas/lib"), // newest Python first, numerically
            Dir("usr/lib/python3.9/dist-packages/nvidia/cublas/lib"),
        }));
    }

    [Test]
    public void NewestVersionedSonameWinsWithinADirectoryAndDirectoryPriorityWinsAcross()
    {
        var high = Dir("high");
        var low = Dir("low");
        Touch("high/libnvrtc.so.11.2"); Touch("high/libnvrtc.so");
        Touch("low/libnvrtc.so.13"); Touch("low/libnvrtc.so.12");
        var plan = LibraryProbePlan.For(CudaLibrary.Nvrtc, [high, low]).Select(c => c.Primary).ToArray();
        Assert.That(plan, Is.EqualTo(new[]
        {
            Path.Combine(high, "libnvrtc.so.11.2"), Path.Combine(high, "libnvrtc.so"),
            Path.Combine(low, "libnvrtc.so.13"), Path.Combine(low, "libnvrtc.so.12"),
            "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so", // then the system loader
        }));
    }

    [Test]
    public void OverrideDirectoryIsTriedFirst()
    {
        Touch("override/libcuda.so.1"); Touch("usr/local/cuda/lib64/libcuda.so.1");
        var dirs = SearchPath(new() { [LibrarySearchPath.OverrideVariable] = Dir("override") }).Directories();
        var plan = LibraryProbePlan.For(CudaLibrary.Driver, dirs);
        Assert.That(plan[0].Primary, Is.EqualTo(Path.Combine(Dir("override"), "libcuda.so.1")));
        Assert.That(plan.Select(c => c.Primary), Does.Contain("libcuda.so.1"), "the bare soname stays as the last resort");
    }

    [Test]
    public void CublasIsPairedWithCublasLtOfTheSameMajorLoadedFirst()
    {
        var a = Dir("a");
        var b = Dir("b");
        Touch("a/libcublas.so.12"); Touch("a/libcublasLt.so.13");  // mismatched Lt beside it: must not pair
        Touch("b/libcublasLt.so.12"); Touch("b/libcublas.so.13"); Touch("b/libcublasLt.so.13");
        var plan = LibraryProbePlan.For(CudaLibrary.Cublas, [a, b]);
        Assert.Multiple(() =>
        {
            Assert.That(plan[0].Paths, Is.EqualTo(new[] { Path.Combine(b, "libcublasLt.so.12"), Path.Combine(a, "libcublas.so.12") }));
            Assert.That(plan[1].Paths, Is.EqualTo(new[] { Path.Combine(b, "libcublasLt.so.13"), Path.Combine(b, "libcublas.so.13") }));
            Assert.That(plan.Skip(2).Select(c => c.ToString()), Is.EqualTo(new[]
            {
                "libcublasLt.so.13 + libcublas.so.13", "libcublasLt.so.12 + libcublas.so.12", "libcublasLt.so.11 + libcublas.so.11",
            }));
            foreach (var candidate in plan)
                Assert.That(Major(candidate.Paths[0]), Is.EqualTo(Major(candidate.Paths[1])), candidate.ToString());
        });
    }

    private static string Major(string path) => Path.GetFileName(path).Split(".so.")[1];

    [Test]
    public void MissingDriverIsReportedNotThrown()
    {
        var result = NativeLibraryLoader.Load(CudaLibrary.Driver);
        if (result.IsLoaded) Assert.Ignore($"a CUDA driver is installed here ({result.LoadedFrom})");
        Assert.That(result.Reason, Does.Contain("libcuda.so.1").And.Contain(LibrarySearchPath.OverrideVariable));
    }

    [Test]
    public void LogicalNamesMapToLibraries()
    {
        Assert.Multiple(() =>
        {
            Assert.That(CudaLibraryNames.FromLogicalName("nvrtc"), Is.EqualTo(CudaLibrary.Nvrtc));
            Assert.That(CudaLibraryNames.FromLogicalName("cublasLt"), Is.EqualTo(CudaLibrary.CublasLt));
            Assert.That(CudaLibraryNames.FromLogicalName("openblas"), Is.Null, "names we do not own fall through to the default probing");
        });
    }
}
