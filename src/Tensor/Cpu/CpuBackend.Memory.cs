using System.Runtime.InteropServices;

namespace DyTox.Tensor.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void CopyFromHost(ReadOnlySpan<byte> source, Tensor destination)
    {
        RequireCpuContiguous(destination, nameof(destination));
        long bytes = destination.Numel * destination.DType.Size();
        if (source.Length != bytes)
            throw new ArgumentException($"CopyFromHost: {source.Length} bytes given for {destination.Describe()}, which needs {bytes}.");
        source.CopyTo(new Span<byte>((void*)destination.Address, (int)bytes));
    }

    public void CopyToHost(Tensor source, Span<byte> destination)
    {
        RequireCpuContiguous(source, nameof(source));
        long bytes = source.Numel * source.DType.Size();
        if (destination.Length != bytes)
            throw new ArgumentException($"CopyToHost: a {destination.Length}-byte buffer for {source.Describe()}, which has {bytes}.");
        new ReadOnlySpan<byte>((void*)source.Address, (int)bytes).CopyTo(destination);
    }

    public void Fill(Tensor destination, double value)
    {
        RequireCpuContiguous(destination, nameof(destination));
        switch (destination.DType)
        {
            case DType.Float32: destination.Span<float>().Fill((float)value); break;
            case DType.Float64: destination.Span<double>().Fill(value); break;
            case DType.Int32: destination.Span<int>().Fill(checked((int)value)); break;
            default: throw new NotSupportedException(destination.DType.ToString());
        }
    }

    internal static void RequireCpuContiguous(Tensor t, string name)
    {
        t.ThrowIfDisposed();
        if (t.Device.Kind != DeviceKind.Cpu) throw new ArgumentException($"{name} is on {t.Device}; the CPU backend needs CPU tensors.");
        if (!t.IsContiguous) throw new ArgumentException($"{name} ({t.Describe()}) must be contiguous for this op.");
    }

    internal static void RequireShape(Tensor t, string name, params int[] shape)
    {
        if (!t.Shape.SequenceEqual(shape))
            throw new ArgumentException($"{name} has shape {Shape.Format(t.Shape)}; expected {Shape.Format(shape)}.");
    }

    internal static void RequireSameDType(Tensor a, Tensor b, string op)
    {
        if (a.DType != b.DType) throw new ArgumentException($"{op}: dtypes differ ({a.DType} vs {b.DType}).");
    }

    internal static Span<T> Elements<T>(Tensor t) where T : unmanaged =>
        MemoryMarshal.CreateSpan(ref *(T*)t.Address, checked((int)t.Numel));
}
