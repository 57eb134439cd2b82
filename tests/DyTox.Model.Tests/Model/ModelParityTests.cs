using DyTox.Autograd;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Model.Tests.Model;

/// <summary>
/// The whole network against the PyTorch fixtures: a task-0 forward/backward and a task-1 training step (teacher,
/// student with 2 task tokens, BCE + KD + divergence loss, gradients, 3 AdamW steps). Float64 within 1e-9 relative
/// error, float32 within 1e-4.
/// </summary>
public class ModelParityTests
{
    private static readonly DType[] DTypes = [DType.Float64, DType.Float32];
    private static CpuBackend Be => CpuBackend.Instance;

    [TestCaseSource(nameof(DTypes))]
    public void Task0ForwardAndBackward(DType dtype)
    {
        var f = Fixture.Load("dytox_task0_forward.safetensors");
        using var model = new DyToxModel(DyToxConfig.Fixture, Be, dtype, new Rng(3));
        model.AddTask(3);
        model.SetTrainablePhase(TrainingPhase.Task0);
        f.LoadInto(model);
        double tol = Fixture.Tolerance(dtype);
        var tally = new ErrorTally();
        using var scope = TensorScope.Begin();
        var output = model.Forward(new Variable(f.Tensor("x", Be, dtype)), withDivergence: false);
        f.AssertClose(output.Logits.Value, "logits", tol, tally);
        f.AssertClose(output.Embeddings.Value, "act.task_embeddings", tol, tally);
        Assert.That(output.DivergenceLogits, Is.Null);
        var loss = DyToxLoss.Compute(output, DyToxLoss.OneHot(f.Ints("y"), 3, Be, dtype), oldClasses: 0);
        f.AssertClose(loss.Classification.Value, "loss.clf", tol, tally);
        f.AssertClose(loss.Total.Value, "loss.total", tol, tally);
        Tape.Backward(loss.Total);
        BlockParityTests.AssertParameterGradients(f, model.NamedParameters(), "grad.", tol, tally);
        tally.Report($"task0 {dtype}");
    }

    [TestCaseSource(nameof(DTypes))]
    public void Task1TrainingStepWithAdamW(DType dtype)
    {
        var f = Fixture.Load("dytox_task1_step.safetensors");
        double tol = Fixture.Tolerance(dtype);
        var tally = new ErrorTally();

        // Teacher: the task-0 model, cloned the way the trainer does it.
        using var previous = new DyToxModel(DyToxConfig.Fixture, Be, dtype, new Rng(4));
        previous.AddTask(3);
        f.LoadInto(previous, "teacher.");
        using var teacher = previous.CloneAsTeacher();

        using var student = new DyToxModel(DyToxConfig.Fixture, Be, dtype, new Rng(5));
        student.AddTask(3);
        student.AddTask(2);
        f.LoadInto(student);
        student.SetTrainablePhase(TrainingPhase.TaskMain);
        var frozen = student.NamedParameters().Where(p => !p.Parameter.RequiresGrad).Select(p => p.Name).ToList();
        Assert.That(frozen, Is.EqualTo(new[] { "task_tokens.0", "head.0.head.weight", "head.0.head.bias", "head.0.norm.weight", "head.0.norm.bias" }));

        using var outer = TensorScope.Begin();
        var x = new Variable(f.Tensor("x", Be, dtype));
        int[] y = f.Ints("y");
        var targets = DyToxLoss.OneHot(y, 5, Be, dtype);
        var divTargets = DyToxLoss.DivergenceTargets(y, 3, 2, Be, dtype);
        f.AssertClose(divTargets, "y_div", 0);
        TensorT teacherLogits;
        using (GradMode.NoGrad()) teacherLogits = teacher.Forward(x, withDivergence: true).Logits.Value;
        f.AssertClose(teacherLogits, "teacher_logits", tol, tally);

        using var optimizer = new AdamW(ParamGroup.WeightDecayGroups(student.NamedParameters(), 1e-3, 1e-6), 0.9, 0.999, 1e-8);
        var lossPerStep = new List<double>();
        for (int step = 0; step < 3; step++)
        {
            using var scope = TensorScope.Begin();
            optimizer.ZeroGrad();
            var output = student.Forward(x, withDivergence: true);
            var loss = DyToxLoss.Compute(output, targets, oldClasses: 3, teacherLogits, divTargets);
            lossPerStep.Add(loss.Total.Item());
            if (step == 0)
            {
                f.AssertClose(output.Logits.Value, "logits", tol, tally);
                f.AssertClose(output.DivergenceLogits!.Value, "div_logits", tol, tally);
                f.AssertClose(output.Embeddings.Value, "act.task_embeddings", tol, tally);
                f.AssertClose(loss.Classification.Value, "loss.clf", tol, tally);
                f.AssertClose(loss.Distillation!.Value, "loss.kd", tol, tally);
                f.AssertClose(loss.Divergence!.Value, "loss.div", tol, tally);
                f.AssertClose(loss.Total.Value, "loss.total", tol, tally);
                Assert.That(loss.Alpha, Is.EqualTo(f.Scalar("alpha")));
            }
            Tape.Backward(loss.Total);
            if (step == 0)
            {
                foreach (var (name, p) in student.NamedParameters().Where(p => !p.Parameter.RequiresGrad))
                    Assert.That(p.Grad, Is.Null, $"frozen {name} must get no gradient");
                BlockParityTests.AssertParameterGradients(f, student.NamedParameters().Where(p => p.Parameter.RequiresGrad), "grad.", tol, tally);
            }
            optimizer.Step();
        }
        using (var scope = TensorScope.Begin())
        using (GradMode.NoGrad())
        {
            var output = student.Forward(x, withDivergence: true);
            lossPerStep.Add(DyToxLoss.Compute(output, targets, 3, teacherLogits, divTargets).Total.Item());
        }
        var expectedLosses = f.Doubles("loss.per_step");
        for (int i = 0; i < 4; i++)
            Assert.That(lossPerStep[i], Is.EqualTo(expectedLosses[i]).Within(tol * Math.Abs(expectedLosses[i])), $"loss after {i} steps");
        foreach (var (name, p) in student.NamedParameters().Where(p => p.Parameter.RequiresGrad))
            f.AssertClose(p.Value, $"step3.{name}", tol, tally, $"step3.{name}");
        tally.Report($"task1 step {dtype}");
    }
}
