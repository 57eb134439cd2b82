using DyTox.Autograd;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Model.Tests.Model;

/// <summary>Parameter counts (dytox-spec §5.1, §9) and the state-dict contract (docs/dytox-state-dict.md). Models are
/// only constructed (no forward).</summary>
public class ModelStructureTests
{
    private static DyToxModel Build(DyToxConfig config, params int[] tasks)
    {
        var model = new DyToxModel(config, CpuBackend.Instance, DType.Float32, new Rng(7));
        foreach (int c in tasks) model.AddTask(c);
        return model;
    }

    [Test]
    public void CifarCountsMatchTheSpec()
    {
        using var model = Build(DyToxConfig.Cifar);
        long trunk = model.PosEmbed.Numel + model.PatchEmbed.ParameterCount + model.Sabs.ParameterCount + model.Tabs.ParameterCount;
        Assert.Multiple(() =>
        {
            Assert.That(trunk, Is.EqualTo(10_683_564), "trunk");
            Assert.That(model.Sabs[0].ParameterCount, Is.EqualTo(1_773_372), "one SAB");
            Assert.That(model.Tabs[0].ParameterCount, Is.EqualTo(1_773_312), "one TAB");
            Assert.That(model.ParameterCount(includeDivergenceHead: true), Is.EqualTo(10_683_564), "no task yet");
        });
        model.AddTask(10);
        Assert.That(model.ParameterCount(includeDivergenceHead: true), Is.EqualTo(10_683_564 + 5_002), "a 10-class task adds 5,002");
        model.AddTask(10);
        Assert.Multiple(() =>
        {
            Assert.That(model.ParameterCount(includeDivergenceHead: true), Is.EqualTo(10_698_571), "2 tasks with the divergence head");
            Assert.That(model.ParameterCount(includeDivergenceHead: false), Is.EqualTo(10_698_571 - 5_003), "divergence head = 5,003");
        });
        for (int t = 2; t < 10; t++) model.AddTask(10);
        Assert.Multiple(() =>
        {
            Assert.That(model.ParameterCount(includeDivergenceHead: false), Is.EqualTo(10_733_584), "final model, 10 × 10 classes");
            Assert.That(model.TaskCount, Is.EqualTo(10));
            Assert.That(model.TotalClasses, Is.EqualTo(100));
            Assert.That(model.OldClasses, Is.EqualTo(90));
            Assert.That(model.DivergenceHead!.Classes, Is.EqualTo(11), "the divergence head is re-created per task with C_t + 1 outputs");
        });
    }

    [Test]
    public void ImageNetTrunkCount()
    {
        using var model = Build(DyToxConfig.ImageNet);
        Assert.That(model.ParameterCount(includeDivergenceHead: true), Is.EqualTo(11_010_732));
    }

    [Test]
    public void CifarStateDictAfterTwoTasksEqualsTheOriginal()
    {
        using var model = Build(DyToxConfig.Cifar, 10, 10);
        var expected = Cifar2TaskStateDict.Listing.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Trim().Split('\t'))
            .Select(kv => $"{kv[0]}\t{kv[1]}")
            .ToList();
        var actual = model.StateDict().Select(kv => $"{kv.Key}\t{DyTox.Tensor.Shape.Format(kv.Value.Shape)}").ToList();
        Assert.That(expected, Has.Count.EqualTo(105));
        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void DropPathRatesAreLinearOverAllBlocksAndBlockZeroHasNone()
    {
        var c = DyToxConfig.Cifar;
        Assert.That(Enumerable.Range(0, 6).Select(c.DropPathRate), Is.EqualTo(new[] { 0, 0.02, 0.04, 0.06, 0.08, 0.1 }).Within(1e-15));
        using var model = Build(DyToxConfig.FashionMnistSmall);
        Assert.Multiple(() =>
        {
            Assert.That(model.Sabs[0].DropPath, Is.Null);
            Assert.That(model.Sabs[1].DropPath!.Probability, Is.EqualTo(0.05).Within(1e-15));
            Assert.That(model.Tabs[0].DropPath!.Probability, Is.EqualTo(0.1).Within(1e-15));
        });
    }

    [Test]
    public void TrainablePhasesFreezeTheSpecifiedGroups()
    {
        using var model = Build(DyToxConfig.Fixture, 3, 2);
        string[] Trainable() => model.NamedParameters().Where(p => p.Parameter.RequiresGrad).Select(p => p.Name).ToArray();

        model.SetTrainablePhase(TrainingPhase.TaskMain);
        var main = Trainable();
        Assert.Multiple(() =>
        {
            Assert.That(main, Does.Not.Contain("task_tokens.0"));
            Assert.That(main.Where(n => n.StartsWith("head.0.")), Is.Empty);
            Assert.That(main, Does.Contain("task_tokens.1"));
            Assert.That(main, Does.Contain("head.1.head.weight"));
            Assert.That(main, Does.Contain("head_div.head.weight"));
            Assert.That(main, Does.Contain("sabs.0.attn.qk.weight"));
            Assert.That(main.Length, Is.EqualTo(model.NamedParameters().Count() - 5));
        });

        model.SetTrainablePhase(TrainingPhase.Finetune);
        var ft = Trainable();
        Assert.Multiple(() =>
        {
            Assert.That(ft.Where(n => n.StartsWith("sabs.") || n.StartsWith("patch_embed.") || n == "pos_embed"), Is.Empty);
            Assert.That(ft, Does.Contain("task_tokens.0"));
            Assert.That(ft, Does.Contain("head.0.norm.weight"));
            Assert.That(ft, Does.Contain("tabs.0.attn.q.weight"));
            Assert.That(model.Training, Is.True);
        });

        model.SetTrainablePhase(TrainingPhase.Task0);
        Assert.That(Trainable().Length, Is.EqualTo(model.NamedParameters().Count()));

        // The original's other freeze() groups, for freeze_task / freeze_ft lists of one's own.
        string[] Frozen(params string[] groups)
        {
            model.SetTrainable(groups);
            return model.NamedParameters().Where(p => !p.Parameter.RequiresGrad).Select(p => p.Name).ToArray();
        }
        Assert.Multiple(() =>
        {
            Assert.That(Frozen("task_tokens"), Is.EqualTo(new[] { "task_tokens.0", "task_tokens.1" }));
            Assert.That(Frozen("tab"), Is.Not.Empty.And.All.StartsWith("tabs."));
            Assert.That(Frozen("heads"), Is.Not.Empty.And.All.StartsWith("head."));
            Assert.That(Frozen("heads").Where(n => n.StartsWith("head.1.")), Is.Not.Empty);
            Assert.That(Frozen("head_div"), Is.Not.Empty.And.All.StartsWith("head_div."));
            Assert.That(Frozen("all"), Has.Length.EqualTo(model.NamedParameters().Count()));
            Assert.That(Frozen("sab", "tab").Length, Is.EqualTo(Frozen("sab").Length + Frozen("tab").Length));
            Assert.That(model.SetTrainable(["sab", "tab"]), Is.EqualTo((true, true)));
            Assert.That(model.SetTrainable(["heads"]), Is.EqualTo((false, false)));
            Assert.That(() => model.SetTrainable(["encoder"]), Throws.ArgumentException.With.Message.Contain("unknown freeze group"));
        });
    }

    [Test]
    public void TeacherIsAFrozenEvalCopyWithoutDivergenceHead()
    {
        using var model = Build(DyToxConfig.Fixture, 3, 2);
        using var teacher = model.CloneAsTeacher();
        Assert.Multiple(() =>
        {
            Assert.That(teacher.DivergenceHead, Is.Null);
            Assert.That(teacher.ClassesPerTask, Is.EqualTo(new[] { 3, 2 }));
            Assert.That(teacher.Training, Is.False);
            Assert.That(teacher.Parameters().Any(p => p.RequiresGrad), Is.False);
            Assert.That(teacher.NamedParameters().Select(p => p.Name), Is.EqualTo(model.NamedParameters().Select(p => p.Name).Where(n => !n.StartsWith("head_div."))));
        });
        foreach (var (name, p) in teacher.NamedParameters())
            Assert.That(p.Value.ToArray<float>(), Is.EqualTo(model.GetParameter(name).Value.ToArray<float>()), name);
        Assert.That(teacher.PosEmbed.Value.Storage, Is.Not.SameAs(model.PosEmbed.Value.Storage), "a deep copy");
    }

    [Test]
    public void BadInputsAreRejectedWithClearMessages()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => (DyToxConfig.Cifar with { EmbedDim = 100 }).Validate(), Throws.ArgumentException.With.Message.Contains("head count"));
            Assert.That(() => (DyToxConfig.Cifar with { ImageSize = 30 }).Validate(), Throws.ArgumentException.With.Message.Contains("patch size"));
        });
        using var model = Build(DyToxConfig.Fixture);
        using var scope = TensorScope.Begin();
        var images = new Variable(CpuBackend.Instance.Empty(DType.Float32, [2, 3, 16, 16]));
        Assert.That(() => model.Forward(images, withDivergence: false), Throws.InvalidOperationException.With.Message.Contains("AddTask"));
        model.AddTask(3);
        var wrong = new Variable(CpuBackend.Instance.Empty(DType.Float32, [2, 3, 8, 8]));
        Assert.That(() => model.Forward(wrong, withDivergence: false), Throws.ArgumentException.With.Message.Contains("[B, 3, 16, 16]"));
        Assert.That(() => model.AddTask(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
    }
}
