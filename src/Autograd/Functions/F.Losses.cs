using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

public static partial class F
{
    /// <summary>Mean over all B·C elements of BCE(sigmoid(logits), targets); soft targets allowed. Shape [1].</summary>
    public static Variable BceWithLogits(Variable logits, TensorT targets)
    {
        const string op = "BceWithLogits";
        Expect.Floating(op, nameof(logits), logits);
        Expect.SameDType(op, logits, nameof(logits), targets, nameof(targets));
        Expect.Shape(op, nameof(targets), targets.Shape, logits.Value.ShapeArray());
        var loss = logits.Backend.Empty(logits.DType, [1]);
        logits.Backend.BceWithLogits(logits.Value, targets, loss);
        return Tape.ShouldRecord(logits) ? Tape.Record(new LossNode(LossKind.Bce, logits, targets, 0), loss) : new Variable(loss);
    }

    /// <summary>Mean over B of the softmax cross-entropy of logits [B, C] against Int32 labels [B], with label
    /// smoothing ε (target (1 − ε)·onehot + ε/C). Shape [1].</summary>
    public static Variable SoftmaxCrossEntropy(Variable logits, TensorT labels, double smoothing = 0)
    {
        const string op = "SoftmaxCrossEntropy";
        Expect.Floating(op, nameof(logits), logits);
        Expect.Rank(op, nameof(logits), logits.Shape, 2);
        Expect.DType(op, nameof(labels), labels, DType.Int32);
        Expect.Shape(op, nameof(labels), labels.Shape, logits.Size(0));
        if (!(smoothing >= 0 && smoothing <= 1)) throw new ArgumentOutOfRangeException(nameof(smoothing), smoothing, $"{op}: smoothing must be in [0, 1].");
        var loss = logits.Backend.Empty(logits.DType, [1]);
        logits.Backend.SoftmaxCrossEntropy(logits.Value, labels, smoothing, loss);
        return Tape.ShouldRecord(logits) ? Tape.Record(new LossNode(LossKind.CrossEntropy, logits, labels, smoothing), loss) : new Variable(loss);
    }

    /// <summary>Knowledge distillation τ²·KL(softmax(teacher/τ) ‖ softmax(student/τ)) with element-wise mean over
    /// B·C (torch KLDivLoss 'mean'); the teacher gets no gradient. Shape [1].</summary>
    public static Variable KnowledgeDistillation(Variable studentLogits, TensorT teacherLogits, double temperature = 1)
    {
        const string op = "KnowledgeDistillation";
        Expect.Floating(op, nameof(studentLogits), studentLogits);
        Expect.Rank(op, nameof(studentLogits), studentLogits.Shape, 2);
        Expect.SameDType(op, studentLogits, nameof(studentLogits), teacherLogits, nameof(teacherLogits));
        Expect.Shape(op, nameof(teacherLogits), teacherLogits.Shape, studentLogits.Value.ShapeArray());
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, $"{op}: temperature must be positive.");
        var loss = studentLogits.Backend.Empty(studentLogits.DType, [1]);
        studentLogits.Backend.KnowledgeDistillation(studentLogits.Value, teacherLogits, temperature, loss);
        return Tape.ShouldRecord(studentLogits)
            ? Tape.Record(new LossNode(LossKind.Distillation, studentLogits, teacherLogits, temperature), loss)
            : new Variable(loss);
    }

    private enum LossKind { Bce, CrossEntropy, Distillation }

    private sealed class LossNode(LossKind kind, Variable logits, TensorT other, double parameter) : Node
    {
        public override string Name => kind.ToString();

        internal override void Backward(TensorT dy)
        {
            var be = dy.Backend;
            var g = Like(logits.Value);
            // Gradient for dL/dloss = 1, then scaled by the actual dL/dloss on the device (no host round-trip).
            switch (kind)
            {
                case LossKind.Bce: be.BceWithLogitsBackward(logits.Value, other, 1.0, g); break;
                case LossKind.CrossEntropy: be.SoftmaxCrossEntropyBackward(logits.Value, other, parameter, 1.0, g); break;
                case LossKind.Distillation: be.KnowledgeDistillationBackward(logits.Value, other, parameter, 1.0, g); break;
            }
            be.Binary(BinaryOp.Mul, g, dy, g);
            Give(logits, g);
        }
    }
}
