using System.Numerics;

namespace DyTox.Tensor.Cpu;

// Losses with scalar outputs. Every per-element/per-row term is evaluated in double from max-subtracted
// (log-sum-exp) forms, so logits of any finite size give finite losses and gradients; per-row or per-chunk
// partial sums are added in a fixed order.
public sealed unsafe partial class CpuBackend
{
    public void BceWithLogits(Tensor logits, Tensor targets, Tensor loss)
    {
        const string op = "BceWithLogits";
        RequireContiguous((logits, nameof(logits)), (targets, nameof(targets)), (loss, nameof(loss)));
        var dtype = FloatingDType(op, logits, nameof(logits), (targets, nameof(targets)), (loss, nameof(loss)));
        RequireSameShape(op, logits, nameof(logits), targets, nameof(targets));
        RequireScalar(op, loss, nameof(loss));
        RequireNonEmpty(op, logits, nameof(logits));
        double value = dtype == DType.Float32
            ? BceSum((float*)logits.Address, (float*)targets.Address, logits.Numel)
            : BceSum((double*)logits.Address, (double*)targets.Address, logits.Numel);
        WriteScalar(loss, value / logits.Numel);
    }

    public void BceWithLogitsBackward(Tensor logits, Tensor targets, double gradScale, Tensor dLogits)
    {
        const string op = "BceWithLogitsBackward";
        RequireContiguous((logits, nameof(logits)), (targets, nameof(targets)), (dLogits, nameof(dLogits)));
        var dtype = FloatingDType(op, logits, nameof(logits), (targets, nameof(targets)), (dLogits, nameof(dLogits)));
        RequireSameShape(op, logits, nameof(logits), targets, nameof(targets));
        RequireSameShape(op, logits, nameof(logits), dLogits, nameof(dLogits));
        RequireNonEmpty(op, logits, nameof(logits));
        double scale = gradScale / logits.Numel;
        if (dtype == DType.Float32) BceGrad((float*)logits.Address, (float*)targets.Address, scale, (float*)dLogits.Address, logits.Numel);
        else BceGrad((double*)logits.Address, (double*)targets.Address, scale, (double*)dLogits.Address, logits.Numel);
    }

    public void SoftmaxCrossEntropy(Tensor logits, Tensor labels, double smoothing, Tensor loss)
    {
        const string op = "SoftmaxCrossEntropy";
        var (rows, classes) = CrossEntropyGeometry(op, logits, labels, smoothing);
        RequireContiguous((loss, nameof(loss)));
        FloatingDType(op, logits, nameof(logits), (loss, nameof(loss)));
        RequireScalar(op, loss, nameof(loss));
        var perRow = new double[rows];
        int* lab = (int*)labels.Address;
        if (logits.DType == DType.Float32) CrossEntropyRows((float*)logits.Address, lab, rows, classes, smoothing, perRow, null, 0);
        else CrossEntropyRows((double*)logits.Address, lab, rows, classes, smoothing, perRow, null, 0);
        WriteScalar(loss, SumInOrder(perRow) / rows);
    }

    public void SoftmaxCrossEntropyBackward(Tensor logits, Tensor labels, double smoothing, double gradScale, Tensor dLogits)
    {
        const string op = "SoftmaxCrossEntropyBackward";
        var (rows, classes) = CrossEntropyGeometry(op, logits, labels, smoothing);
        RequireContiguous((dLogits, nameof(dLogits)));
        FloatingDType(op, logits, nameof(logits), (dLogits, nameof(dLogits)));
        RequireSameShape(op, logits, nameof(logits), dLogits, nameof(dLogits));
        int* lab = (int*)labels.Address;
        if (logits.DType == DType.Float32) CrossEntropyRows((float*)logits.Address, lab, rows, classes, smoothing, null, (float*)dLogits.Address, gradScale / rows);
        else CrossEntropyRows((double*)logits.Address, lab, rows, classes, smoothing, null, (double*)dLogits.Address, gradScale / rows);
    }

    public void KnowledgeDistillation(Tensor studentLogits, Tensor teacherLogits, double temperature, Tensor loss)
    {
        const string op = "KnowledgeDistillation";
        var (rows, classes) = DistillationGeometry(op, studentLogits, teacherLogits, temperature);
        RequireContiguous((loss, nameof(loss)));
        FloatingDType(op, studentLogits, nameof(studentLogits), (loss, nameof(loss)));
        RequireScalar(op, loss, nameof(loss));
        var perRow = new double[rows];
        if (studentLogits.DType == DType.Float32)
            DistillationRows((float*)studentLogits.Address, (float*)teacherLogits.Address, rows, classes, temperature, perRow, null, 0);
        else
            DistillationRows((double*)studentLogits.Address, (double*)teacherLogits.Address, rows, classes, temperature, perRow, null, 0);
        WriteScalar(loss, temperature * temperature * SumInOrder(perRow) / ((double)rows * classes));
    }

    public void KnowledgeDistillationBackward(Tensor studentLogits, Tensor teacherLogits, double temperature, double gradScale, Tensor dStudent)
    {
        const string op = "KnowledgeDistillationBackward";
        var (rows, classes) = DistillationGeometry(op, studentLogits, teacherLogits, temperature);
        RequireContiguous((dStudent, nameof(dStudent)));
        FloatingDType(op, studentLogits, nameof(studentLogits), (dStudent, nameof(dStudent)));
        RequireSameShape(op, studentLogits, nameof(studentLogits), dStudent, nameof(dStudent));
        // d/dz_s of τ²·Σ p_t(log p_t − log p_s)/(B·C) = τ·(p_s − p_t)/(B·C).
        double scale = gradScale * temperature / ((double)rows * classes);
        if (studentLogits.DType == DType.Float32)
            DistillationRows((float*)studentLogits.Address, (float*)teacherLogits.Address, rows, classes, temperature, null, (float*)dStudent.Address, scale);
        else
            DistillationRows((double*)studentLogits.Address, (double*)teacherLogits.Address, rows, classes, temperature, null, (double*)dStudent.Address, scale);
    }

    // ---- checks -----------------------------------------------------------------------------------

    private static void RequireNonEmpty(string op, Tensor t, string name)
    {
        if (t.Numel == 0) throw new ArgumentException($"{op}: {name} {Shape.Format(t.Shape)} is empty; a mean over no elements is undefined.");
    }

    private static (int Rows, int Classes) CrossEntropyGeometry(string op, Tensor logits, Tensor labels, double smoothing)
    {
        RequireContiguous((logits, nameof(logits)), (labels, nameof(labels)));
        FloatingDType(op, logits, nameof(logits));
        RequireInt32(op, labels, nameof(labels));
        if (logits.Rank != 2) throw new ArgumentException($"{op}: logits has shape {Shape.Format(logits.Shape)}; expected [B, C].");
        int rows = logits.Shape[0], classes = logits.Shape[1];
        RequireShape(op, labels, nameof(labels), [rows]);
        if (rows == 0 || classes == 0) throw new ArgumentException($"{op}: logits {Shape.Format(logits.Shape)} is empty.");
        if (!(smoothing >= 0 && smoothing <= 1)) throw new ArgumentOutOfRangeException(nameof(smoothing), $"{op}: label smoothing must be in [0, 1]; got {smoothing}.");
        int* lab = (int*)labels.Address;
        for (int b = 0; b < rows; b++)
            if ((uint)lab[b] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), $"{op}: labels[{b}] = {lab[b]} is outside [0, {classes}).");
        return (rows, classes);
    }

    private static (int Rows, int Classes) DistillationGeometry(string op, Tensor student, Tensor teacher, double temperature)
    {
        RequireContiguous((student, "studentLogits"), (teacher, "teacherLogits"));
        FloatingDType(op, student, "studentLogits", (teacher, "teacherLogits"));
        if (student.Rank != 2) throw new ArgumentException($"{op}: studentLogits has shape {Shape.Format(student.Shape)}; expected [B, C].");
        RequireSameShape(op, student, "studentLogits", teacher, "teacherLogits");
        if (student.Numel == 0) throw new ArgumentException($"{op}: studentLogits {Shape.Format(student.Shape)} is empty.");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), $"{op}: temperature must be positive; got {temperature}.");
        return (student.Shape[0], student.Shape[1]);
    }

    private static void WriteScalar(Tensor t, double value)
    {
        if (t.DType == DType.Float32) *(float*)t.Address = (float)value;
        else *(double*)t.Address = value;
    }

    private static double SumInOrder(double[] values)
    {
        double s = 0;
        foreach (var v in values) s += v;
        return s;
    }

    // ---- BCE ----------------------------------------------------------------------------------------

    private static double BceSum<T>(T* x, T* y, long n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int chunks = CpuParallel.ChunkCount(n, ReductionChunk);
        var partial = new double[chunks];
        CpuParallel.For(chunks, 8L * ReductionChunk, (begin, end) =>
        {
            for (int c = begin; c < end; c++)
            {
                long start = (long)c * ReductionChunk, stop = Math.Min(n, start + ReductionChunk);
                double s = 0;
                for (long i = start; i < stop; i++)
                {
                    double xi = double.CreateTruncating(x[i]), yi = double.CreateTruncating(y[i]);
                    // max(x, 0) − x·y + log(1 + exp(−|x|)): never exponentiates a positive number.
                    s += Math.Max(xi, 0) - xi * yi + Math.Log(1 + Math.Exp(-Math.Abs(xi)));
                }
                partial[c] = s;
            }
        });
        return SumInOrder(partial);
    }

    private static void BceGrad<T>(T* x, T* y, double scale, T* dx, long n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int chunks = CpuParallel.ChunkCount(n, ReductionChunk);
        CpuParallel.For(chunks, 8L * ReductionChunk, (begin, end) =>
        {
            for (int c = begin; c < end; c++)
            {
                long start = (long)c * ReductionChunk, stop = Math.Min(n, start + ReductionChunk);
                for (long i = start; i < stop; i++)
                {
                    double xi = double.CreateTruncating(x[i]), yi = double.CreateTruncating(y[i]);
                    dx[i] = T.CreateTruncating(scale * (StableSigmoid(xi) - yi));
                }
            }
        });
    }

    private static double StableSigmoid(double x)
    {
        if (x >= 0) return 1 / (1 + Math.Exp(-x));
        double e = Math.Exp(x);
        return e / (1 + e);
    }

    // ---- row-wise log-softmax helpers -----------------------------------------------------------------

    /// <summary>Max and log Σ exp(s·x − max) of one row scaled by s, in double.</summary>
    private static (double Max, double LogSum) RowLogSumExp<T>(T* row, int n, double s) where T : unmanaged, IFloatingPointIeee754<T>
    {
        double max = double.NegativeInfinity;
        for (int i = 0; i < n; i++) max = Math.Max(max, s * double.CreateTruncating(row[i]));
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.Exp(s * double.CreateTruncating(row[i]) - max);
        return (max, Math.Log(sum));
    }

    /// <summary>Per-row cross-entropy (perRow != null) or its gradient scaled by gradScale (dLogits != null).</summary>
    private static void CrossEntropyRows<T>(T* logits, int* labels, int rows, int classes, double smoothing, double[]? perRow, T* dLogits, double gradScale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double off = smoothing / classes, on = 1 - smoothing + off;
        CpuParallel.For(rows, 4L * classes, (begin, end) =>
        {
            for (int b = begin; b < end; b++)
            {
                T* row = logits + (long)b * classes;
                var (max, logSum) = RowLogSumExp(row, classes, 1.0);
                int label = labels[b];
                if (perRow is not null)
                {
                    // −Σ_c t_c·log p_c with t = (1 − ε)·onehot + ε/C.
                    double sumLogP = 0;
                    for (int c = 0; c < classes; c++) sumLogP += double.CreateTruncating(row[c]) - max - logSum;
                    double logPLabel = double.CreateTruncating(row[label]) - max - logSum;
                    perRow[b] = -(1 - smoothing) * logPLabel - off * sumLogP;
                }
                else
                {
                    T* d = dLogits + (long)b * classes;
                    for (int c = 0; c < classes; c++)
                    {
                        double p = Math.Exp(double.CreateTruncating(row[c]) - max - logSum);
                        d[c] = T.CreateTruncating(gradScale * (p - (c == label ? on : off)));
                    }
                }
            }
        });
    }

    /// <summary>Per-row Σ p_t(log p_t − log p_s) at temperature τ (perRow != null), or scale·(p_s − p_t) into dStudent.</summary>
    private static void DistillationRows<T>(T* student, T* teacher, int rows, int classes, double temperature, double[]? perRow, T* dStudent, double scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double s = 1 / temperature;
        CpuParallel.For(rows, 8L * classes, (begin, end) =>
        {
            for (int b = begin; b < end; b++)
            {
                T* zs = student + (long)b * classes, zt = teacher + (long)b * classes;
                var (maxS, lseS) = RowLogSumExp(zs, classes, s);
                var (maxT, lseT) = RowLogSumExp(zt, classes, s);
                if (perRow is not null)
                {
                    double sum = 0;
                    for (int c = 0; c < classes; c++)
                    {
                        double logPt = s * double.CreateTruncating(zt[c]) - maxT - lseT;
                        double logPs = s * double.CreateTruncating(zs[c]) - maxS - lseS;
                        // p_t·(log p_t − log p_s): both logs are finite, so p_t = 0 contributes exactly 0 (torch's xlogy).
                        sum += Math.Exp(logPt) * (logPt - logPs);
                    }
                    perRow[b] = sum;
                }
                else
                {
                    T* d = dStudent + (long)b * classes;
                    for (int c = 0; c < classes; c++)
                    {
                        double ps = Math.Exp(s * double.CreateTruncating(zs[c]) - maxS - lseS);
                        double pt = Math.Exp(s * double.CreateTruncating(zt[c]) - maxT - lseT);
                        d[c] = T.CreateTruncating(scale * (ps - pt));
                    }
                }
            }
        });
    }
}
