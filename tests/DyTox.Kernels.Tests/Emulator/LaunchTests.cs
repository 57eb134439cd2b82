using DyTox.Kernels.Emulator;
using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Tests.Emulator;

/// <summary>Launch checks, kernel lookup, device description, vector types and intrinsics.</summary>
public class LaunchTests
{
    private const string File = "emu_memory.cu";

    [Test]
    public void EveryProductionKernelIsRegistered()
    {
        var d = EmulatorFixture.Driver;
        int count = 0;
        foreach (string file in KernelSources.SourceFiles)
        {
            foreach (string kernel in EmulatorKernelScanner.FindKernels(KernelSources.Get(file)))
            {
                Assert.That(d.GetFunction(file, kernel).Handle, Is.Not.Zero, $"{file}:{kernel}");
                ++count;
            }
        }
        TestContext.Out.WriteLine($"{count} production kernels in {KernelSources.SourceFiles.Count()} files are launchable.");
        Assert.That(d.Kernels, Does.Contain("emu_memory.cu:emu_copy"));
    }

    [Test]
    public void ParametersAreDeducedFromTheDeclaration()
    {
        var d = EmulatorFixture.Driver;
        var copy = d.GetParameters(d.GetFunction(File, "emu_copy"));
        Assert.That(copy, Is.EqualTo(new[] { new KernelParameter(8, true), new KernelParameter(8, true), new KernelParameter(4, false) }));
        var shuffles = d.GetParameters(d.GetFunction("emu_collectives.cu", "emu_shuffles"));
        Assert.That(shuffles.Select(p => p.SizeBytes), Is.EqualTo(new[] { 8, 8, 4, 4, 4 }));
    }

    [Test]
    public void ManagedNullReferencesStillWorkWithTheFaultHandlerInstalled()
    {
        var d = EmulatorFixture.Driver;
        using var x = new DeviceArray<float>(d, 4);
        d.Launch(File, "emu_copy", new(1), new(4), 0, x, x, 4);   // workers and the SIGSEGV handler are up
        Assert.Throws<NullReferenceException>(() => ReadLength(null!));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int ReadLength(int[] array) => array.Length;

    [Test]
    public void LaunchLimitsMirrorTheDevice()
    {
        var d = EmulatorFixture.Driver;
        using var x = new DeviceArray<float>(d, 2048);
        using var y = new DeviceArray<float>(d, 2048);
        Assert.That(Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_copy", new(1), new(1025), 0, x, y, 2048))!.Message, Does.Contain("1024"));
        Assert.That(Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_copy", new(1), new(512, 4), 0, x, y, 2048))!.Message, Does.Contain("1024 threads per block"));
        Assert.That(Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_copy", new(1, 70000), new(32), 0, x, y, 2048))!.Message, Does.Contain("grid"));
        d.Launch(File, "emu_copy", new(2), new(1024), 0, x, y, 2048);
    }

    [Test]
    public void PointerArgumentsMustPointIntoLiveAllocations()
    {
        var d = EmulatorFixture.Driver;
        using var y = new DeviceArray<float>(d, 16);
        var e = Assert.Throws<EmulatorException>(() => d.Launch(File, "emu_copy", new(1), new(16), 0, 0x12345000ul, y, 16))!;
        Assert.That(e.Message, Does.Contain("pointer argument 0").And.Contain("no live device allocation"));
    }

    [Test]
    public void UnknownKernelsAndTemplatesAreClearErrors()
    {
        var d = EmulatorFixture.Driver;
        Assert.That(Assert.Throws<ArgumentException>(() => d.GetFunction(File, "nope"))!.Message, Does.Contain("emu_copy"));
        Assert.That(Assert.Throws<ArgumentException>(() => d.GetFunction("missing.cu", "k"))!.Message, Does.Contain("missing.cu"));
        Assert.Throws<NotSupportedException>(() => d.GetFunction(File, "softmax<256>"));
    }

    [Test]
    public void DeviceIsAnH200LikeSm90()
    {
        var d = EmulatorFixture.Driver;
        Assert.That(d.Kind, Is.EqualTo("emulator"));
        Assert.That(d.Device.Arch, Is.EqualTo("sm_90"));
        Assert.That(d.Device.MaxSharedMemoryPerBlockOptin, Is.EqualTo(227 * 1024));
        Assert.That(d.Device.MaxThreadsPerBlock, Is.EqualTo(1024));
    }

    [Test]
    public void VectorTypesHaveCudaLayout()
    {
        var d = EmulatorFixture.Driver;
        float[] x = Enumerable.Range(0, 4 * 32).Select(i => i * 0.25f).ToArray();
        using var input = new DeviceArray<float>(d, x);
        using var output = new DeviceArray<float>(d, 4 * 32);
        using var pairs = new DeviceArray<float>(d, 2 * 32);
        d.Launch(File, "emu_vector_types", new(1), new(32), 0, input, output, pairs);
        float[] o = output.Download(), p = pairs.Download();
        for (int t = 0; t < 32; ++t)
        {
            Assert.That(o[(4 * t)..(4 * t + 4)], Is.EqualTo(new[] { x[4 * t + 3], x[4 * t + 2], x[4 * t + 1], x[4 * t] }));
            Assert.That(p[2 * t], Is.EqualTo(x[4 * t] + x[4 * t + 1]));
            Assert.That(p[2 * t + 1], Is.EqualTo(Math.Clamp(x[4 * t + 2], 0f, 1f)));
        }
    }

    [Test]
    public void IntrinsicsMatchCudaDefinitions()
    {
        var d = EmulatorFixture.Driver;
        const float v = 1.7f;
        using var x = new DeviceArray<float>(d, new[] { v });
        using var output = new DeviceArray<float>(d, 10);
        using var ints = new DeviceArray<int>(d, 8);
        d.Launch(File, "emu_intrinsics", new(1), new(1), 0, x, output, ints);
        float[] o = output.Download();
        float[] expected = [MathF.Exp(v), MathF.Log(v), v / 3f, 1f / MathF.Sqrt(v), 0.983790459f, MathF.FusedMultiplyAdd(v, 2f, 1f), 1f / v, 0.7f, v, MathF.Tanh(v)];
        for (int i = 0; i < expected.Length; ++i) Assert.That(o[i], Is.EqualTo(expected[i]).Within(2e-6f * Math.Abs(expected[i]) + 1e-7f), $"result {i}");
        Assert.That(ints.Download(), Is.EqualTo(new[] { 8, 31, 4, 2, 4, -4, 9, 32 }));
    }
}
