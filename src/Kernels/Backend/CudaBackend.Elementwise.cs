using DyTox.Kernels.Runtime.Launchers;
using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using BinaryOp = DyTox.Tensor.BinaryOp;
using Tensor = DyTox.Tensor.Tensor;

// Binary (broadcasting strided views), unary and its backward, affine, axpy.
public sealed partial class CudaBackend
{
    // Op names for messages, formed once: an op call in the steady state allocates nothing.
    private static readonly string[] BinaryNames = Enum.GetValues<BinaryOp>().Select(o => $"Binary({o})").ToArray();
    private static readonly string[] UnaryNames = Enum.GetValues<UnaryOp>().Select(o => $"Unary({o})").ToArray();
    private static readonly string[] UnaryBackwardNames = Enum.GetValues<UnaryOp>().Select(o => $"UnaryBackward({o})").ToArray();

    /// <summary>The message name of an op code; an undefined code (the kernels would misread it) is rejected.</summary>
    private static string NameOf(string[] names, int op, string family) =>
        (uint)op < (uint)names.Length ? names[op] : throw new ArgumentOutOfRangeException(nameof(op), op, $"{family}: unknown op code {op}.");
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor destination)
    {
        string name = NameOf(BinaryNames, (int)op, "Binary");
        RequireDevice(a, name, nameof(a));
        RequireDevice(b, name, nameof(b));
        RequireF32(destination, name, nameof(destination));
        RequireF32Type(a, name, nameof(a));
        RequireF32Type(b, name, nameof(b));
        RequireBroadcastsTo(name, a, nameof(a), destination);
        RequireBroadcastsTo(name, b, nameof(b), destination);
        long n = destination.Numel;
        if (n == 0) return;
        int rank = destination.Rank;
        Span<long> sizes = stackalloc long[rank], sa = stackalloc long[rank], sb = stackalloc long[rank], sd = stackalloc long[rank];
        for (int i = 0; i < rank; i++) sizes[i] = destination.Shape[i];
        BroadcastStrides(a, destination.Shape, sa);
        BroadcastStrides(b, destination.Shape, sb);
        StridedLayout.Contiguous(sizes, sd);
        rank = StridedLayout.Merge(sizes, sa, sb, sd);
        if (rank > CopyDesc6.MaxRank)
            throw new NotSupportedException($"{name}: the operands need {rank} strided dimensions after merging; the CUDA kernel takes at most {CopyDesc6.MaxRank}.");
        var desc = BinaryDesc6.Create(sizes[..rank], sa[..rank], sb[..rank]);
        _ops.Binary(op, destination.Address, a.Address, b.Address, desc, n);
    }

    private static void RequireBroadcastsTo(string op, Tensor t, string name, Tensor destination)
    {
        int lead = destination.Rank - t.Rank;
        bool ok = lead >= 0;
        for (int i = 0; ok && i < t.Rank; i++)
            ok = t.Shape[i] == destination.Shape[lead + i] || t.Shape[i] == 1;
        if (!ok)
            throw new ArgumentException($"{op}: {name} has shape {Shape.Format(t.Shape)}, which does not broadcast to the destination's {Shape.Format(destination.Shape)}.");
    }

    /// <summary>Strides of <paramref name="t"/> broadcast to <paramref name="shape"/> (0 on broadcast and new leading axes).</summary>
    private static void BroadcastStrides(Tensor t, ReadOnlySpan<int> shape, Span<long> strides)
    {
        int lead = shape.Length - t.Rank;
        strides.Clear();
        for (int i = 0; i < t.Rank; i++)
            strides[lead + i] = t.Shape[i] == 1 && shape[lead + i] != 1 ? 0 : t.Strides[i];
    }

    public void Unary(UnaryOp op, Tensor x, Tensor destination)
    {
        string name = NameOf(UnaryNames, (int)op, "Unary");
        RequireF32(x, name, nameof(x));
        RequireF32(destination, name, nameof(destination));
        RequireSameShape(name, x, nameof(x), destination, nameof(destination));
        _ops.Unary(op, destination.Address, x.Address, x.Numel);
    }

    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx)
    {
        string name = NameOf(UnaryBackwardNames, (int)op, "UnaryBackward");
        RequireF32(x, name, nameof(x));
        RequireF32(y, name, nameof(y));
        RequireF32(dy, name, nameof(dy));
        RequireF32(dx, name, nameof(dx));
        RequireSameShape(name, x, nameof(x), y, nameof(y));
        RequireSameShape(name, x, nameof(x), dy, nameof(dy));
        RequireSameShape(name, x, nameof(x), dx, nameof(dx));
        _ops.UnaryBackward(op, dx.Address, x.Address, y.Address, dy.Address, x.Numel);
    }

    public void Affine(Tensor x, double alpha, double beta, Tensor destination)
    {
        RequireF32(x, "Affine", nameof(x));
        RequireF32(destination, "Affine", nameof(destination));
        RequireSameShape("Affine", x, nameof(x), destination, nameof(destination));
        _ops.Affine(destination.Address, x.Address, x.Numel, (float)alpha, (float)beta);
    }

    public void Axpy(double alpha, Tensor x, Tensor y)
    {
        RequireF32(x, "Axpy", nameof(x));
        RequireF32(y, "Axpy", nameof(y));
        RequireSameShape("Axpy", y, nameof(y), x, nameof(x));
        _ops.Axpy(y.Address, x.Address, x.Numel, (float)alpha);
    }
}
