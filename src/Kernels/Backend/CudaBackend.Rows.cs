using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

// Softmax family, LayerNorm and L2 normalisation over the last axis.
public sealed partial class CudaBackend
{
    public void Softmax(Tensor x, Tensor y)
    {
        var (rows, cols) = RowOp("Softmax", x, nameof(x), y, nameof(y));
        if (rows > 0 && cols > 0) _softmax.Forward(y.Address, x.Address, rows, cols);
    }

    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx)
    {
        var (rows, cols) = RowOp("SoftmaxBackward", y, nameof(y), dy, nameof(dy), dx, nameof(dx));
        if (rows > 0 && cols > 0) _softmax.Backward(dx.Address, y.Address, dy.Address, rows, cols);
    }

    public void LogSoftmax(Tensor x, Tensor y)
    {
        var (rows, cols) = RowOp("LogSoftmax", x, nameof(x), y, nameof(y));
        _rows.LogSoftmaxForward(y.Address, x.Address, rows, cols);
    }

    public void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx)
    {
        var (rows, cols) = RowOp("LogSoftmaxBackward", y, nameof(y), dy, nameof(dy), dx, nameof(dx));
        _rows.LogSoftmaxBackward(dx.Address, y.Address, dy.Address, rows, cols);
    }

    public void L2Normalize(Tensor x, double eps, Tensor y)
    {
        var (rows, cols) = RowOp("L2Normalize", x, nameof(x), y, nameof(y));
        _rows.L2NormalizeForward(y.Address, x.Address, rows, cols, (float)eps);
    }

    public void L2NormalizeBackward(Tensor x, Tensor dy, double eps, Tensor dx)
    {
        var (rows, cols) = RowOp("L2NormalizeBackward", x, nameof(x), dy, nameof(dy), dx, nameof(dx));
        _rows.L2NormalizeBackward(dx.Address, x.Address, dy.Address, rows, cols, (float)eps);
    }

    /// <summary>Checks same-shape contiguous float32 row operands; returns [rows, last axis].</summary>
    private (int Rows, int Cols) RowOp(string op, Tensor first, string firstName, Tensor second, string secondName,
                                       Tensor? third = null, string thirdName = "")
    {
        RequireF32(first, op, firstName);
        RequireF32(second, op, secondName);
        RequireSameShape(op, first, firstName, second, secondName);
        if (third is not null)
        {
            RequireF32(third, op, thirdName);
            RequireSameShape(op, first, firstName, third, thirdName);
        }
        return RowsOf(op, first, firstName);
    }

    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor rstd)
    {
        const string op = "LayerNorm";
        var (rows, width) = RowOp(op, x, nameof(x), y, nameof(y));
        RequireF32(gamma, op, nameof(gamma));
        RequireF32(beta, op, nameof(beta));
        RequireF32(mean, op, nameof(mean));
        RequireF32(rstd, op, nameof(rstd));
        RequireShape(op, gamma, nameof(gamma), [width]);
        RequireShape(op, beta, nameof(beta), [width]);
        RequireShape(op, mean, nameof(mean), x.Shape[..^1]);
        RequireShape(op, rstd, nameof(rstd), x.Shape[..^1]);
        if (rows == 0 || width == 0) return;
        _layerNorm.Forward(y.Address, mean.Address, rstd.Address, x.Address, gamma.Address, beta.Address, rows, width, (float)eps);
    }

    public void LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx, Tensor dGamma, Tensor dBeta)
    {
        const string op = "LayerNormBackward";
        var (rows, width) = RowOp(op, x, nameof(x), dy, nameof(dy), dx, nameof(dx));
        RequireF32(gamma, op, nameof(gamma));
        RequireF32(mean, op, nameof(mean));
        RequireF32(rstd, op, nameof(rstd));
        RequireF32(dGamma, op, nameof(dGamma));
        RequireF32(dBeta, op, nameof(dBeta));
        RequireShape(op, gamma, nameof(gamma), [width]);
        RequireShape(op, dGamma, nameof(dGamma), [width]);
        RequireShape(op, dBeta, nameof(dBeta), [width]);
        RequireShape(op, mean, nameof(mean), x.Shape[..^1]);
        RequireShape(op, rstd, nameof(rstd), x.Shape[..^1]);
        if (width == 0) return;
        if (rows == 0)
        {
            Fill(dGamma, 0);
            Fill(dBeta, 0);
            return;
        }
        _layerNorm.BackwardInput(dx.Address, dy.Address, x.Address, gamma.Address, mean.Address, rstd.Address, rows, width);
        long partialBytes = (long)Runtime.Launchers.LayerNormKernels.ParamChunks(rows) * width * sizeof(float);
        using var partialGamma = Scratch(partialBytes);
        using var partialBeta = Scratch(partialBytes);
        _layerNorm.BackwardParams(dGamma.Address, dBeta.Address, partialGamma.Pointer, partialBeta.Pointer,
                                  dy.Address, x.Address, mean.Address, rstd.Address, rows, width, accumulate: false);
    }
}
