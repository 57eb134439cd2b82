using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

public static partial class F
{
    /// <summary>Softmax over the last axis.</summary>
    public static Variable Softmax(Variable x)
    {
        Expect.Floating("Softmax", "x", x);
        var y = Like(x.Value);
        x.Backend.Softmax(x.Value, y);
        return Tape.ShouldRecord(x) ? Tape.Record(new SoftmaxNode(x, log: false), y) : new Variable(y);
    }

    /// <summary>Log-softmax over the last axis.</summary>
    public static Variable LogSoftmax(Variable x)
    {
        Expect.Floating("LogSoftmax", "x", x);
        var y = Like(x.Value);
        x.Backend.LogSoftmax(x.Value, y);
        return Tape.ShouldRecord(x) ? Tape.Record(new SoftmaxNode(x, log: true), y) : new Variable(y);
    }

    /// <summary>LayerNorm over the last axis (biased variance, torch semantics) with gamma/beta [D].</summary>
    public static Variable LayerNorm(Variable x, Variable gamma, Variable beta, double eps = 1e-5)
    {
        const string op = "LayerNorm";
        Expect.Floating(op, "x", x);
        Expect.SameDType(op, x, "x", gamma, "gamma");
        Expect.SameDType(op, x, "x", beta, "beta");
        if (x.Rank < 1) throw new ArgumentException($"{op}: x must have at least one axis.", nameof(x));
        int d = x.Size(-1);
        Expect.Shape(op, "gamma", gamma.Shape, d);
        Expect.Shape(op, "beta", beta.Shape, d);
        var y = Like(x.Value);
        var statShape = x.Shape[..^1].ToArray();
        var mean = x.Backend.Empty(x.DType, statShape);
        var rstd = x.Backend.Empty(x.DType, statShape);
        x.Backend.LayerNorm(x.Value, gamma.Value, beta.Value, eps, y, mean, rstd);
        if (!Tape.ShouldRecord(x, gamma, beta))
        {
            mean.Dispose();
            rstd.Dispose();
            return new Variable(y);
        }
        return Tape.Record(new LayerNormNode(x, gamma, beta, mean, rstd), y);
    }

    /// <summary>x / (‖x‖₂ + eps) per row of the last axis.</summary>
    public static Variable L2Normalize(Variable x, double eps = 1e-12)
    {
        Expect.Floating("L2Normalize", "x", x);
        var y = Like(x.Value);
        x.Backend.L2Normalize(x.Value, eps, y);
        return Tape.ShouldRecord(x) ? Tape.Record(new L2NormalizeNode(x, eps), y) : new Variable(y);
    }

    private sealed class SoftmaxNode(Variable x, bool log) : Node
    {
        public override string Name => log ? "LogSoftmax" : "Softmax";

        internal override void Backward(TensorT dy)
        {
            var g = Like(dy);
            if (log) dy.Backend.LogSoftmaxBackward(Output!.Value, dy, g);
            else dy.Backend.SoftmaxBackward(Output!.Value, dy, g);
            Give(x, g);
        }
    }

    private sealed class LayerNormNode(Variable x, Variable gamma, Variable beta, TensorT mean, TensorT rstd) : Node
    {
        public override string Name => "LayerNorm";

        internal override void Backward(TensorT dy)
        {
            // The backend computes all three gradients in one pass; unneeded ones are dropped.
            var dx = Like(x.Value);
            var dGamma = Like(gamma.Value);
            var dBeta = Like(beta.Value);
            dy.Backend.LayerNormBackward(dy, x.Value, gamma.Value, mean, rstd, dx, dGamma, dBeta);
            if (x.RequiresGrad) Give(x, dx); else dx.Dispose();
            if (gamma.RequiresGrad) Give(gamma, dGamma); else dGamma.Dispose();
            if (beta.RequiresGrad) Give(beta, dBeta); else dBeta.Dispose();
        }

        internal override void Release()
        {
            mean.Dispose();
            rstd.Dispose();
        }
    }

    private sealed class L2NormalizeNode(Variable x, double eps) : Node
    {
        public override string Name => "L2Normalize";

        internal override void Backward(TensorT dy)
        {
            var g = Like(dy);
            dy.Backend.L2NormalizeBackward(x.Value, dy, eps, g);
            Give(x, g);
        }
    }
}
