using System.Runtime.InteropServices;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

public static partial class F
{
    /// <summary>Sum over one axis (kept with extent 1 when <paramref name="keepDim"/>).</summary>
    public static Variable Sum(Variable x, int axis, bool keepDim = false) => Reduce(ReduceOp.Sum, x, axis, keepDim);

    /// <summary>Mean over one axis.</summary>
    public static Variable Mean(Variable x, int axis, bool keepDim = false) => Reduce(ReduceOp.Mean, x, axis, keepDim);

    /// <summary>Maximum over one axis; the gradient goes to the first maximal element (torch's max(dim)).</summary>
    public static Variable Max(Variable x, int axis, bool keepDim = false) => Reduce(ReduceOp.Max, x, axis, keepDim);

    public static Variable Reduce(ReduceOp op, Variable x, int axis, bool keepDim = false)
    {
        Expect.Floating(op.ToString(), "x", x);
        int a = DyTox.Tensor.Shape.Axis(axis, x.Rank);
        var kept = x.Value.ShapeArray();
        kept[a] = 1;
        var y = x.Backend.Empty(x.DType, kept);
        x.Backend.Reduce(op, x.Value, a, y);
        if (!keepDim)
        {
            var squeezed = y.Squeeze(a);
            y.Dispose();
            y = squeezed;
        }
        return Tape.ShouldRecord(x) ? Tape.Record(new ReduceNode(op, x, a), y) : new Variable(y);
    }

    /// <summary>Sum of all elements, shape [1].</summary>
    public static Variable SumAll(Variable x)
    {
        Expect.Floating("SumAll", "x", x);
        var y = x.Backend.Empty(x.DType, [1]);
        x.Backend.SumAll(x.Value, y);
        return Tape.ShouldRecord(x) ? Tape.Record(new SumAllNode(x, 1.0), y) : new Variable(y);
    }

    /// <summary>Mean of all elements, shape [1].</summary>
    public static Variable MeanAll(Variable x)
    {
        Expect.Floating("MeanAll", "x", x);
        var y = x.Backend.Empty(x.DType, [1]);
        x.Backend.SumAll(x.Value, y);
        double inv = 1.0 / x.Numel;
        x.Backend.Affine(y, inv, 0, y);
        return Tape.ShouldRecord(x) ? Tape.Record(new SumAllNode(x, inv), y) : new Variable(y);
    }

    private sealed class ReduceNode(ReduceOp op, Variable x, int axis) : Node
    {
        public override string Name => op.ToString();

        internal override void Backward(TensorT dy)
        {
            var be = dy.Backend;
            var kept = x.Value.ShapeArray();
            kept[axis] = 1;
            using var dyKept = dy.Reshape(kept);
            using var expanded = dyKept.Expand(x.Value.ShapeArray());
            var g = Like(x.Value);
            switch (op)
            {
                case ReduceOp.Sum:
                    be.Copy(expanded, g);
                    break;
                case ReduceOp.Mean:
                    be.Copy(expanded, g);
                    be.Affine(g, 1.0 / x.Size(axis), 0, g);
                    break;
                case ReduceOp.Max:
                    using (var mask = ArgMaxMask(x.Value, axis))
                        be.Binary(BinaryOp.Mul, expanded, mask, g);
                    break;
            }
            Give(x, g);
        }

        // One-hot of the first maximum along the axis, built from ArgMax with device ops only:
        // mask = 1 − min(1, |iota − argmax|) where iota[j] = j along the axis.
        private static TensorT ArgMaxMask(TensorT x, int axis)
        {
            var be = x.Backend;
            var kept = x.ShapeArray();
            kept[axis] = 1;
            using var index = be.Empty(DType.Int32, kept);
            be.ArgMax(x, axis, index);
            using var indexF = be.Empty(x.DType, kept);
            be.Cast(index, indexF);
            var iotaShape = new int[x.Rank];
            Array.Fill(iotaShape, 1);
            iotaShape[axis] = x.Shape[axis];
            using var iota = Iota(be, x.DType, iotaShape);
            var mask = be.Empty(x.DType, x.Shape);
            be.Binary(BinaryOp.Sub, iota, indexF, mask);
            be.Unary(UnaryOp.Abs, mask, mask);
            using var one = be.Empty(x.DType, [1]);
            be.Fill(one, 1.0);
            be.Binary(BinaryOp.Min, mask, one, mask);
            be.Affine(mask, -1, 1, mask);
            return mask;
        }

        private static TensorT Iota(IBackend be, DType dtype, int[] shape)
        {
            int n = (int)DyTox.Tensor.Shape.Numel(shape);
            var t = be.Empty(dtype, shape);
            if (dtype == DType.Float64)
            {
                var values = new double[n];
                for (int i = 0; i < n; i++) values[i] = i;
                be.CopyFromHost(MemoryMarshal.AsBytes(values.AsSpan()), t);
            }
            else
            {
                var values = new float[n];
                for (int i = 0; i < n; i++) values[i] = i;
                be.CopyFromHost(MemoryMarshal.AsBytes(values.AsSpan()), t);
            }
            return t;
        }
    }

    private sealed class SumAllNode(Variable x, double scale) : Node
    {
        public override string Name => scale == 1 ? "SumAll" : "MeanAll";

        internal override void Backward(TensorT dy)
        {
            var be = dy.Backend;
            using var expanded = dy.Expand(x.Value.ShapeArray());
            var g = Like(x.Value);
            be.Copy(expanded, g);
            if (scale != 1) be.Affine(g, scale, 0, g);
            Give(x, g);
        }
    }
}
