using System.Buffers;
using System.Runtime.InteropServices;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

public static partial class F
{
    /// <summary>
    /// Inverted dropout: each element is kept with probability 1 − p and scaled by 1/(1 − p). The mask is
    /// drawn from <paramref name="rng"/> (one draw per element, row-major). Identity when not training or p = 0.
    /// </summary>
    public static Variable Dropout(Variable x, double p, Rng rng, bool training)
    {
        Expect.Floating("Dropout", "x", x);
        Expect.Probability("Dropout", nameof(p), p);
        if (!training || p == 0) return x;
        return ApplyMask(x, DrawMask(x.Backend, x.DType, x.Value.ShapeArray(), 1 - p, rng), "Dropout");
    }

    /// <summary>
    /// Stochastic depth (timm drop_path): one Bernoulli(1 − p) draw per sample (axis 0), the kept samples scaled
    /// by 1/(1 − p). Identity when not training or p = 0.
    /// </summary>
    public static Variable DropPath(Variable x, double p, Rng rng, bool training)
    {
        Expect.Floating("DropPath", "x", x);
        Expect.Probability("DropPath", nameof(p), p);
        if (!training || p == 0) return x;
        if (x.Rank < 1) throw new ArgumentException($"DropPath: x {x.Value.Describe()} needs a sample axis.", nameof(x));
        var maskShape = new int[x.Rank];
        Array.Fill(maskShape, 1);
        maskShape[0] = x.Size(0);
        return ApplyMask(x, DrawMask(x.Backend, x.DType, maskShape, 1 - p, rng), "DropPath");
    }

    private static Variable ApplyMask(Variable x, TensorT mask, string name)
    {
        var y = Like(x.Value);
        x.Backend.Binary(BinaryOp.Mul, x.Value, mask, y);
        if (Tape.ShouldRecord(x)) return Tape.Record(new MaskNode(x, mask, name), y);
        mask.Dispose();
        return new Variable(y);
    }

    /// <summary>A tensor of 0 or 1/keep (Bernoulli(keep) per element, drawn in row-major order).</summary>
    private static TensorT DrawMask(IBackend backend, DType dtype, int[] shape, double keep, Rng rng)
    {
        int n = checked((int)DyTox.Tensor.Shape.Numel(shape));
        var mask = backend.Empty(dtype, shape);
        double scale = 1.0 / keep;
        byte[] bytes = ArrayPool<byte>.Shared.Rent(n * dtype.Size());
        try
        {
            if (dtype == DType.Float64)
            {
                var values = MemoryMarshal.Cast<byte, double>(bytes.AsSpan(0, n * 8));
                for (int i = 0; i < n; i++) values[i] = rng.NextDouble() < keep ? scale : 0.0;
            }
            else
            {
                var values = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, n * 4));
                for (int i = 0; i < n; i++) values[i] = rng.NextDouble() < keep ? (float)scale : 0f;
            }
            backend.CopyFromHost(bytes.AsSpan(0, n * dtype.Size()), mask);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
        return mask;
    }

    private sealed class MaskNode(Variable x, TensorT mask, string name) : Node
    {
        public override string Name => name;

        internal override void Backward(TensorT dy)
        {
            var g = TakeOutputGradient(dy);
            dy.Backend.Binary(BinaryOp.Mul, g, mask, g);
            Give(x, g);
        }

        internal override void Release() => mask.Dispose();
    }
}
