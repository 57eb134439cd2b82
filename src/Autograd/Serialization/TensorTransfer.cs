using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>Copies values between tensors of the same shape across dtypes and backends (via the host when needed).</summary>
public static class TensorTransfer
{
    public static void CopyInto(TensorT source, TensorT destination)
    {
        if (!source.Shape.SequenceEqual(destination.Shape))
            throw new ArgumentException($"cannot copy {source.Describe()} into {destination.Describe()}: shapes differ.");
        if (source.Backend == destination.Backend)
        {
            if (source.DType == destination.DType) { source.Backend.Copy(source, destination); return; }
            using var dense = source.Contiguous();
            source.Backend.Cast(dense, destination);
            return;
        }
        // Different backends: through host memory, converting the element type on the host.
        if (source.DType == DType.Float64 || destination.DType == DType.Float64 || source.DType != destination.DType)
        {
            var values = ToDoubles(source);
            WriteDoubles(values, destination);
            return;
        }
        using (var dense = source.Contiguous()) new DeviceTransfer().Copy(dense, destination);
    }

    private static double[] ToDoubles(TensorT t) => t.DType switch
    {
        DType.Float64 => t.ToArray<double>(),
        DType.Float32 => Array.ConvertAll(t.ToArray<float>(), v => (double)v),
        DType.Int32 => Array.ConvertAll(t.ToArray<int>(), v => (double)v),
        _ => throw new NotSupportedException(t.DType.ToString()),
    };

    private static void WriteDoubles(double[] values, TensorT t)
    {
        if (t.DType.IsFloating()) { Init.Write(t, values); return; }
        var ints = Array.ConvertAll(values, v => checked((int)v));
        t.Backend.CopyFromHost(System.Runtime.InteropServices.MemoryMarshal.AsBytes(ints.AsSpan()), t);
    }
}
