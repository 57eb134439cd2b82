using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

public static partial class F
{
    /// <summary>Same elements, new shape (one extent may be −1). A view: nothing is copied.</summary>
    public static Variable Reshape(Variable x, params int[] shape)
    {
        var y = x.Value.Reshape(shape);
        return Tape.ShouldRecord(x) ? Tape.Record(new ReshapeNode(x), y) : new Variable(y);
    }

    /// <summary>Reorders axes (result axis i = input axis order[i]); the result is a contiguous copy.</summary>
    public static Variable Permute(Variable x, params int[] order)
    {
        using var view = x.Value.Permute(order);
        var y = view.Contiguous();
        return Tape.ShouldRecord(x) ? Tape.Record(new PermuteNode(x, order), y) : new Variable(y);
    }

    /// <summary>Swaps two axes (contiguous copy).</summary>
    public static Variable Transpose(Variable x, int axis0, int axis1)
    {
        var order = Enumerable.Range(0, x.Rank).ToArray();
        int a = DyTox.Tensor.Shape.Axis(axis0, x.Rank), b = DyTox.Tensor.Shape.Axis(axis1, x.Rank);
        (order[a], order[b]) = (order[b], order[a]);
        return Permute(x, order);
    }

    /// <summary>Elements [start, start + length) along an axis (contiguous copy).</summary>
    public static Variable Slice(Variable x, int axis, int start, int length)
    {
        int a = DyTox.Tensor.Shape.Axis(axis, x.Rank);
        using var view = x.Value.Slice(a, start, length);
        var y = view.Contiguous();
        return Tape.ShouldRecord(x) ? Tape.Record(new SliceNode(x, a, start, length), y) : new Variable(y);
    }

    /// <summary>Index <paramref name="index"/> along an axis, dropping the axis.</summary>
    public static Variable Select(Variable x, int axis, int index)
    {
        int a = DyTox.Tensor.Shape.Axis(axis, x.Rank);
        var sliced = Slice(x, a, index, 1);
        var shape = x.Value.ShapeArray().Where((_, i) => i != a).ToArray();
        return Reshape(sliced, shape);
    }

    /// <summary>Splits an axis into consecutive pieces of the given sizes.</summary>
    public static Variable[] Split(Variable x, int axis, params int[] sizes)
    {
        int a = DyTox.Tensor.Shape.Axis(axis, x.Rank);
        if (sizes.Sum() != x.Size(a))
            throw new ArgumentException($"Split: sizes [{string.Join(", ", sizes)}] sum to {sizes.Sum()}, but axis {a} of {x.Value.Describe()} has extent {x.Size(a)}.", nameof(sizes));
        var parts = new Variable[sizes.Length];
        int start = 0;
        for (int i = 0; i < sizes.Length; i++)
        {
            parts[i] = Slice(x, a, start, sizes[i]);
            start += sizes[i];
        }
        return parts;
    }

    /// <summary>Concatenates along an axis; all other extents must agree.</summary>
    public static Variable Concat(int axis, params Variable[] inputs)
    {
        const string op = "Concat";
        if (inputs.Length == 0) throw new ArgumentException($"{op}: no inputs.", nameof(inputs));
        var first = inputs[0];
        int a = DyTox.Tensor.Shape.Axis(axis, first.Rank);
        var shape = first.Value.ShapeArray();
        int total = 0;
        for (int i = 0; i < inputs.Length; i++)
        {
            var v = inputs[i];
            Expect.SameDType(op, first, "inputs[0]", v, $"inputs[{i}]");
            bool compatible = v.Rank == first.Rank;
            for (int d = 0; compatible && d < v.Rank; d++) compatible = d == a || v.Size(d) == first.Size(d);
            if (!compatible)
                throw new ArgumentException($"{op}: inputs[{i}] {v.Value.Describe()} does not match inputs[0] {first.Value.Describe()} outside axis {a}.");
            total += v.Size(a);
        }
        shape[a] = total;
        var y = first.Backend.Empty(first.DType, shape);
        int start = 0;
        foreach (var v in inputs)
        {
            using var dst = y.Slice(a, start, v.Size(a));
            y.Backend.Copy(v.Value, dst);
            start += v.Size(a);
        }
        return Tape.ShouldRecord(inputs) ? Tape.Record(new ConcatNode((Variable[])inputs.Clone(), a), y) : new Variable(y);
    }

    /// <summary>Gathers along an axis at Int32 indices [K] (repeats allowed; their gradients add up).</summary>
    public static Variable IndexSelect(Variable x, int axis, TensorT indices)
    {
        const string op = "IndexSelect";
        Expect.DType(op, nameof(indices), indices, DType.Int32);
        Expect.Rank(op, nameof(indices), indices.Shape, 1);
        int a = DyTox.Tensor.Shape.Axis(axis, x.Rank);
        var shape = x.Value.ShapeArray();
        shape[a] = indices.Size(0);
        var y = x.Backend.Empty(x.DType, shape);
        x.Backend.IndexSelect(x.Value, a, indices, y);
        return Tape.ShouldRecord(x) ? Tape.Record(new IndexSelectNode(x, a, indices), y) : new Variable(y);
    }

    /// <summary>Broadcasts x to <paramref name="shape"/> (NumPy rules; new leading axes allowed) as a contiguous
    /// copy; the gradient is summed back to x's shape.</summary>
    public static Variable Expand(Variable x, params int[] shape)
    {
        using var view = x.Value.Expand(shape);
        var y = view.Contiguous();
        return Tape.ShouldRecord(x) ? Tape.Record(new ExpandNode(x), y) : new Variable(y);
    }

    private sealed class ExpandNode(Variable x) : Node
    {
        public override string Name => "Expand";

        internal override void Backward(TensorT dy)
        {
            if (dy.Shape.SequenceEqual(x.Shape)) { Lend(x, dy); return; }
            var g = Like(x.Value);
            dy.Backend.SumToShape(dy, g);
            Give(x, g);
        }
    }

    private sealed class ReshapeNode(Variable x) : Node
    {
        public override string Name => "Reshape";

        // dy is exclusively this node's output gradient and is dropped right after, so a view of it can be handed over.
        internal override void Backward(TensorT dy) => Give(x, dy.Reshape(x.Value.ShapeArray()));
    }

    private sealed class PermuteNode(Variable x, int[] order) : Node
    {
        public override string Name => "Permute";

        internal override void Backward(TensorT dy)
        {
            var inverse = new int[order.Length];
            for (int i = 0; i < order.Length; i++) inverse[DyTox.Tensor.Shape.Axis(order[i], order.Length)] = i;
            using var view = dy.Permute(inverse);
            Give(x, view.Contiguous());
        }
    }

    private sealed class SliceNode(Variable x, int axis, int start, int length) : Node
    {
        public override string Name => "Slice";

        internal override void Backward(TensorT dy)
        {
            var g = Like(x.Value);
            dy.Backend.Fill(g, 0);
            using (var dst = g.Slice(axis, start, length)) dy.Backend.Copy(dy, dst);
            Give(x, g);
        }
    }

    private sealed class ConcatNode(Variable[] inputs, int axis) : Node
    {
        public override string Name => "Concat";

        internal override void Backward(TensorT dy)
        {
            int start = 0;
            foreach (var v in inputs)
            {
                int length = v.Size(axis);
                if (v.RequiresGrad)
                {
                    using var part = dy.Slice(axis, start, length);
                    Give(v, part.Contiguous());
                }
                start += length;
            }
        }
    }

    private sealed class IndexSelectNode(Variable x, int axis, TensorT indices) : Node
    {
        public override string Name => "IndexSelect";

        internal override void Backward(TensorT dy)
        {
            var g = Like(x.Value);
            dy.Backend.Fill(g, 0);
            dy.Backend.IndexAdd(dy, axis, indices, g);
            Give(x, g);
        }
    }
}
