using DyTox.Kernels.Cuda;

namespace DyTox.Kernels.Tests.Compile;

/// <summary>The installed NVRTC, or a visible skip when the machine has none.</summary>
public static class NvrtcFixture
{
    private static readonly Lazy<(NvrtcCompiler? Compiler, string Reason)> Loaded = new(() =>
    {
        var compiler = NvrtcCompiler.TryCreate(out var reason, useDefaultCache: false);
        return (compiler, reason);
    });

    /// <summary>A compiler without a disk cache (every call really compiles).</summary>
    public static NvrtcCompiler Require()
    {
        var (compiler, reason) = Loaded.Value;
        if (compiler is null) Assert.Ignore($"no NVRTC: {reason}");
        return compiler!;
    }

    /// <summary>A compiler over the given cache directory.</summary>
    public static NvrtcCompiler RequireWithCache(string directory)
    {
        Require();
        return NvrtcCompiler.TryCreate(out _, new KernelDiskCache(directory))!;
    }
}
