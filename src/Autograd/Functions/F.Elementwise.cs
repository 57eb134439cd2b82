using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// Differentiable functions. Every function runs its forward op eagerly through the inputs' backend and,
/// when grad mode is on and an input requires gradients, records one small node on the <see cref="Tape"/>.
/// Results are new contiguous tensors (owned by the active <see cref="TensorScope"/>).
/// </summary>
public static partial class F
{
    public static Variable Add(Variable a, Variable b) => Binary(BinaryOp.Add, a, b);
    public static Variable Sub(Variable a, Variable b) => Binary(BinaryOp.Sub, a, b);
    public static Variable Mul(Variable a, Variable b) => Binary(BinaryOp.Mul, a, b);
    public static Variable Div(Variable a, Variable b) => Binary(BinaryOp.Div, a, b);

    /// <summary>a op b with NumPy broadcasting; gradients are summed back to each input's shape.</summary>
    public static Variable Binary(BinaryOp op, Variable a, Variable b)
    {
        string name = op.ToString();
        if (op is not (BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div))
            throw new ArgumentException($"{name}: only Add, Sub, Mul and Div are differentiable.", nameof(op));
        Expect.Floating(name, "a", a);
        Expect.SameDType(name, a, "a", b, "b");
        var shape = DyTox.Tensor.Shape.Broadcast(a.Shape, b.Shape);
        var y = a.Backend.Empty(a.DType, shape);
        a.Backend.Binary(op, a.Value, b.Value, y);
        return Tape.ShouldRecord(a, b) ? Tape.Record(new BinaryNode(op, a, b), y) : new Variable(y);
    }

    /// <summary>alpha·x.</summary>
    public static Variable Scale(Variable x, double alpha) => Affine(x, alpha, 0);

    /// <summary>x + beta.</summary>
    public static Variable AddScalar(Variable x, double beta) => Affine(x, 1, beta);

    /// <summary>alpha·x + beta.</summary>
    public static Variable Affine(Variable x, double alpha, double beta)
    {
        Expect.Floating("Affine", "x", x);
        var y = Like(x.Value);
        x.Backend.Affine(x.Value, alpha, beta, y);
        return Tape.ShouldRecord(x) ? Tape.Record(new AffineNode(x, alpha), y) : new Variable(y);
    }

    public static Variable Neg(Variable x) => Unary(UnaryOp.Neg, x);
    public static Variable Exp(Variable x) => Unary(UnaryOp.Exp, x);
    public static Variable Log(Variable x) => Unary(UnaryOp.Log, x);
    public static Variable Sqrt(Variable x) => Unary(UnaryOp.Sqrt, x);
    public static Variable Square(Variable x) => Unary(UnaryOp.Square, x);
    public static Variable Abs(Variable x) => Unary(UnaryOp.Abs, x);
    public static Variable Reciprocal(Variable x) => Unary(UnaryOp.Reciprocal, x);
    public static Variable Sigmoid(Variable x) => Unary(UnaryOp.Sigmoid, x);
    public static Variable Tanh(Variable x) => Unary(UnaryOp.Tanh, x);
    public static Variable Relu(Variable x) => Unary(UnaryOp.Relu, x);

    /// <summary>Exact (erf) GELU, like torch nn.GELU().</summary>
    public static Variable Gelu(Variable x) => Unary(UnaryOp.Gelu, x);

    public static Variable Unary(UnaryOp op, Variable x)
    {
        Expect.Floating(op.ToString(), "x", x);
        var y = Like(x.Value);
        x.Backend.Unary(op, x.Value, y);
        return Tape.ShouldRecord(x) ? Tape.Record(new UnaryNode(op, x), y) : new Variable(y);
    }

    private static TensorT Like(TensorT t) => t.Backend.Empty(t.DType, t.Shape);

    /// <summary>Gives <paramref name="full"/> (a gradient with the op output's shape) to <paramref name="input"/>,
    /// summed over the axes the input was broadcast along.</summary>
    internal static void GiveReduced(Variable input, TensorT full)
    {
        if (full.Shape.SequenceEqual(input.Shape))
        {
            input.AccumulateGrad(full, owned: true);
            return;
        }
        var reduced = input.Backend.Empty(input.DType, input.Shape);
        full.Backend.SumToShape(full, reduced);
        full.Dispose();
        input.AccumulateGrad(reduced, owned: true);
    }

    /// <summary>Gives dy summed down to the input's (broadcast) shape.</summary>
    private static void GiveSummed(Variable input, TensorT dy)
    {
        var g = input.Backend.Empty(input.DType, input.Shape);
        dy.Backend.SumToShape(dy, g);
        input.AccumulateGrad(g, owned: true);
    }

    private sealed class BinaryNode(BinaryOp op, Variable a, Variable b) : Node
    {
        public override string Name => op.ToString();

        internal override void Backward(TensorT dy)
        {
            var be = dy.Backend;
            switch (op)
            {
                case BinaryOp.Add:
                case BinaryOp.Sub:
                    double sign = op == BinaryOp.Add ? 1 : -1;
                    bool bTakesDy = b.RequiresGrad && dy.Shape.SequenceEqual(b.Shape);
                    if (a.RequiresGrad)
                    {
                        if (!dy.Shape.SequenceEqual(a.Shape)) GiveSummed(a, dy);
                        else if (bTakesDy) Lend(a, dy);
                        else Give(a, TakeOutputGradient(dy)); // the only consumer: hand dy over without a copy
                    }
                    if (b.RequiresGrad)
                    {
                        if (bTakesDy)
                        {
                            var g = TakeOutputGradient(dy);
                            if (sign < 0) be.Affine(g, -1, 0, g);
                            Give(b, g);
                        }
                        else
                        {
                            var g = Like(b.Value);
                            be.SumToShape(dy, g);
                            if (sign < 0) be.Affine(g, -1, 0, g);
                            Give(b, g);
                        }
                    }
                    break;
                case BinaryOp.Mul:
                    if (a.RequiresGrad) { var g = Like(dy); be.Binary(BinaryOp.Mul, dy, b.Value, g); GiveReduced(a, g); }
                    if (b.RequiresGrad) { var g = Like(dy); be.Binary(BinaryOp.Mul, dy, a.Value, g); GiveReduced(b, g); }
                    break;
                case BinaryOp.Div:
                    if (a.RequiresGrad) { var g = Like(dy); be.Binary(BinaryOp.Div, dy, b.Value, g); GiveReduced(a, g); }
                    if (b.RequiresGrad)
                    {
                        // d(a/b)/db = −y/b
                        var g = Like(dy);
                        be.Binary(BinaryOp.Mul, dy, Output!.Value, g);
                        be.Binary(BinaryOp.Div, g, b.Value, g);
                        be.Affine(g, -1, 0, g);
                        GiveReduced(b, g);
                    }
                    break;
            }
        }
    }

    private sealed class AffineNode(Variable x, double alpha) : Node
    {
        public override string Name => "Affine";

        internal override void Backward(TensorT dy)
        {
            var g = TakeOutputGradient(dy);
            if (alpha != 1) dy.Backend.Affine(g, alpha, 0, g);
            Give(x, g);
        }
    }

    private sealed class UnaryNode(UnaryOp op, Variable x) : Node
    {
        public override string Name => op.ToString();

        internal override void Backward(TensorT dy)
        {
            var g = Like(dy);
            dy.Backend.UnaryBackward(op, x.Value, Output!.Value, dy, g);
            Give(x, g);
        }
    }
}
