using DyTox.Model.Tests.Data;
using DyTox.Options;
using DyTox.Training;

namespace DyTox.Model.Tests.Options;

/// <summary>Every option is honoured or refused: the original's files pass, other values of fixed keys are errors.</summary>
[TestFixture]
public class OptionConformanceTests
{
    private static readonly string[] ModelFiles =
        ["cifar_dytox.yaml", "cifar_dytox_plus.yaml", "cifar_dytox_plusplus.yaml", "imagenet_dytox.yaml", "imagenet_dytox_plus.yaml", "fmnist_dytox.yaml"];

    private static DyToxOptions Cifar() =>
        OptionsLoader.Load(OptionFiles.Path("data/cifar100_10-10.yaml"), OptionFiles.Path("model/cifar_dytox.yaml"));

    [TestCaseSource(nameof(ModelFiles))]
    public void TheOriginalsModelFilesAreAccepted(string file)
    {
        var o = OptionsLoader.Load(OptionFiles.Path("model/" + file));
        foreach (var method in new[] { ContinualMethod.DyTox, ContinualMethod.Naive, ContinualMethod.Joint })
            Assert.DoesNotThrow(() => TrainerSettingsMapper.Settings(o, method, null), $"{file} with {method}");
    }

    [TestCase("clip_grad", "0", "positive maximum gradient norm")]
    [TestCase("clip_grad", "-1.0", "positive maximum gradient norm")]
    [TestCase("head_div", "0", "positive")]
    [TestCase("head_div_mode", "[tr, test]", "phases among tr (main training) and ft (finetuning)")]
    [TestCase("head_div_mode", "[ft, ft]", "each at most once")]
    [TestCase("freeze_task", "[old_tokens]", "groups among all, old_task_tokens")]
    [TestCase("freeze_ft", "[sab, encoder]", "groups among all, old_task_tokens")]
    [TestCase("mixup_mode", "old", "batch, pair or elem")]
    [TestCase("mixup_prob", "1.5", "probability in [0, 1]")]
    [TestCase("cutmix_minmax", "[0.8, 0.2]", "two fractions")]
    [TestCase("mixup_switch_prob", "-0.5", "probability in [0, 1]")]
    [TestCase("oversample_memory", "-1", "0 or more")]
    [TestCase("oversample_memory_ft", "0", "1 or more")]
    [TestCase("start_task", "2", "together with resume")]
    [TestCase("resume", "/tmp/old", "together with start_task")]
    [TestCase("lr_noise", "[0.1, 0.2, 0.3]", "one or two non-negative fractions")]
    [TestCase("lr_noise_pct", "0", "positive bound")]
    [TestCase("sam_mode", "[tr, eval]", "phases among tr (main training) and ft")]
    [TestCase("look_sam_k", "-1", "LookSAM's interval")]
    [TestCase("sam_final", "-2", "non-negative radius")]
    [TestCase("train_interpolation", "bilinear", "bicubic")]
    [TestCase("dytox", "false", "--method naive")]
    [TestCase("eval", "true", "inspect")]
    [TestCase("norm", "scale", "layer")]
    [TestCase("model", "deit_small", "convit")]
    [TestCase("device", "tpu", "cpu or cuda")]
    [TestCase("validation", "1.0", "fraction in [0, 1)")]
    [TestCase("color_jitter", "-0.4", "non-negative strength")]
    [TestCase("aa", "rand-m5-mstd0.5", "inc1")]
    [TestCase("aa", "v0", "only timm's RandAugment")]
    public void AnUnimplementedValueIsAnErrorNamingKeySourceAndExpectation(string key, string value, string expected)
    {
        var o = Cifar();
        o.Set(key, value);
        var e = Assert.Throws<OptionsException>(() => TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null))!;
        Assert.That(e.Message, Does.Contain($"\"{key}\"").And.Contain("command line").And.Contain(expected));
    }

    [Test]
    public void FinetuningOptionsReachTheTrainerSettings()
    {
        var o = Cifar();
        var files = TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null);
        Assert.That((files.DivergenceInMainTraining, files.DivergenceInFinetuning, files.FinetuningDistillation, files.FinetuningResetClassifiers),
                    Is.EqualTo((true, false, false, false)), "DyTox's files: head_div_mode tr");
        string withoutMode = Path.Combine(Path.GetTempPath(), $"dytox-no-head-div-mode-{Guid.NewGuid():N}.yaml");
        File.WriteAllLines(withoutMode, File.ReadAllLines(OptionFiles.Path("model/cifar_dytox.yaml")).Where(l => !l.StartsWith("head_div_mode")));
        try
        {
            var unset = TrainerSettingsMapper.Settings(OptionsLoader.Load(OptionFiles.Path("data/cifar100_10-10.yaml"), withoutMode), ContinualMethod.DyTox, null);
            Assert.That((unset.DivergenceInMainTraining, unset.DivergenceInFinetuning), Is.EqualTo((true, false)),
                        "unset, head_div_mode is the files' tr, not the argparse default [tr, ft]");
        }
        finally { File.Delete(withoutMode); }
        o.Set("head_div_mode", "[ft]");
        o.Set("finetuning_teacher", "true");
        o.Set("finetuning_resetclf", "true");
        var set = TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null);
        Assert.That((set.DivergenceInMainTraining, set.DivergenceInFinetuning, set.FinetuningDistillation, set.FinetuningResetClassifiers),
                    Is.EqualTo((false, true, true, true)));
    }

    [Test]
    public void SamOptionsReachTheTrainerSettings()
    {
        var pp = OptionsLoader.Load(OptionFiles.Path("data/cifar100_10-10.yaml"), OptionFiles.Path("model/cifar_dytox_plusplus.yaml"));
        var files = TrainerSettingsMapper.Settings(pp, ContinualMethod.DyTox, null);
        Assert.That((files.SamRho, files.SamAdaptive, files.SamSkipFirstTask, files.SamInMainTraining, files.SamFinalRho, files.LookSamEvery),
                    Is.EqualTo((3.0, true, true, true, (double?)null, 0)), "DyTox++'s files");
        pp.Set("sam_adaptive", "false");
        pp.Set("sam_skip_first", "false");
        pp.Set("sam_mode", "[ft]");
        pp.Set("sam_final", "1.0");
        pp.Set("look_sam_k", "5");
        pp.Set("look_sam_alpha", "0.5");
        pp.Set("sam_div", "kl");
        var set = TrainerSettingsMapper.Settings(pp, ContinualMethod.DyTox, null);
        Assert.That((set.SamAdaptive, set.SamSkipFirstTask, set.SamInMainTraining, set.SamFinalRho, set.LookSamEvery, set.LookSamAlpha),
                    Is.EqualTo((false, false, false, (double?)1.0, 5, 0.5)));
    }

    [Test]
    public void UnsetImageMixingAndErasingAreOffAsInDyToxsFiles()
    {
        // The argparse defaults are DeiT's recipe (mixup 0.8, cutmix 1.0, reprob 0.25); every DyTox file sets them to 0.
        string bare = Path.Combine(Path.GetTempPath(), $"dytox-bare-{Guid.NewGuid():N}.yaml");
        File.WriteAllLines(bare, File.ReadAllLines(OptionFiles.Path("model/cifar_dytox.yaml"))
            .Where(l => !l.StartsWith("mixup:") && !l.StartsWith("cutmix:") && !l.StartsWith("reprob:")));
        try
        {
            var o = OptionsLoader.Load(OptionFiles.Path("data/cifar100_10-10.yaml"), bare);
            var s = TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null);
            Assert.That((s.MixupAlpha, s.CutmixAlpha, s.MixesImages), Is.EqualTo((0.0, 0.0, false)));
            Assert.That(TrainerSettingsMapper.RandomErasing(o), Is.Null);
            o.Set("reprob", "0.25");
            o.Set("cutmix", "1.0");
            Assert.That(TrainerSettingsMapper.RandomErasing(o)!.Probability, Is.EqualTo(0.25));
            Assert.That(TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null).CutmixAlpha, Is.EqualTo(1.0));
        }
        finally { File.Delete(bare); }
    }

    [Test]
    public void SepMemoryKeepsTheMemoryOutOfTheMainTraining()
    {
        var o = Cifar();
        o.Set("oversample_memory", "2");
        Assert.That(TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null).MemoryOversampling, Is.EqualTo(2));
        o.Set("sep_memory", "true");
        o.Set("replay_memory", "64");
        Assert.That(TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null).MemoryOversampling, Is.Zero, "the finetuning still uses it");
    }

    [Test]
    public void AutoKdFalseTrainsWithoutATeacher()
    {
        var o = Cifar();
        Assert.That(TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null).Distillation, Is.True);
        o.Set("auto_kd", "false");
        o.Set("kd", "0.5"); // never reached by the original without auto_kd's teacher
        Assert.That(TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null).Distillation, Is.False);
    }

    [Test]
    public void ClipGradReachesTheTrainerSettings()
    {
        var o = Cifar();
        Assert.That(TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null).ClipGradNorm, Is.Null, "DyTox's files do not clip");
        o.Set("clip_grad", "1.5");
        Assert.That(TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null).ClipGradNorm, Is.EqualTo(1.5));
    }

    [Test]
    public void RandAugmentOffIsAcceptedWithColorJitter()
    {
        var o = Cifar();
        o.Set("aa", "\"\"");
        Assert.DoesNotThrow(() => TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null), "timm's ColorJitter(0.4) then");
        o.Set("color_jitter", "0");
        Assert.DoesNotThrow(() => TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null));
    }

    [Test]
    public void SamKeysAreCheckedOnlyWhenSamIsOn()
    {
        var o = Cifar();
        o.Set("sam_first", "memory");
        Assert.DoesNotThrow(() => TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null), "sam_rho 0: SAM is off");
        o.Set("sam_rho", "3.0");
        Assert.That(() => TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null),
                    Throws.TypeOf<OptionsException>().With.Message.Contain("sam_first"));
    }

    [Test]
    public void DistributedMemoryMattersOnlyWithSeveralDevices()
    {
        var o = Cifar();
        Assert.That(TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null).DistributedMemory, Is.False);
        o.Set("world_size", "2");
        Assert.That(TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null).DistributedMemory, Is.False,
                    "unset: one global memory, not the original's per-process default");
        o.Set("distributed_memory", "true");
        Assert.That(TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null).DistributedMemory, Is.True);
        o.Set("world_size", "1");
        Assert.That(TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null).DistributedMemory, Is.False, "one rank: one memory either way");
    }

    [Test]
    public void WorldSizeIsTheNumberOfReplicasOfTheGlobalBatch()
    {
        var o = Cifar();
        o.Set("world_size", "2");
        var s = TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null);
        Assert.That((s.WorldSize, s.BatchSize), Is.EqualTo((2, 128)));
        Assert.That(s.ScaledLearningRate(0), Is.EqualTo(5e-4 * 256 / 512).Within(1e-18));
        o.Set("reference_sampler", "true");
        Assert.That(() => TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null),
                    Throws.TypeOf<OptionsException>().With.Message.Contain("reference_sampler").And.Message.Contain("single-process"));
        o.Set("reference_sampler", "false");
        o.Set("world_size", "0");
        Assert.That(() => TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null),
                    Throws.TypeOf<OptionsException>().With.Message.Contain("world_size"));
    }

    [Test]
    public void HonouredKeysReachTheTrainerSettings()
    {
        var o = Cifar();
        foreach (var (k, v) in new[] { ("head_div", "0.25"), ("distillation_tau", "2.0"), ("opt_betas", "[0.8, 0.95]"), ("opt_eps", "1e-6"),
                                        ("incremental_warmup_lr", "1e-5"), ("max_task", "3"), ("debug", "true"), ("save_every_epoch", "5") })
            o.Set(k, v);
        var s = TrainerSettingsMapper.Settings(o, ContinualMethod.DyTox, null);
        Assert.That((s.DivergenceWeight, s.DistillationTemperature, s.AdamBeta1, s.AdamBeta2, s.AdamEpsilon),
                    Is.EqualTo((0.25, 2.0, 0.8, 0.95, 1e-6)));
        Assert.That((s.IncrementalWarmupLearningRate, s.MaxTasks, s.Debug, s.CheckpointEvery), Is.EqualTo(((double?)1e-5, (int?)3, true, 5)));
        Assert.That(s.WarmupLearningRateFor(0), Is.EqualTo(s.WarmupLearningRate));
        Assert.That(s.WarmupLearningRateFor(1), Is.EqualTo(1e-5));
    }

    [Test]
    public void NoEffectKeysAreKnownOptions()
    {
        foreach (var key in OptionConformance.NoEffect.Keys)
            Assert.That(OptionSchema.TryGet(key, out _), key);
    }
}
