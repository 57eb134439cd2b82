using System.Numerics;
using DyTox.Tensor.Cpu.Gemm;

namespace DyTox.Tensor.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, Tensor c, double alpha = 1, double beta = 0)
    {
        const string op = "MatMul";
        RequireCpu(a, nameof(a));
        RequireCpu(b, nameof(b));
        RequireCpuContiguous(c, nameof(c));
        var dtype = FloatingDType(op, a, nameof(a), (b, nameof(b)), (c, nameof(c)));
        if (c.Rank is not (2 or 3)) throw new ArgumentException($"{op}: c has shape {Shape.Format(c.Shape)}; expected [m, n] or [batch, m, n].");
        int batch = c.Rank == 3 ? c.Shape[0] : 1;
        int m = c.Shape[^2], n = c.Shape[^1];
        var (lda, strideA, aRows, aCols) = MatrixOperand(op, a, nameof(a), c.Rank, batch);
        var (ldb, strideB, bRows, bCols) = MatrixOperand(op, b, nameof(b), c.Rank, batch);
        int k = transposeA ? aRows : aCols;
        if ((transposeA ? aCols : aRows) != m)
            throw new ArgumentException($"{op}: a has shape {Shape.Format(a.Shape)}; expected {(transposeA ? $"[…, k, {m}]" : $"[…, {m}, k]")} for c {Shape.Format(c.Shape)} (transposeA = {transposeA}).");
        int expectedB0 = transposeB ? n : k, expectedB1 = transposeB ? k : n;
        if (bRows != expectedB0 || bCols != expectedB1)
            throw new ArgumentException($"{op}: b has shape {Shape.Format(b.Shape)}; expected [{(c.Rank == 3 ? "…, " : "")}{expectedB0}, {expectedB1}] for a {Shape.Format(a.Shape)} and c {Shape.Format(c.Shape)} (transposeB = {transposeB}).");
        if (m == 0 || n == 0 || batch == 0) return;
        if (dtype == DType.Float32)
        {
            float* pa = (float*)a.Address, pb = (float*)b.Address, pc = (float*)c.Address;
            if (batch == 1) CpuGemm.Sgemm(transposeA, transposeB, m, n, k, (float)alpha, pa, lda, pb, ldb, (float)beta, pc, n);
            else CpuGemm.SgemmStridedBatched(transposeA, transposeB, m, n, k, (float)alpha, pa, lda, strideA, pb, ldb, strideB, (float)beta, pc, n, (long)m * n, batch);
        }
        else
        {
            double* pa = (double*)a.Address, pb = (double*)b.Address, pc = (double*)c.Address;
            if (batch == 1) CpuGemm.Dgemm(transposeA, transposeB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, n);
            else CpuGemm.DgemmStridedBatched(transposeA, transposeB, m, n, k, alpha, pa, lda, strideA, pb, ldb, strideB, beta, pc, n, (long)m * n, batch);
        }
    }

    /// <summary>Leading dimension, batch stride and the stored [rows, cols] of a GEMM operand; a rank-2
    /// operand of a batched product (or batch extent 1) is shared by every batch (stride 0).</summary>
    private static (int Ld, long BatchStride, int Rows, int Cols) MatrixOperand(string op, Tensor t, string name, int cRank, int batch)
    {
        if (t.Rank != 2 && !(cRank == 3 && t.Rank == 3))
            throw new ArgumentException($"{op}: {name} has shape {Shape.Format(t.Shape)}; expected rank 2{(cRank == 3 ? " or 3" : "")} like c.");
        int rows = t.Shape[^2], cols = t.Shape[^1];
        if (cols > 1 && t.Strides[^1] != 1)
            throw new ArgumentException($"{op}: {name} ({t.Describe()}) needs unit stride in its last axis; make it contiguous first.");
        long ld = rows > 1 ? t.Strides[^2] : Math.Max(1, cols);
        if (ld < cols) throw new ArgumentException($"{op}: {name} has row stride {ld} shorter than its {cols} columns.");
        long batchStride = 0;
        if (t.Rank == 3)
        {
            if (t.Shape[0] == batch) batchStride = batch == 1 ? 0 : t.Strides[0];
            else if (t.Shape[0] != 1)
                throw new ArgumentException($"{op}: {name} has batch extent {t.Shape[0]}; expected {batch} (c's) or 1.");
        }
        return (checked((int)ld), batchStride, rows, cols);
    }

    public void Linear(Tensor x, Tensor weight, Tensor? bias, Tensor y)
    {
        const string op = "Linear";
        RequireContiguous((x, nameof(x)), (weight, nameof(weight)), (bias, nameof(bias)), (y, nameof(y)));
        var dtype = FloatingDType(op, x, nameof(x), (weight, nameof(weight)), (bias, nameof(bias)), (y, nameof(y)));
        if (weight.Rank != 2) throw new ArgumentException($"{op}: weight has shape {Shape.Format(weight.Shape)}; expected [out, in].");
        int outF = weight.Shape[0], inF = weight.Shape[1];
        var (rows, width) = RowsOf(op, x, nameof(x));
        if (width != inF) throw new ArgumentException($"{op}: x has shape {Shape.Format(x.Shape)}; expected [..., {inF}] (weight's in-features).");
        if (bias is not null) RequireShape(op, bias, nameof(bias), [outF]);
        var expectedY = x.ShapeArray();
        expectedY[^1] = outF;
        RequireShape(op, y, nameof(y), expectedY);
        if (dtype == DType.Float32) LinearImpl<float>(x, weight, bias, y, rows, inF, outF);
        else LinearImpl<double>(x, weight, bias, y, rows, inF, outF);
    }

    private static void LinearImpl<T>(Tensor x, Tensor weight, Tensor? bias, Tensor y, int rows, int inF, int outF)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (rows == 0 || outF == 0) return;
        T* py = (T*)y.Address;
        if (bias is not null)
        {
            // y starts as the bias rows; the GEMM then accumulates x·wᵀ onto them (beta = 1).
            T* pbias = (T*)bias.Address;
            CpuParallel.For(rows, outF, (begin, end) =>
            {
                var src = new ReadOnlySpan<T>(pbias, outF);
                for (int r = begin; r < end; r++) src.CopyTo(new Span<T>(py + (long)r * outF, outF));
            });
        }
        GemmRowMajor<T>(false, true, rows, outF, inF, (T*)x.Address, inF, (T*)weight.Address, inF, bias is null ? 0 : 1, py, outF);
    }

    public void LinearBackward(Tensor dy, Tensor x, Tensor weight, Tensor? dx, Tensor? dWeight, Tensor? dBias)
    {
        const string op = "LinearBackward";
        RequireContiguous((dy, nameof(dy)), (x, nameof(x)), (weight, nameof(weight)), (dx, nameof(dx)), (dWeight, nameof(dWeight)), (dBias, nameof(dBias)));
        var dtype = FloatingDType(op, dy, nameof(dy), (x, nameof(x)), (weight, nameof(weight)), (dx, nameof(dx)), (dWeight, nameof(dWeight)), (dBias, nameof(dBias)));
        if (weight.Rank != 2) throw new ArgumentException($"{op}: weight has shape {Shape.Format(weight.Shape)}; expected [out, in].");
        int outF = weight.Shape[0], inF = weight.Shape[1];
        var (rows, width) = RowsOf(op, x, nameof(x));
        if (width != inF) throw new ArgumentException($"{op}: x has shape {Shape.Format(x.Shape)}; expected [..., {inF}] (weight's in-features).");
        var expectedDy = x.ShapeArray();
        expectedDy[^1] = outF;
        RequireShape(op, dy, nameof(dy), expectedDy);
        if (dx is not null) RequireSameShape(op, x, nameof(x), dx, nameof(dx));
        if (dWeight is not null) RequireSameShape(op, weight, nameof(weight), dWeight, nameof(dWeight));
        if (dBias is not null) RequireShape(op, dBias, nameof(dBias), [outF]);
        if (dtype == DType.Float32) LinearBackwardImpl<float>(dy, x, weight, dx, dWeight, dBias, rows, inF, outF);
        else LinearBackwardImpl<double>(dy, x, weight, dx, dWeight, dBias, rows, inF, outF);
    }

    private static void LinearBackwardImpl<T>(Tensor dy, Tensor x, Tensor weight, Tensor? dx, Tensor? dWeight, Tensor? dBias, int rows, int inF, int outF)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* pdy = (T*)dy.Address, px = (T*)x.Address, pw = (T*)weight.Address;
        // dx [M, I] = dy [M, O] · w [O, I]
        if (dx is not null)
        {
            if (outF == 0) dx.Span<T>().Clear();
            else if (rows > 0 && inF > 0) GemmRowMajor<T>(false, false, rows, inF, outF, pdy, outF, pw, inF, 0, (T*)dx.Address, inF);
        }
        // dW [O, I] = dyᵀ [O, M] · x [M, I]: one GEMM whose inner dimension runs over every leading axis.
        if (dWeight is not null)
        {
            if (rows == 0) dWeight.Span<T>().Clear();
            else if (outF > 0 && inF > 0) GemmRowMajor<T>(true, false, outF, inF, rows, pdy, outF, px, inF, 0, (T*)dWeight.Address, inF);
        }
        if (dBias is not null) Simd.ColumnSums(pdy, rows, outF, (T*)dBias.Address);
    }

    /// <summary>Row-major C = op(A)·op(B) + beta·C through <see cref="CpuGemm"/> for either element type.</summary>
    private static void GemmRowMajor<T>(bool transA, bool transB, int m, int n, int k, T* a, int lda, T* b, int ldb, double beta, T* c, int ldc)
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            CpuGemm.Sgemm(transA, transB, m, n, k, 1f, (float*)a, lda, (float*)b, ldb, (float)beta, (float*)c, ldc);
        else
            CpuGemm.Dgemm(transA, transB, m, n, k, 1.0, (double*)a, lda, (double*)b, ldb, beta, (double*)c, ldc);
    }
}
