using DyTox.Kernels.Runtime.Launchers;
using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

// Matrix products through the driver's row-major GEMM (cuBLAS on a GPU), and the dense layer.
public sealed partial class CudaBackend
{
    public void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, Tensor c, double alpha = 1, double beta = 0)
    {
        const string op = "MatMul";
        RequireDevice(a, op, nameof(a));
        RequireDevice(b, op, nameof(b));
        RequireF32Type(a, op, nameof(a));
        RequireF32Type(b, op, nameof(b));
        RequireF32(c, op, nameof(c));
        if (a.Rank is < 2 or > 3 || b.Rank is < 2 or > 3 || c.Rank is < 2 or > 3)
            throw new ArgumentException($"{op}: a {Shape.Format(a.Shape)}, b {Shape.Format(b.Shape)}, c {Shape.Format(c.Shape)}; expected 2-D or 3-D (batched) operands.");
        int batch = c.Rank == 3 ? c.Shape[0] : 1;
        var (ra, ca, lda, sa) = Matrix(op, a, nameof(a), batch);
        var (rb, cb, ldb, sb) = Matrix(op, b, nameof(b), batch);
        int m = transposeA ? ca : ra, k = transposeA ? ra : ca;
        int kb = transposeB ? cb : rb, n = transposeB ? rb : cb;
        int cm = c.Shape[c.Rank - 2], cn = c.Shape[c.Rank - 1];
        if (k != kb || cm != m || cn != n)
            throw new ArgumentException($"{op}: op(a) is [{m}, {k}], op(b) is [{kb}, {n}] and c is {Shape.Format(c.Shape)}; expected op(a) [m, k], op(b) [k, n], c [m, n].");
        if (c.Numel == 0) return;
        if (k == 0)
        {
            Affine(c, beta, 0, c);
            if (beta == 0) Fill(c, 0);
            return;
        }
        _driver.Blas.Sgemm(transposeA, transposeB, m, n, k, (float)alpha, a.Address, lda, sa, b.Address, ldb, sb,
                           (float)beta, c.Address, n, (long)m * n, batch);
    }

    /// <summary>Rows, columns, row stride and batch stride (0 when shared by every batch) of a matrix operand.</summary>
    private static (int Rows, int Cols, int Ld, long BatchStride) Matrix(string op, Tensor t, string name, int batch)
    {
        int rank = t.Rank;
        int rows = t.Shape[rank - 2], cols = t.Shape[rank - 1];
        if (cols > 1 && t.Strides[rank - 1] != 1)
            throw new ArgumentException($"{op}: {name} ({t.Describe()}) needs unit stride in its last axis.");
        long ld = rows > 1 ? t.Strides[rank - 2] : cols;
        if (ld < cols) throw new ArgumentException($"{op}: {name} ({t.Describe()}) has row stride {ld} below its {cols} columns.");
        long batchStride = 0;
        if (rank == 3)
        {
            int tb = t.Shape[0];
            if (tb != batch && tb != 1)
                throw new ArgumentException($"{op}: {name} has batch extent {tb}; expected {batch} or 1.");
            batchStride = tb == 1 ? 0 : t.Strides[0];
        }
        return (rows, cols, checked((int)Math.Max(ld, 1)), batchStride);
    }

    public void Linear(Tensor x, Tensor weight, Tensor? bias, Tensor y)
    {
        const string op = "Linear";
        RequireF32(x, op, nameof(x));
        RequireF32(weight, op, nameof(weight));
        RequireF32(bias, op, nameof(bias));
        RequireF32(y, op, nameof(y));
        if (weight.Rank != 2) throw new ArgumentException($"{op}: weight has shape {Shape.Format(weight.Shape)}; expected [O, I].");
        int outF = weight.Shape[0], inF = weight.Shape[1];
        var (rows, width) = RowsOf(op, x, nameof(x));
        if (width != inF) throw new ArgumentException($"{op}: x has {width} features; weight {Shape.Format(weight.Shape)} expects {inF}.");
        Span<int> yShape = stackalloc int[x.Rank];
        x.Shape.CopyTo(yShape);
        yShape[^1] = outF;
        RequireShape(op, y, nameof(y), yShape);
        if (bias is not null) RequireShape(op, bias, nameof(bias), [outF]);
        if (rows == 0 || outF == 0) return;
        float beta = 0;
        if (bias is not null)
        {
            // y starts as the bias broadcast over rows, then the GEMM accumulates onto it.
            var desc = CopyDesc6.Create([rows, outF], [0, 1], [outF, 1]);
            _ops.StridedCopy(y.Address, bias.Address, desc, (long)rows * outF);
            beta = 1;
        }
        if (inF == 0)
        {
            if (bias is null) Fill(y, 0);
            return;
        }
        _driver.Blas.Sgemm(false, true, rows, outF, inF, 1f, x.Address, inF, 0, weight.Address, inF, 0, beta, y.Address, outF, 0);
    }

    public void LinearBackward(Tensor dy, Tensor x, Tensor weight, Tensor? dx, Tensor? dWeight, Tensor? dBias)
    {
        const string op = "LinearBackward";
        RequireF32(dy, op, nameof(dy));
        RequireF32(x, op, nameof(x));
        RequireF32(weight, op, nameof(weight));
        RequireF32(dx, op, nameof(dx));
        RequireF32(dWeight, op, nameof(dWeight));
        RequireF32(dBias, op, nameof(dBias));
        if (weight.Rank != 2) throw new ArgumentException($"{op}: weight has shape {Shape.Format(weight.Shape)}; expected [O, I].");
        int outF = weight.Shape[0], inF = weight.Shape[1];
        var (rows, width) = RowsOf(op, x, nameof(x));
        if (width != inF) throw new ArgumentException($"{op}: x has {width} features; weight {Shape.Format(weight.Shape)} expects {inF}.");
        var (dyRows, dyWidth) = RowsOf(op, dy, nameof(dy));
        if (dyRows != rows || dyWidth != outF)
            throw new ArgumentException($"{op}: dy has shape {Shape.Format(dy.Shape)}; expected {rows} rows of {outF} (x {Shape.Format(x.Shape)}, weight {Shape.Format(weight.Shape)}).");
        if (dx is not null) RequireSameShape(op, x, nameof(x), dx, nameof(dx));
        if (dWeight is not null) RequireSameShape(op, weight, nameof(weight), dWeight, nameof(dWeight));
        if (dBias is not null) RequireShape(op, dBias, nameof(dBias), [outF]);
        bool empty = rows == 0 || outF == 0 || inF == 0;
        if (dx is not null)
        {
            // dx [M, I] = dy [M, O] · w [O, I]
            if (outF == 0 || rows == 0) Fill(dx, 0);
            else if (inF > 0) _driver.Blas.Sgemm(false, false, rows, inF, outF, 1f, dy.Address, outF, 0, weight.Address, inF, 0, 0f, dx.Address, inF, 0);
        }
        if (dWeight is not null)
        {
            // dW [O, I] = dyᵀ [O, M] · x [M, I]: every leading axis summed inside one GEMM.
            if (empty) Fill(dWeight, 0);
            else _driver.Blas.Sgemm(true, false, outF, inF, rows, 1f, dy.Address, outF, 0, x.Address, inF, 0, 0f, dWeight.Address, inF, 0);
        }
        if (dBias is not null && outF > 0)
        {
            if (rows == 0) Fill(dBias, 0);
            else
            {
                Span<long> outSizes = [outF], outStrides = [1], redSizes = [rows], redStrides = [outF];
                ReduceSegments(op, dBias.Address, dy.Address, outSizes, outStrides, redSizes, redStrides, sum: true, 1f);
            }
        }
    }
}
