using System.Runtime.InteropServices;
using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Tests.Runtime;

/// <summary>
/// A test double for allocator tests: "device" memory is native host memory with a capacity limit that
/// throws <see cref="OutOfMemoryException"/> like a full GPU. It cannot run kernels.
/// </summary>
public sealed unsafe class FakeHostDriver(long capacityBytes) : ICudaDriver
{
    private readonly Dictionary<ulong, long> _blocks = [];
    public long Used { get; private set; }
    public int Allocs { get; private set; }
    public int Frees { get; private set; }
    public IReadOnlyDictionary<ulong, long> Live => _blocks;

    public string Kind => "fake";
    public DeviceInfo Device { get; } = new("fake", 9, 0, capacityBytes, 4, 1024, 48 * 1024, 227 * 1024, "0.0");

    public ulong Alloc(long bytes)
    {
        if (Used + bytes > capacityBytes) throw new OutOfMemoryException($"fake device full: {Used} + {bytes} > {capacityBytes}");
        var p = (ulong)NativeMemory.AlignedAlloc((nuint)bytes, 256);
        _blocks[p] = bytes;
        Used += bytes;
        Allocs++;
        return p;
    }

    public void Free(ulong devicePtr)
    {
        if (!_blocks.Remove(devicePtr, out var bytes)) throw new InvalidOperationException($"double free of {devicePtr:x}");
        NativeMemory.AlignedFree((void*)devicePtr);
        Used -= bytes;
        Frees++;
    }

    public void CopyHostToDevice(ulong dst, void* src, long bytes) => Buffer.MemoryCopy(src, (void*)dst, bytes, bytes);
    public void CopyDeviceToHost(void* dst, ulong src, long bytes) => Buffer.MemoryCopy((void*)src, dst, bytes, bytes);
    public void CopyDeviceToDevice(ulong dst, ulong src, long bytes) => Buffer.MemoryCopy((void*)src, (void*)dst, bytes, bytes);
    public void CopyFromPeer(ulong dst, ICudaDriver source, ulong src, long bytes) => Buffer.MemoryCopy((void*)src, (void*)dst, bytes, bytes);
    public void MemsetD8(ulong dst, byte value, long bytes) => new Span<byte>((void*)dst, checked((int)bytes)).Fill(value);
    public KernelFunction GetFunction(string sourceFile, string name) => throw new NotSupportedException("the fake driver runs no kernels");
    public void Launch(KernelFunction fn, Dim3 grid, Dim3 block, int dynamicSharedBytes, void** args) => throw new NotSupportedException("the fake driver runs no kernels");
    public void Synchronize() { }
    public IDeviceBlas Blas => throw new NotSupportedException("the fake driver has no BLAS");

    public void Dispose()
    {
        foreach (var p in _blocks.Keys.ToArray()) Free(p);
    }
}
