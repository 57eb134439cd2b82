using DyTox.Autograd;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Model;

/// <summary>
/// The losses of a DyTox training step (dytox-spec §2.5): BCE on one-hot or soft targets, KL distillation of the old
/// classes' logits towards the teacher's, and the divergence head's BCE, weighted with α = C_old / C_tot.
/// </summary>
public static class DyToxLoss
{
    /// <summary>Default weight of the divergence loss (<c>head_div: 0.1</c> in every DyTox file); not rescaled by 1 − α.</summary>
    public const double DivergenceWeight = 0.1;

    /// <summary>α = C_old / C_tot.</summary>
    public static double Alpha(int oldClasses, int totalClasses)
    {
        if (totalClasses <= 0 || oldClasses < 0 || oldClasses > totalClasses)
            throw new ArgumentOutOfRangeException(nameof(oldClasses), $"need 0 ≤ C_old ≤ C_tot and C_tot > 0; got C_old = {oldClasses}, C_tot = {totalClasses}.");
        return (double)oldClasses / totalClasses;
    }

    /// <summary>One-hot targets [B, classes] for labels in [0, classes).</summary>
    public static TensorT OneHot(ReadOnlySpan<int> labels, int classes, IBackend backend, DType dtype)
    {
        if (classes <= 0) throw new ArgumentOutOfRangeException(nameof(classes), classes, "need at least one class.");
        var values = new double[labels.Length * classes];
        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(labels), labels[i], $"label {i} is outside [0, {classes}).");
            values[i * classes + labels[i]] = 1;
        }
        return Write(values, [labels.Length, classes], backend, dtype);
    }

    /// <summary>
    /// Hard divergence targets [B, C_new + 1] (one-hot): an old-class label (&lt; C_old) → index 0, a new label y →
    /// y − C_old + 1.
    /// </summary>
    public static TensorT DivergenceTargets(ReadOnlySpan<int> labels, int oldClasses, int newClasses, IBackend backend, DType dtype)
    {
        if (oldClasses <= 0 || newClasses <= 0)
            throw new ArgumentOutOfRangeException(nameof(oldClasses), $"divergence targets need old and new classes; got C_old = {oldClasses}, C_new = {newClasses}.");
        var mapped = new int[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            int y = labels[i];
            if (y < 0 || y >= oldClasses + newClasses)
                throw new ArgumentOutOfRangeException(nameof(labels), y, $"label {i} is outside [0, {oldClasses + newClasses}).");
            mapped[i] = y < oldClasses ? 0 : y - oldClasses + 1;
        }
        return OneHot(mapped, newClasses + 1, backend, dtype);
    }

    /// <summary>
    /// Soft divergence targets (MixUp) [B, C_new + 1] from soft targets [B, C_tot]: column 0 = the target mass on the
    /// old classes, columns 1.. = the new classes' targets.
    /// </summary>
    public static TensorT DivergenceTargets(TensorT softTargets, int oldClasses)
    {
        ArgumentNullException.ThrowIfNull(softTargets);
        if (softTargets.Rank != 2) throw new ArgumentException($"soft targets must be [B, C_tot]; got {softTargets.Describe()}.", nameof(softTargets));
        int batch = softTargets.Size(0), total = softTargets.Size(1), fresh = total - oldClasses;
        if (oldClasses <= 0 || fresh <= 0)
            throw new ArgumentOutOfRangeException(nameof(oldClasses), oldClasses, $"need 0 < C_old < C_tot = {total}.");
        var be = softTargets.Backend;
        var result = be.Empty(softTargets.DType, [batch, fresh + 1]);
        using (var old = softTargets.Slice(1, 0, oldClasses))
        using (var oldDense = old.Contiguous())
        using (var oldMass = be.Empty(softTargets.DType, [batch, 1]))
        using (var column0 = result.Slice(1, 0, 1))
        {
            be.Reduce(ReduceOp.Sum, oldDense, 1, oldMass);
            be.Copy(oldMass, column0);
        }
        using (var newPart = softTargets.Slice(1, oldClasses, fresh))
        using (var destination = result.Slice(1, 1, fresh))
            be.Copy(newPart, destination);
        return result;
    }

    /// <summary>BCE-with-logits, element-wise mean over all B·C (hard or soft targets of the logits' shape).</summary>
    public static Variable Classification(Variable logits, TensorT targets) => F.BceWithLogits(logits, targets);

    /// <summary>τ²·KL(softmax(teacher/τ) ‖ softmax(student[:, :C_old]/τ)), mean over B·C_old, with C_old the teacher's
    /// column count; only the student's old columns get gradients.</summary>
    public static Variable Distillation(Variable studentLogits, TensorT teacherLogits, double temperature = 1)
    {
        ArgumentNullException.ThrowIfNull(teacherLogits);
        if (teacherLogits.Rank != 2 || studentLogits.Rank != 2 || teacherLogits.Size(0) != studentLogits.Size(0) || teacherLogits.Size(1) > studentLogits.Size(1))
            throw new ArgumentException($"teacher logits {teacherLogits.Describe()} must be [B, C_old] with C_old ≤ the student's {studentLogits.Value.Describe()} columns.", nameof(teacherLogits));
        int old = teacherLogits.Size(1);
        var studentOld = old == studentLogits.Size(1) ? studentLogits : F.Slice(studentLogits, 1, 0, old);
        return F.KnowledgeDistillation(studentOld, teacherLogits, temperature);
    }

    /// <summary>
    /// The loss of a training step (the original's <c>forward</c> in engine.py). Task 0 (<paramref name="oldClasses"/> = 0):
    /// L = BCE. From task 1 on, each term joins when its input is given: with the teacher's logits [B, C_old] (same
    /// inputs), L = (1 − α)·BCE + α·KD at temperature <paramref name="temperature"/> (<c>distillation_tau</c>); with the
    /// divergence targets [B, C_t + 1], + w·BCE_div with w = <paramref name="divergenceWeight"/> (<c>head_div</c>, 0.1;
    /// not rescaled by 1 − α). The main training of DyTox gives both; its finetuning neither, unless
    /// <c>finetuning_teacher</c> or <c>head_div_mode: [.., ft]</c> ask for them.
    /// </summary>
    public static DyToxLossParts Compute(DyToxOutput student, TensorT targets, int oldClasses, TensorT? teacherLogits = null, TensorT? divergenceTargets = null,
                                         double divergenceWeight = DivergenceWeight, double temperature = 1)
    {
        ArgumentNullException.ThrowIfNull(student);
        int total = student.Logits.Size(1);
        double alpha = Alpha(oldClasses, total);
        var clf = Classification(student.Logits, targets);
        if (oldClasses == 0)
        {
            if (teacherLogits is not null || divergenceTargets is not null)
                throw new ArgumentException("task 0 has no old classes: neither distillation nor a divergence head applies.", nameof(oldClasses));
            return new DyToxLossParts(clf, clf, null, null, 0);
        }
        Variable sum = clf;
        Variable? kd = null, div = null;
        if (teacherLogits is not null)
        {
            if (teacherLogits.Rank != 2 || teacherLogits.Size(1) != oldClasses)
                throw new ArgumentException($"teacher logits {teacherLogits.Describe()} must have C_old = {oldClasses} columns.", nameof(teacherLogits));
            kd = Distillation(student.Logits, teacherLogits, temperature);
            sum = F.Add(F.Scale(clf, 1 - alpha), F.Scale(kd, alpha));
        }
        if (divergenceTargets is not null)
        {
            if (student.DivergenceLogits is null)
                throw new ArgumentException("divergence targets need the divergence logits (Forward with withDivergence in training mode).", nameof(student));
            div = Classification(student.DivergenceLogits, divergenceTargets);
            sum = F.Add(sum, F.Scale(div, divergenceWeight));
        }
        return new DyToxLossParts(sum, clf, kd, div, kd is null ? 0 : alpha);
    }

    private static TensorT Write(double[] values, int[] shape, IBackend backend, DType dtype)
    {
        var t = backend.Empty(dtype, shape);
        Init.Write(t, values);
        return t;
    }
}
