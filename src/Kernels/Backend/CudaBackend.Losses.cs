using System.Buffers;
using DyTox.Kernels.Runtime.Launchers;
using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

// Losses: fused kernels write per-row (per-chunk) partial sums, one block adds them in a fixed tree.
public sealed unsafe partial class CudaBackend
{
    public void BceWithLogits(Tensor logits, Tensor targets, Tensor loss)
    {
        const string op = "BceWithLogits";
        BceGeometry(op, logits, targets);
        RequireF32(loss, op, nameof(loss));
        RequireScalar(op, loss, nameof(loss));
        long n = logits.Numel;
        int partialCount = LossKernels.BcePartials(n);
        using var partials = Scratch((long)partialCount * sizeof(float));
        _losses.BcePartial(partials.Pointer, logits.Address, targets.Address, n);
        _reduce.FinalSum(loss.Address, partials.Pointer, partialCount, (float)(1.0 / n));
    }

    public void BceWithLogitsBackward(Tensor logits, Tensor targets, double gradScale, Tensor dLogits)
    {
        const string op = "BceWithLogitsBackward";
        BceGeometry(op, logits, targets);
        RequireF32(dLogits, op, nameof(dLogits));
        RequireSameShape(op, logits, nameof(logits), dLogits, nameof(dLogits));
        _losses.BceBackward(dLogits.Address, logits.Address, targets.Address, logits.Numel, (float)(gradScale / logits.Numel));
    }

    private void BceGeometry(string op, Tensor logits, Tensor targets)
    {
        RequireF32(logits, op, nameof(logits));
        RequireF32(targets, op, nameof(targets));
        RequireSameShape(op, logits, nameof(logits), targets, nameof(targets));
        if (logits.Numel == 0) throw new ArgumentException($"{op}: logits {Shape.Format(logits.Shape)} is empty; a mean over no elements is undefined.");
    }

    public void SoftmaxCrossEntropy(Tensor logits, Tensor labels, double smoothing, Tensor loss)
    {
        const string op = "SoftmaxCrossEntropy";
        var (rows, classes) = CrossEntropyGeometry(op, logits, labels, smoothing);
        RequireF32(loss, op, nameof(loss));
        RequireScalar(op, loss, nameof(loss));
        using var perRow = Scratch((long)rows * sizeof(float));
        _losses.CrossEntropyRows(perRow.Pointer, logits.Address, labels.Address, rows, classes, (float)smoothing);
        _reduce.FinalSum(loss.Address, perRow.Pointer, rows, (float)(1.0 / rows));
    }

    public void SoftmaxCrossEntropyBackward(Tensor logits, Tensor labels, double smoothing, double gradScale, Tensor dLogits)
    {
        const string op = "SoftmaxCrossEntropyBackward";
        var (rows, classes) = CrossEntropyGeometry(op, logits, labels, smoothing);
        RequireF32(dLogits, op, nameof(dLogits));
        RequireSameShape(op, logits, nameof(logits), dLogits, nameof(dLogits));
        _losses.CrossEntropyBackward(dLogits.Address, logits.Address, labels.Address, rows, classes, (float)smoothing, (float)(gradScale / rows));
    }

    private (int Rows, int Classes) CrossEntropyGeometry(string op, Tensor logits, Tensor labels, double smoothing)
    {
        RequireF32(logits, op, nameof(logits));
        RequireContiguous(labels, op, nameof(labels));
        RequireInt32(labels, op, nameof(labels));
        if (logits.Rank != 2) throw new ArgumentException($"{op}: logits has shape {Shape.Format(logits.Shape)}; expected [B, C].");
        int rows = logits.Shape[0], classes = logits.Shape[1];
        RequireShape(op, labels, nameof(labels), [rows]);
        if (rows == 0 || classes == 0) throw new ArgumentException($"{op}: logits {Shape.Format(logits.Shape)} is empty.");
        if (!(smoothing >= 0 && smoothing <= 1)) throw new ArgumentOutOfRangeException(nameof(smoothing), $"{op}: label smoothing must be in [0, 1]; got {smoothing}.");
        // Labels index the logits rows inside the kernels: check them on the host like the CPU backend does.
        var host = ArrayPool<int>.Shared.Rent(rows);
        try
        {
            fixed (int* p = host) _driver.CopyDeviceToHost(p, labels.Address, (long)rows * sizeof(int));
            for (int b = 0; b < rows; b++)
                if ((uint)host[b] >= (uint)classes)
                    throw new ArgumentOutOfRangeException(nameof(labels), $"{op}: labels[{b}] = {host[b]} is outside [0, {classes}).");
        }
        finally
        {
            ArrayPool<int>.Shared.Return(host);
        }
        return (rows, classes);
    }

    public void KnowledgeDistillation(Tensor studentLogits, Tensor teacherLogits, double temperature, Tensor loss)
    {
        const string op = "KnowledgeDistillation";
        var (rows, classes) = DistillationGeometry(op, studentLogits, teacherLogits, temperature);
        RequireF32(loss, op, nameof(loss));
        RequireScalar(op, loss, nameof(loss));
        using var perRow = Scratch((long)rows * sizeof(float));
        _losses.DistillationRows(perRow.Pointer, studentLogits.Address, teacherLogits.Address, rows, classes, (float)(1 / temperature));
        _reduce.FinalSum(loss.Address, perRow.Pointer, rows, (float)(temperature * temperature / ((double)rows * classes)));
    }

    public void KnowledgeDistillationBackward(Tensor studentLogits, Tensor teacherLogits, double temperature, double gradScale, Tensor dStudent)
    {
        const string op = "KnowledgeDistillationBackward";
        var (rows, classes) = DistillationGeometry(op, studentLogits, teacherLogits, temperature);
        RequireF32(dStudent, op, nameof(dStudent));
        RequireSameShape(op, studentLogits, nameof(studentLogits), dStudent, nameof(dStudent));
        // d/dz_s of τ²·Σ p_t(log p_t − log p_s)/(B·C) = τ·(p_s − p_t)/(B·C).
        double scale = gradScale * temperature / ((double)rows * classes);
        _losses.DistillationBackward(dStudent.Address, studentLogits.Address, teacherLogits.Address, rows, classes, (float)(1 / temperature), (float)scale);
    }

    private (int Rows, int Classes) DistillationGeometry(string op, Tensor student, Tensor teacher, double temperature)
    {
        RequireF32(student, op, "studentLogits");
        RequireF32(teacher, op, "teacherLogits");
        if (student.Rank != 2) throw new ArgumentException($"{op}: studentLogits has shape {Shape.Format(student.Shape)}; expected [B, C].");
        RequireSameShape(op, student, "studentLogits", teacher, "teacherLogits");
        if (student.Numel == 0) throw new ArgumentException($"{op}: studentLogits {Shape.Format(student.Shape)} is empty.");
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), $"{op}: temperature must be positive; got {temperature}.");
        return (student.Shape[0], student.Shape[1]);
    }
}
