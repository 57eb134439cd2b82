using DyTox.Model.Tests.Data;
using DyTox.Options;

namespace DyTox.Model.Tests.Options;

public class OptionsLoaderTests
{
    private static IEnumerable<string> ShippedFiles() =>
        Directory.GetFiles(OptionFiles.Root, "*.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(OptionFiles.Root, f)).OrderBy(f => f, StringComparer.Ordinal);

    private static string WriteTemp(string yaml, string name = "opts.yaml")
    {
        string dir = Path.Combine(Path.GetTempPath(), "dytox-opts-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    [TestCaseSource(nameof(ShippedFiles))]
    public void EveryShippedFileLoadsAndValidates(string relative)
    {
        var options = OptionsLoader.Load(OptionFiles.Path(relative));
        if (relative.StartsWith("model", StringComparison.Ordinal))
        {
            Assert.That(options.Validate(), Is.Empty);
        }
    }

    [Test]
    public void ShipsAllOriginalFilesUnchanged()
    {
        string? original = OptionFiles.SharedData("data/dytox-original/options");
        if (original is null)
        {
            Assert.Ignore("the original option files (../shared/data/dytox-original/options beside the checkout) are not present");
            return;
        }
        var files = Directory.GetFiles(original, "*.yaml", SearchOption.AllDirectories);
        Assert.That(files, Has.Length.EqualTo(18));
        foreach (string file in files)
        {
            string copy = OptionFiles.Path(Path.GetRelativePath(original, file));
            Assert.That(File.ReadAllBytes(copy), Is.EqualTo(File.ReadAllBytes(file)), copy);
        }
    }

    [Test]
    public void CifarDyToxStackHasThePaperSettings()
    {
        var o = OptionsLoader.Load(
            OptionFiles.Path("data/cifar100_2-2.yaml"),
            OptionFiles.Path("data/cifar100_order1.yaml"),
            OptionFiles.Path("model/cifar_dytox.yaml"));
        Assert.That((o.DataSet, o.InitialIncrement, o.Increment, o.LogCategory), Is.EqualTo(("CIFAR", 2, 2, "2-2")));
        Assert.That(o.ClassOrder![0], Has.Count.EqualTo(100));
        Assert.That(o.ClassOrder![0][0], Is.EqualTo(87));
        Assert.That((o.EmbedDim, o.Depth, o.NumHeads, o.PatchSize, o.InputSize, o.LocalUpToLayer), Is.EqualTo((384, 6, 12, 4, 32, 5)));
        Assert.That(o.ClassAttention && o.NoAmp && o.Dytox && o.AutoKd && o.BceLoss && o.FtNoSampling, Is.True);
        Assert.That(o.WeightDecay, Is.EqualTo(1e-6));
        Assert.That(o.IncrementalLr, Is.EqualTo(5e-4));
        Assert.That(o.Rehearsal, Is.EqualTo("icarl_all"));
        Assert.That(o.FreezeTask, Is.EqualTo(new[] { "old_task_tokens", "old_heads" }));
        Assert.That(o.FreezeFt, Is.EqualTo(new[] { "sab" }));
        Assert.That(o.HeadDivMode, Is.EqualTo(new[] { "tr" })); // scalar "tr" becomes a one-element list
        Assert.That((o.HeadDiv, o.IndClf, o.Finetuning, o.FinetuningEpochs), Is.EqualTo((0.1, "1-1", "balanced", 20)));
        Assert.That((o.Reprob, o.Mixup, o.Cutmix), Is.EqualTo((0.0, 0.0, 0.0)));
        // Defaults the YAMLs do not override (reference argparse).
        Assert.That((o.Epochs, o.BaseEpochs, o.Lr, o.MemorySize, o.Aa), Is.EqualTo((500, 500, 5e-4, 2000, "rand-m9-mstd0.5-inc1")));
        Assert.That(o.SourceOf("embed_dim"), Does.EndWith("cifar_dytox.yaml"));
        Assert.That(o.SourceOf("epochs"), Is.EqualTo("default"));
    }

    [Test]
    public void DyToxPlusPlusAndImageNetValues()
    {
        var pp = OptionsLoader.Load(OptionFiles.Path("model/cifar_dytox_plusplus.yaml"));
        Assert.That((pp.SamRho, pp.SamAdaptive, pp.SamSkipFirst, pp.Mixup), Is.EqualTo((3.0, true, true, 0.8)));
        Assert.That(pp.SamMode, Is.EqualTo(new[] { "tr" }));
        var inet = OptionsLoader.Load(
            OptionFiles.Path("data/imagenet1000_100-100.yaml"), OptionFiles.Path("data/imagenet1000_order1.yaml"),
            OptionFiles.Path("model/imagenet_dytox.yaml"));
        Assert.That(inet.ClassOrder![0].Distinct().Count(), Is.EqualTo(1000));
        Assert.That((inet.PatchSize, inet.InputSize, inet.NoAmp, inet.EvalEvery), Is.EqualTo((16, 224, false, 250)));
    }

    [Test]
    public void FashionMnistFilesDescribeTheSmallModel()
    {
        var o = OptionsLoader.Load(OptionFiles.Path("data/fmnist_2-2.yaml"), OptionFiles.Path("model/fmnist_dytox.yaml"));
        Assert.That((o.DataSet, o.InitialIncrement, o.Increment), Is.EqualTo(("fmnist", 2, 2)));
        Assert.That(o.ClassOrder![0].OrderBy(x => x), Is.EqualTo(Enumerable.Range(0, 10)));
        Assert.That((o.EmbedDim, o.NumHeads, o.Depth, o.LocalUpToLayer, o.PatchSize, o.InputSize, o.InChans),
            Is.EqualTo((128, 4, 3, 2, 4, 28, 1)));
        Assert.That(o.ClassAttention && o.Dytox, Is.True);
        Assert.That(o.Validate(), Is.Empty);
    }

    [Test]
    public void LaterFilesOverrideEarlierOnes()
    {
        string a = WriteTemp("epochs: 7\nbatch_size: 32\n", "a.yaml");
        string b = WriteTemp("epochs: 9\n", "b.yaml");
        var o = OptionsLoader.Load(a, b);
        Assert.That((o.Epochs, o.BatchSize), Is.EqualTo((9, 32)));
        Assert.That(o.SourceOf("epochs"), Is.EqualTo(b));
        Assert.That(o.SourceOf("batch_size"), Is.EqualTo(a));
        Assert.That(OptionsLoader.DefaultRunName([a, b]), Is.EqualTo("a_b"));
    }

    [Test]
    public void UnknownKeyNamesKeyFileAndLine()
    {
        string path = WriteTemp("epochs: 3\nepoch: 5\n");
        var e = Assert.Throws<OptionsException>(() => OptionsLoader.Load(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}:2: unknown option \"epoch\". Did you mean \"epochs\", \"base_epochs\", \"start_epoch\"?"));
    }

    [TestCase("epochs: ten", "option \"epochs\" expects an integer, got \"ten\"")]
    [TestCase("epochs: 1.5", "option \"epochs\" expects an integer, got \"1.5\"")]
    [TestCase("lr: fast", "option \"lr\" expects a number, got \"fast\"")]
    [TestCase("dytox: maybe", "option \"dytox\" expects a boolean (true/false), got \"maybe\"")]
    [TestCase("freeze_ft: {a: 1}", "option \"freeze_ft\" expects a string or a list of strings, got a mapping")]
    [TestCase("class_order: [1, b]", "option \"class_order\" expects a list of class ids or a list of such lists, got \"b\"")]
    [TestCase("model: ~", "option \"model\" expects a string, got null")]
    [TestCase("batch_size: [1, 2]", "option \"batch_size\" expects an integer, got a list of 2 items")]
    public void TypeErrorsNameKeyFileAndExpectedType(string yaml, string expected)
    {
        string path = WriteTemp(yaml + "\n");
        var e = Assert.Throws<OptionsException>(() => OptionsLoader.Load(path));
        Assert.That(e!.Message, Is.EqualTo($"{path}:1: {expected}."));
    }

    [Test]
    public void NullableKeysAcceptNull_AndQuotedNumbersAreNotNumbers()
    {
        string path = WriteTemp("incremental_lr: null\nmax_task: ~\nname: '12'\n");
        var o = OptionsLoader.Load(path);
        Assert.That(o.IncrementalLr, Is.Null);
        Assert.That(o.MaxTask, Is.Null);
        Assert.That(o.Name, Is.EqualTo("12"));
        string quoted = WriteTemp("epochs: '5'\n");
        Assert.That(() => OptionsLoader.Load(quoted), Throws.TypeOf<OptionsException>().With.Message.Contains("expects an integer"));
    }

    [Test]
    public void InvalidYamlAndMissingFilesAreReported()
    {
        string path = WriteTemp("epochs: [1,\n");
        Assert.That(() => OptionsLoader.Load(path), Throws.TypeOf<OptionsException>().With.Message.StartsWith(path + ": invalid YAML"));
        Assert.That(() => OptionsLoader.Load("/nonexistent/x.yaml"),
            Throws.TypeOf<OptionsException>().With.Message.EqualTo("/nonexistent/x.yaml: option file not found."));
        Assert.That(() => OptionsLoader.Load(WriteTemp("- a\n- b\n")),
            Throws.TypeOf<OptionsException>().With.Message.Contains("top level must be a mapping"));
    }

    [Test]
    public void CommandLineOverridesWinAndAreTyped()
    {
        var o = OptionsLoader.Load(OptionFiles.Path("model/cifar_dytox.yaml"));
        o.Set("--epochs", "5");
        o.Set("batch-size", "64");
        o.Set("class_order", "[[2, 0, 1], [0, 1, 2]]");
        o.Set("freeze_ft", "sab");
        o.SetValue("memory_size", 1000);
        Assert.That((o.Epochs, o.BatchSize, o.MemorySize), Is.EqualTo((5, 64, 1000)));
        Assert.That(o.ClassOrder, Has.Count.EqualTo(2));
        Assert.That(o.ClassOrder![1], Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(o.FreezeFt, Is.EqualTo(new[] { "sab" }));
        Assert.That(o.SourceOf("epochs"), Is.EqualTo("command line"));
        Assert.That(() => o.Set("epochs", "many"),
            Throws.TypeOf<OptionsException>().With.Message.EqualTo("command line: option \"epochs\" expects an integer, got \"many\"."));
        Assert.That(() => o.Set("--no-such", "1"),
            Throws.TypeOf<OptionsException>().With.Message.StartsWith("command line: unknown option \"no_such\"."));
        Assert.That(() => o.SetValue("epochs", "5"),
            Throws.TypeOf<OptionsException>().With.Message.Contains("expects an integer"));
    }

    [Test]
    public void ValidateReportsBadChoicesWithTheirSource()
    {
        string path = WriteTemp("rehearsal: herding\npatch_size: 5\n");
        var o = OptionsLoader.Load(path);
        var errors = o.Validate();
        Assert.That(errors, Has.Some.StartsWith($"{path}: option \"rehearsal\" is \"herding\", expected one of random"));
        Assert.That(errors, Has.Some.Contains("patch_size 5 does not divide input_size 32"));
        Assert.That(() => o.EnsureValid(), Throws.TypeOf<OptionsException>());
    }

    [Test]
    public void CloneAndJsonDumpCoverEveryKey()
    {
        var o = OptionsLoader.Load(OptionFiles.Path("data/cifar100_order1.yaml"));
        var copy = o.Clone();
        copy.Epochs = 1;
        Assert.That(o.Epochs, Is.EqualTo(500));
        Assert.That(copy.ClassOrder![0], Is.EqualTo(o.ClassOrder![0]));
        string json = o.ToJson(new Dictionary<string, long> { ["nb_parameters"] = 42 });
        foreach (var key in OptionSchema.Keys)
        {
            Assert.That(json, Does.Contain($"\"{key.Name}\":"));
        }
        Assert.That(json, Does.Contain("\"nb_parameters\": 42"));
        Assert.That(OptionSchema.Keys.Select(k => k.Name), Is.Unique);
    }
}
