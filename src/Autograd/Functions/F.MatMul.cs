using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

public static partial class F
{
    /// <summary>
    /// op(a)·op(b): 2-D [m,k]·[k,n] → [m,n], or batched 3-D [B,m,k]·[B,k,n] → [B,m,n] where either batch
    /// extent may be 1 (shared by all batches; its gradient is summed over the batch).
    /// </summary>
    public static Variable MatMul(Variable a, Variable b, bool transposeA = false, bool transposeB = false)
    {
        const string op = "MatMul";
        Expect.Floating(op, "a", a);
        Expect.SameDType(op, a, "a", b, "b");
        Expect.Rank(op, "a", a.Shape, 2, 3);
        if (a.Rank != b.Rank) throw new ArgumentException($"{op}: a {a.Value.Describe()} and b {b.Value.Describe()} must have the same rank (2 or 3).");
        int r = a.Rank;
        int m = transposeA ? a.Size(r - 1) : a.Size(r - 2), ka = transposeA ? a.Size(r - 2) : a.Size(r - 1);
        int kb = transposeB ? b.Size(r - 1) : b.Size(r - 2), n = transposeB ? b.Size(r - 2) : b.Size(r - 1);
        if (ka != kb)
            throw new ArgumentException($"{op}: inner extents differ: op(a) is {m}×{ka} (a {DyTox.Tensor.Shape.Format(a.Shape)}, transposeA={transposeA}), op(b) is {kb}×{n} (b {DyTox.Tensor.Shape.Format(b.Shape)}, transposeB={transposeB}).");
        int[] shape;
        if (r == 2) shape = [m, n];
        else
        {
            int ba = a.Size(0), bb = b.Size(0);
            if (ba != bb && ba != 1 && bb != 1)
                throw new ArgumentException($"{op}: batch extents {ba} (a) and {bb} (b) differ and neither is 1.");
            shape = [Math.Max(ba, bb), m, n];
        }
        var y = a.Backend.Empty(a.DType, shape);
        a.Backend.MatMul(a.Value, transposeA, b.Value, transposeB, y);
        return Tape.ShouldRecord(a, b) ? Tape.Record(new MatMulNode(a, b, transposeA, transposeB), y) : new Variable(y);
    }

    /// <summary>y[…, O] = x[…, I]·wᵀ + bias with w [O, I] (torch nn.Linear), bias [O] or null.</summary>
    public static Variable Linear(Variable x, Variable weight, Variable? bias = null)
    {
        const string op = "Linear";
        Expect.Floating(op, "x", x);
        Expect.SameDType(op, x, "x", weight, "weight");
        Expect.Rank(op, "weight", weight.Shape, 2);
        if (x.Rank < 1 || x.Size(-1) != weight.Size(1))
            throw new ArgumentException($"{op}: x {x.Value.Describe()} has {(x.Rank < 1 ? 0 : x.Size(-1))} input features; weight {DyTox.Tensor.Shape.Format(weight.Shape)} expects {weight.Size(1)}.");
        if (bias is not null)
        {
            Expect.SameDType(op, x, "x", bias, "bias");
            Expect.Shape(op, "bias", bias.Shape, weight.Size(0));
        }
        var shape = x.Value.ShapeArray();
        shape[^1] = weight.Size(0);
        var y = x.Backend.Empty(x.DType, shape);
        x.Backend.Linear(x.Value, weight.Value, bias?.Value, y);
        bool record = GradMode.IsEnabled && (x.RequiresGrad || weight.RequiresGrad || (bias?.RequiresGrad ?? false));
        return record ? Tape.Record(new LinearNode(x, weight, bias), y) : new Variable(y);
    }

    private sealed class MatMulNode(Variable a, Variable b, bool ta, bool tb) : Node
    {
        public override string Name => "MatMul";

        internal override void Backward(TensorT dy)
        {
            var be = dy.Backend;
            TensorT A = a.Value, B = b.Value;
            if (a.RequiresGrad)
            {
                // d op(a) = dC·op(b)ᵀ; when a itself is transposed, da = (d op(a))ᵀ.
                var g = GradBuffer(a, dy);
                if (!ta) be.MatMul(dy, false, B, !tb, g);
                else if (!tb) be.MatMul(B, false, dy, true, g);
                else be.MatMul(B, true, dy, true, g);
                GiveReduced(a, g);
            }
            if (b.RequiresGrad)
            {
                // d op(b) = op(a)ᵀ·dC; when b itself is transposed, db = (d op(b))ᵀ.
                var g = GradBuffer(b, dy);
                if (!tb) be.MatMul(A, !ta, dy, false, g);
                else if (!ta) be.MatMul(dy, true, A, false, g);
                else be.MatMul(dy, true, A, true, g);
                GiveReduced(b, g);
            }
        }

        // A gradient with the input's matrix shape and the output's batch extent (summed later if shared).
        private static TensorT GradBuffer(Variable input, TensorT dy)
        {
            if (input.Rank == 2) return input.Backend.Empty(input.DType, input.Shape);
            return input.Backend.Empty(input.DType, [dy.Size(0), input.Size(1), input.Size(2)]);
        }
    }

    private sealed class LinearNode(Variable x, Variable w, Variable? bias) : Node
    {
        public override string Name => "Linear";

        internal override void Backward(TensorT dy)
        {
            var be = dy.Backend;
            TensorT? dx = x.RequiresGrad ? Like(x.Value) : null;
            TensorT? dw = w.RequiresGrad ? Like(w.Value) : null;
            TensorT? db = bias is { RequiresGrad: true } ? Like(bias.Value) : null;
            if (dx is null && dw is null && db is null) return;
            be.LinearBackward(dy, x.Value, w.Value, dx, dw, db);
            if (dx is not null) Give(x, dx);
            if (dw is not null) Give(w, dw);
            if (db is not null) Give(bias!, db);
        }
    }
}
