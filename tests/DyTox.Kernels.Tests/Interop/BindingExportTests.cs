using System.Reflection;
using System.Runtime.InteropServices;
using DyTox.Kernels.Interop;

namespace DyTox.Kernels.Tests.Interop;

/// <summary>Every NVRTC entry point bound with [LibraryImport] exists in the installed libnvrtc.</summary>
public class BindingExportTests
{
    private static IEnumerable<string> EntryPoints(Type type, string library) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
            .Select(m => m.GetCustomAttribute<LibraryImportAttribute>())
            .Where(a => a is not null && a.LibraryName == library)
            .Select(a => a!.EntryPoint!)
            .Distinct()
            .Order(StringComparer.Ordinal);

    [Test]
    public void EveryNvrtcExportWeBindExists()
    {
        var lib = NativeLibraryLoader.Load(CudaLibrary.Nvrtc);
        if (!lib.IsLoaded) Assert.Ignore($"no NVRTC: {lib.Reason}");
        var names = EntryPoints(typeof(Nvrtc), CudaLibraryNames.Nvrtc).ToArray();
        Assert.That(names, Has.Length.GreaterThanOrEqualTo(15));
        var missing = names.Where(n => !NativeLibrary.TryGetExport(lib.Handle, n, out _)).ToArray();
        Assert.That(missing, Is.Empty, $"missing from {lib.LoadedFrom}");
    }

    [Test]
    public void NvrtcReportsVersionAndSm90()
    {
        var compiler = Compile.NvrtcFixture.Require();
        Assert.That(compiler.Major, Is.GreaterThanOrEqualTo(11));
        Assert.That(compiler.SupportedArchs, Does.Contain(90).And.Contain(80));
    }

    [Test]
    public void CublasBindingsUseTheHandleBasedV2Names()
    {
        var names = EntryPoints(typeof(Cublas), CudaLibraryNames.Cublas).ToArray();
        Assert.That(names, Does.Contain("cublasCreate_v2").And.Contain("cublasSetStream_v2")
                               .And.Contain("cublasGemmStridedBatchedEx").And.Contain("cublasSetWorkspace_v2"));
    }

    [Test]
    public void DriverSymbolsAreBaseNamesForCuGetProcAddress()
    {
        // cuGetProcAddress takes base names and picks the ABI by version; versioned names would be wrong here.
        Assert.That(CuDriverApi.SymbolNames.Where(n => n.Contains("_v", StringComparison.Ordinal)), Is.Empty);
        Assert.That(CuDriverApi.SymbolNames, Is.Unique);
        var fields = typeof(CuDriverApi).GetFields(BindingFlags.Public | BindingFlags.Instance)
            .Where(f => f.Name.StartsWith("cu", StringComparison.Ordinal)).Select(f => f.Name);
        Assert.That(CuDriverApi.SymbolNames, Is.EquivalentTo(fields), "the symbol list must match the function-pointer table");
    }
}
