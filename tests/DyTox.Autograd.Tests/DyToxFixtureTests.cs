using DyTox.Tensor;
using DyTox.Tensor.IO;
using static DyTox.Autograd.Tests.TestSupport;

namespace DyTox.Autograd.Tests;

/// <summary>
/// End-to-end replays of the float64 PyTorch DyTox fixtures (tools/make_fixtures.py): task-0 forward/backward, and
/// the task-1 step with KD against a teacher, the divergence head, frozen old token/head and 3 AdamW steps.
/// </summary>
public class DyToxFixtureTests
{
    private static readonly ParameterOptions F64 = new(Cpu, DType.Float64);

    private static SafeTensorsContent Load(string file)
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", file);
            if (File.Exists(candidate)) return SafeTensorsFile.Load(candidate);
        }
        Assert.Ignore($"fixture {file} not found");
        return null!;
    }

    private static MiniDyTox Model(SafeTensorsContent content, string prefix, int[] classesPerTask)
    {
        var model = new MiniDyTox(F64, imageSize: 16, patch: 4, dim: 36, heads: 9, sabCount: 2, tabCount: 1);
        foreach (var c in classesPerTask) model.AddTask(c);
        var entries = content.Tensors
            .Where(e => prefix.Length == 0
                ? !e.Name.Contains('.') || e.Name.Split('.')[0] is "patch_embed" or "sabs" or "tabs" or "task_tokens" or "head" or "head_div"
                : e.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(e => e with { Name = e.Name[prefix.Length..] })
            .Where(e => e.Name is not ("x" or "y" or "y_div" or "alpha" or "logits" or "div_logits" or "teacher_logits"));
        using var state = StateDictIO.FromEntries(entries, Cpu);
        model.LoadStateDict(state);
        return model;
    }

    private static Tensor.Tensor OneHot(int[] labels, int classes)
    {
        var t = Cpu.Empty(DType.Float64, [labels.Length, classes]);
        var span = t.Span<double>();
        span.Clear();
        for (int i = 0; i < labels.Length; i++) span[i * classes + labels[i]] = 1;
        return t;
    }

    private static void AssertClose(Tensor.Tensor actual, SafeTensorEntry expected, string what, double relative = 1e-9)
    {
        var e = SafeTensorConvert.ToDoubles(expected);
        var a = actual.ToArray<double>();
        Assert.That(a, Has.Length.EqualTo(e.Length), what);
        double scale = e.Max(Math.Abs), diff = 0;
        for (int i = 0; i < a.Length; i++) diff = Math.Max(diff, Math.Abs(a[i] - e[i]));
        Assert.That(diff, Is.LessThanOrEqualTo(Math.Max(relative * scale, 1e-13)), $"{what}: max |diff| {diff:E2}, max |expected| {scale:E2}");
    }

    [Test]
    public void Task0ForwardAndGradientsMatchPyTorch()
    {
        var content = Load("dytox_task0_forward.safetensors");
        using var scope = TensorScope.Begin();
        using var model = Model(content, "", [3]);
        Assert.That(model.NamedParameters().Count(), Is.EqualTo(51));
        var labels = StateDictIO.FromEntry(content["y"], Cpu).ToArray<int>();
        var images = new Variable(StateDictIO.FromEntry(content["x"], Cpu));
        var (logits, div) = model.Forward(images);
        Assert.That(div, Is.Null);
        AssertClose(logits.Value, content["logits"], "logits");
        var loss = F.BceWithLogits(logits, OneHot(labels, 3));
        Assert.That(loss.Item(), Is.EqualTo(SafeTensorConvert.ToDoubles(content["loss.clf"])[0]).Within(1e-12));
        loss.Backward();
        foreach (var (name, p) in model.NamedParameters())
            AssertClose(p.Grad!, content[$"grad.{name}"], $"grad {name}");
    }

    [Test]
    public void Task1StepWithDistillationDivergenceAndAdamWMatchesPyTorch()
    {
        var content = Load("dytox_task1_step.safetensors");
        using var scope = TensorScope.Begin();
        using var teacher = Model(content, "teacher.", [3]);
        using var student = Model(content, "", [3, 2]);
        Assert.That(student.NamedParameters().Count(), Is.EqualTo(60));
        student.Freeze("task_tokens.0");
        student.Freeze("head.0");
        var labels = StateDictIO.FromEntry(content["y"], Cpu).ToArray<int>();
        var images = StateDictIO.FromEntry(content["x"], Cpu);
        var targets = OneHot(labels, 5);
        var divTargets = StateDictIO.FromEntry(content["y_div"], Cpu);
        double alpha = 3.0 / 5;
        Assert.That(SafeTensorConvert.ToDoubles(content["alpha"])[0], Is.EqualTo(alpha));

        Tensor.Tensor teacherLogits;
        using (GradMode.NoGrad()) using (teacher.TrainingMode(false))
            teacherLogits = teacher.Forward(new Variable(images)).Logits.Value;
        AssertClose(teacherLogits, content["teacher_logits"], "teacher logits");

        using var optimizer = new AdamW(ParamGroup.WeightDecayGroups(student.NamedParameters(), 1e-3, 1e-6), 0.9, 0.999, 1e-8);
        Assert.That(optimizer.Groups.Sum(g => g.Parameters.Count), Is.EqualTo(55));
        var perStep = SafeTensorConvert.ToDoubles(content["loss.per_step"]);
        for (int step = 0; step <= 3; step++)
        {
            using var stepScope = TensorScope.Begin();
            optimizer.ZeroGrad();
            var (logits, div) = student.Forward(new Variable(images));
            var clf = F.BceWithLogits(logits, targets);
            var kd = F.KnowledgeDistillation(F.Slice(logits, 1, 0, 3), teacherLogits, 1.0);
            var divLoss = F.BceWithLogits(div!, divTargets);
            var total = F.Add(F.Add(F.Scale(clf, 1 - alpha), F.Scale(kd, alpha)), F.Scale(divLoss, 0.1));
            Assert.That(total.Item(), Is.EqualTo(perStep[step]).Within(1e-12 * perStep[step]), $"total loss before step {step}");
            if (step == 0)
            {
                AssertClose(logits.Value, content["logits"], "logits");
                AssertClose(div!.Value, content["div_logits"], "divergence logits");
                Assert.That(clf.Item(), Is.EqualTo(SafeTensorConvert.ToDoubles(content["loss.clf"])[0]).Within(1e-12));
                Assert.That(kd.Item(), Is.EqualTo(SafeTensorConvert.ToDoubles(content["loss.kd"])[0]).Within(1e-12));
                Assert.That(divLoss.Item(), Is.EqualTo(SafeTensorConvert.ToDoubles(content["loss.div"])[0]).Within(1e-12));
            }
            if (step == 3) break;
            total.Backward();
            if (step == 0)
            {
                foreach (var (name, p) in student.NamedParameters())
                {
                    if (!p.RequiresGrad) { Assert.That(p.HasGrad, Is.False, name); continue; }
                    AssertClose(p.Grad!, content[$"grad.{name}"], $"grad {name}");
                }
            }
            optimizer.Step();
        }
        foreach (var (name, p) in student.NamedParameters().Where(p => p.Parameter.RequiresGrad))
            AssertClose(p.Value, content[$"step3.{name}"], $"weights after 3 steps: {name}", 1e-9);
        foreach (var (name, p) in student.NamedParameters().Where(p => !p.Parameter.RequiresGrad))
            AssertClose(p.Value, content[name], $"frozen {name}", 0);
    }
}
