using DyTox.Kernels.Cuda;
using DyTox.Kernels.Interop;

namespace DyTox.Kernels.Tests.Compile;

public class CompileErrorTests
{
    [Test]
    public void CompileErrorNamesFileLineAndOptions()
    {
        var compiler = NvrtcFixture.Require();
        const string source = "#include \"common.cuh\"\nextern \"C\" __global__ void broken(float* x) {\n    x[0] = undefined_name;\n}\n";
        var request = new KernelCompileRequest("broken.cu", source,
            new Dictionary<string, string> { ["common.cuh"] = "#pragma once\n" }, 90);
        var e = Assert.Throws<NvrtcCompileException>(() => compiler.Compile(request))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.Contain("broken.cu(3)"));
            Assert.That(e.Message, Does.Contain("undefined_name"));
            Assert.That(e.Message, Does.Contain("--gpu-architecture=sm_90"));
            Assert.That(e.Message, Does.Contain("NVRTC_ERROR_COMPILATION"));
            Assert.That(e.SourceName, Is.EqualTo("broken.cu"));
        });
    }

    [Test]
    public void HeadersComeFromTheHeadersArrayNotTheDisk()
    {
        var compiler = NvrtcFixture.Require();
        const string source = "#include \"only_in_memory.cuh\"\nextern \"C\" __global__ void k(float* x) { x[0] = MAGIC; }\n";
        var module = compiler.Compile(new KernelCompileRequest("k.cu", source,
            new Dictionary<string, string> { ["only_in_memory.cuh"] = "#define MAGIC 42.0f\n" }, 80));
        Assert.That(module.Resources.Select(r => r.Function), Is.EqualTo(new[] { "k" }));
    }

    [Test]
    public void NameExpressionsAreLowered()
    {
        var compiler = NvrtcFixture.Require();
        const string source = "template <int N> __global__ void t(float* x) { x[threadIdx.x] = N; }\n";
        var module = compiler.Compile(new KernelCompileRequest("t.cu", source, new Dictionary<string, string>(), 90,
            NameExpressions: ["t<32>"]));
        Assert.That(module.SymbolFor("t<32>"), Does.StartWith("_Z"));
    }
}
