using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Tests.Runtime;

/// <summary>
/// A driver that records launches (kernel, grid, block, shared memory, the first argument values)
/// instead of running them: for launch-configuration and allocation tests without a GPU.
/// The record is a preallocated ring, so recording itself allocates nothing.
/// </summary>
public sealed unsafe class RecordingDriver : ICudaDriver
{
    public readonly record struct LaunchRecord(string Kernel, Dim3 Grid, Dim3 Block, int SharedBytes, ulong FirstArg);

    private readonly LaunchRecord[] _launches = new LaunchRecord[1024];
    private readonly Dictionary<(string, string), KernelFunction> _functions = [];
    public int LaunchCount { get; private set; }
    public LaunchRecord Last => _launches[(LaunchCount - 1) % _launches.Length];

    public string Kind => "recording";
    public DeviceInfo Device { get; } = new("recorder", 9, 0, 1L << 40, 132, 1024, 48 * 1024, 227 * 1024, "0.0");

    public ulong Alloc(long bytes) => 0x1000_0000UL;
    public void Free(ulong devicePtr) { }
    public void CopyHostToDevice(ulong dst, void* src, long bytes) { }
    public void CopyDeviceToHost(void* dst, ulong src, long bytes) { }
    public void CopyDeviceToDevice(ulong dst, ulong src, long bytes) { }
    public void CopyFromPeer(ulong dst, ICudaDriver source, ulong src, long bytes) { }
    public void MemsetD8(ulong dst, byte value, long bytes) { }

    public KernelFunction GetFunction(string sourceFile, string name)
    {
        if (!KernelSources.Get(sourceFile).Contains($"void {name}(", StringComparison.Ordinal))
            throw new ArgumentException($"{sourceFile} has no kernel {name}.");
        if (!_functions.TryGetValue((sourceFile, name), out var fn))
            _functions[(sourceFile, name)] = fn = new KernelFunction(_functions.Count + 1, name);
        return fn;
    }

    public void Launch(KernelFunction fn, Dim3 grid, Dim3 block, int dynamicSharedBytes, void** args)
    {
        _launches[LaunchCount % _launches.Length] = new LaunchRecord(fn.Name, grid, block, dynamicSharedBytes, *(ulong*)args[0]);
        LaunchCount++;
    }

    public void Synchronize() { }
    public IDeviceBlas Blas => throw new NotSupportedException("the recording driver has no BLAS");
    public void Dispose() { }
}
