using System.Runtime.InteropServices;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// Per-tensor reductions over many tensors (one per parameter) with a single device-to-host copy: each tensor's sum
/// lands in its slot of one small tensor, which comes to the host once. The optimizers' global norms (gradient
/// clipping, SAM) need one scalar per parameter every step; reading them one by one would synchronise a GPU once per
/// parameter. The values are the backend's own fixed-order reductions, so the results are deterministic.
/// </summary>
public static class TensorSums
{
    /// <summary>Σ x² of each tensor, as double.</summary>
    public static double[] SumsOfSquares(IReadOnlyList<TensorT> tensors) =>
        Reduce(tensors, (backend, i, slot) => backend.SumOfSquares(tensors[i], slot));

    /// <summary>Σ a∘b of each pair (a[i], b[i]) of equal shapes.</summary>
    public static double[] Dots(IReadOnlyList<TensorT> a, IReadOnlyList<TensorT> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"{a.Count} tensors paired with {b.Count}.", nameof(b));
        return Reduce(a, (backend, i, slot) =>
        {
            if (!a[i].Shape.SequenceEqual(b[i].Shape))
                throw new ArgumentException($"dot product of {a[i].Describe()} and {b[i].Describe()}: shapes differ.", nameof(b));
            using var product = backend.Empty(a[i].DType, a[i].Shape);
            backend.Binary(BinaryOp.Mul, a[i], b[i], product);
            backend.SumAll(product, slot);
        });
    }

    private static double[] Reduce(IReadOnlyList<TensorT> tensors, Action<IBackend, int, TensorT> reduceInto)
    {
        var result = new double[tensors.Count];
        if (tensors.Count == 0) return result;
        var backend = tensors[0].Backend;
        var dtype = tensors[0].DType;
        foreach (var t in tensors)
        {
            if (!ReferenceEquals(t.Backend, backend) || t.DType != dtype)
                throw new ArgumentException($"per-tensor sums need the tensors on one backend in one dtype; found {t.Describe()} beside {tensors[0].Describe()}.", nameof(tensors));
        }
        using var scope = TensorScope.Begin();
        var slots = backend.Empty(dtype, [tensors.Count]);
        for (int i = 0; i < tensors.Count; i++)
        {
            using var slot = slots.Slice(0, i, 1);
            reduceInto(backend, i, slot);
        }
        if (dtype == DType.Float32)
        {
            var host = new float[tensors.Count];
            backend.CopyToHost(slots, MemoryMarshal.AsBytes(host.AsSpan()));
            for (int i = 0; i < host.Length; i++) result[i] = host[i];
        }
        else backend.CopyToHost(slots, MemoryMarshal.AsBytes(result.AsSpan()));
        return result;
    }
}
