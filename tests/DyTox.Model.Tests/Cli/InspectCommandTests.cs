using System.Text.Json.Nodes;
using DyTox.Autograd;
using DyTox.Cli;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;
using DyTox.Tensor.IO;
using DyTox.Training;

namespace DyTox.Model.Tests.Cli;

/// <summary>The <c>inspect</c> command on a run that <c>train</c> produced: files, keys, shapes, summary, errors.</summary>
[TestFixture]
[NonParallelizable] // redirects Console
public class InspectCommandTests
{

    private string dir = "";
    private string options = "";
    private string run = "";

    [OneTimeSetUp]
    public void TrainATinyRun()
    {
        dir = Path.Combine(Path.GetTempPath(), "dytox-inspect-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        options = Path.Combine(dir, "tiny.yaml");
        File.WriteAllText(options, CliRunner.TinySynthetic);
        var (code, _, error) = CliRunner.Run(TrainCommand.Create(), "--options", options, "--output-basedir", dir, "--name", "t", "--seed", "3", "--quiet");
        Assert.That(code, Is.Zero, error);
        run = Path.Combine(dir, "synthetic", "misc", "t");
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    [Test]
    public void WritesMapsSummaryAndHeatmapsThatMatchTheModel()
    {
        string outDir = Path.Combine(dir, "inspect-out");
        var (code, output, error) = CliRunner.Run(InspectCommand.Create(), "--run", run, "--options", options, "--images", "3", "--out", outDir);
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("3 test image(s)").And.Contain("2 task(s)"));

        var content = SafeTensorsFile.Load(Path.Combine(outDir, "attention.safetensors"));
        var expected = new Dictionary<string, long[]>
        {
            ["sab.0.gates"] = [4],
            ["sab.0.pos_attn"] = [4, 16, 16],
            ["sab.0.content_attn"] = [3, 4, 16, 16],
            ["sab.0.attn"] = [3, 4, 16, 16],
            ["tab.0.task.0.attn"] = [3, 4, 17],
            ["tab.0.task.1.attn"] = [3, 4, 17],
            ["sab.rollout"] = [3, 16, 16],
            ["tab.0.task.0.rollout"] = [3, 16],
            ["tab.0.task.1.rollout"] = [3, 16],
            ["images"] = [3, 3, 32, 32],
            ["logits"] = [3, 10],
            ["labels"] = [3],
            ["predictions"] = [3],
        };
        Assert.That(content.Names, Is.EquivalentTo(expected.Keys));
        foreach (var (name, shape) in expected) Assert.That(content[name].Shape, Is.EqualTo(shape), name);
        Assert.That(content.Metadata!["grid_side"], Is.EqualTo("4"));
        foreach (var row in SafeTensorConvert.ToSingles(content["tab.0.task.1.attn"]).Chunk(17))
            Assert.That(row.Sum(), Is.EqualTo(1).Within(1e-5));
        // A token's rollout spreads its patch mass (1 − mass on itself) over the input patches.
        var attn1 = SafeTensorConvert.ToSingles(content["tab.0.task.1.attn"]).Chunk(17).ToArray();   // [3·4 rows of 17]
        var rollout1 = SafeTensorConvert.ToSingles(content["tab.0.task.1.rollout"]).Chunk(16).ToArray(); // [3 rows of 16]
        for (int k = 0; k < 3; k++)
            Assert.That(rollout1[k].Sum(), Is.EqualTo(Enumerable.Range(0, 4).Average(h => 1 - attn1[k * 4 + h][0])).Within(1e-5));
        foreach (var row in SafeTensorConvert.ToSingles(content["sab.rollout"]).Chunk(16)) Assert.That(row.Sum(), Is.EqualTo(1).Within(1e-5));

        // The stored logits are those of the checkpoint's model (plain Forward) on the stored images.
        var be = CpuBackend.Instance;
        var config = TrainerSettingsMapper.ModelConfig(TrainCommand.LoadOptions([options]));
        var loaded = FinishedRunModel.Load(run, config, be, DType.Float32);
        using (var model = loaded.Model)
        using (var scope = TensorScope.Begin())
        using (GradMode.NoGrad())
        {
            var images = be.Empty(DType.Float32, [3, 3, 32, 32]);
            be.CopyFromHost(content["images"].Data, images);
            var logits = model.Forward(new Variable(images), withDivergence: false).Logits.Value.ToArray<float>();
            Assert.That(SafeTensorConvert.ToSingles(content["logits"]), Is.EqualTo(logits));
            Assert.That(loaded.TasksCompleted, Is.EqualTo(2));
        }

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!;
        Assert.That((int)summary["tasks_completed"]!, Is.EqualTo(2));
        var heads = summary["sabs"]![0]!["heads"]!.AsArray();
        Assert.That(heads, Has.Count.EqualTo(4));
        var gates = SafeTensorConvert.ToSingles(content["sab.0.gates"]);
        for (int h = 0; h < 4; h++)
        {
            Assert.That((double)heads[h]!["gate"]!, Is.EqualTo(gates[h]).Within(1e-6));
            Assert.That((double)heads[h]!["distance_pos"]!, Is.GreaterThan(0).And.LessThan(Math.Sqrt(18)), "inside a 4×4 grid");
        }
        var tasks = summary["tabs"]![0]!["tasks"]!.AsArray();
        Assert.That(tasks, Has.Count.EqualTo(2));
        foreach (var task in tasks)
        {
            Assert.That((double)task!["mean_entropy"]!, Is.InRange(0, Math.Log(16) + 1e-6));
            Assert.That((double)task["token_mass"]! + (double)task["patch_mass"]!, Is.EqualTo(1).Within(1e-9));
        }
        var images2 = summary["images"]!.AsArray();
        var labels = SafeTensorConvert.ToInt64s(content["labels"]);
        var predictions = SafeTensorConvert.ToInt64s(content["predictions"]);
        for (int k = 0; k < 3; k++)
        {
            Assert.That((int)images2[k]!["label"]!, Is.EqualTo(labels[k]));
            Assert.That((int)images2[k]!["predicted"]!, Is.EqualTo(predictions[k]));
        }

        for (int k = 0; k < 3; k++) AssertPng(Path.Combine(outDir, "task_attention", $"img{k}_tab0.png"));
        for (int k = 0; k < 3; k++) AssertPng(Path.Combine(outDir, "task_attention", $"img{k}_tab0_rollout.png"));
        AssertPng(Path.Combine(outDir, "positional", "sab0_centre.png"));
    }

    [Test]
    public void TheRunsConfigReplacesTheOptionFiles()
    {
        // train wrote config.json; inspect without --options must rebuild the same model and data from it
        Assert.That(File.Exists(Path.Combine(run, "config.json")), Is.True);
        string withFiles = Path.Combine(dir, "inspect-files"), fromConfig = Path.Combine(dir, "inspect-config");
        var first = CliRunner.Run(InspectCommand.Create(), "--run", run, "--options", options, "--images", "2", "--out", withFiles);
        var second = CliRunner.Run(InspectCommand.Create(), "--run", run, "--images", "2", "--out", fromConfig);
        Assert.That(first.Code, Is.Zero, first.Err);
        Assert.That(second.Code, Is.Zero, second.Err);
        Assert.That(File.ReadAllBytes(Path.Combine(fromConfig, "attention.safetensors")),
                    Is.EqualTo(File.ReadAllBytes(Path.Combine(withFiles, "attention.safetensors"))));
    }

    [Test]
    public void ABareStateDictInspectsLikeItsRun()
    {
        // --weights: tasks and classes from the heads (what a converted PyTorch checkpoint provides); same maps as --run.
        string fromRun = Path.Combine(dir, "inspect-run"), fromWeights = Path.Combine(dir, "inspect-weights");
        string weights = Path.Combine(dir, "copied-model.safetensors");
        File.Copy(Path.Combine(run, "checkpoint", "model.safetensors"), weights);
        var first = CliRunner.Run(InspectCommand.Create(), "--run", run, "--options", options, "--images", "2", "--out", fromRun);
        var second = CliRunner.Run(InspectCommand.Create(), "--weights", weights, "--options", options, "--images", "2", "--out", fromWeights);
        Assert.That(first.Code, Is.Zero, first.Err);
        Assert.That(second.Code, Is.Zero, second.Err);
        Assert.That(second.Out, Does.Contain("2 task(s) (10 classes)"));
        Assert.That(File.ReadAllBytes(Path.Combine(fromWeights, "attention.safetensors")),
                    Is.EqualTo(File.ReadAllBytes(Path.Combine(fromRun, "attention.safetensors"))));

        var both = CliRunner.Run(InspectCommand.Create(), "--run", run, "--weights", weights, "--options", options);
        Assert.That((both.Code, both.Err.Trim()), Is.EqualTo((2, "dytox inspect: give either --run (a train run's folder) or --weights (a state dict file).")));
        string notDyTox = Path.Combine(dir, "other.safetensors");
        DyTox.Tensor.IO.SafeTensorsFile.Write(notDyTox, [new DyTox.Tensor.IO.SafeTensorEntry("w", DyTox.Tensor.IO.SafeTensorDTypes.F32, [1], new byte[4])]);
        var other = CliRunner.Run(InspectCommand.Create(), "--weights", notDyTox, "--options", options);
        Assert.That(other.Code, Is.EqualTo(2));
        Assert.That(other.Err, Does.Contain("no head.0.head.weight").And.Contain("other.safetensors"));
    }

    [Test]
    public void AMissingCheckpointIsAClearErrorAndNonZeroExit()
    {
        string empty = Path.Combine(dir, "not-a-run");
        Directory.CreateDirectory(empty);
        var (code, _, error) = CliRunner.Run(InspectCommand.Create(), "--run", empty, "--options", options);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("no checkpoint").And.Contain("not-a-run"));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), "one line, no stack trace");
        Assert.That(Directory.Exists(Path.Combine(empty, "inspect")), Is.False);
    }

    [Test]
    public void AMidTaskCheckpointIsRefused()
    {
        // A copy of the finished run whose state says it stopped inside task 1's finetuning.
        string copy = Path.Combine(dir, "mid");
        Directory.CreateDirectory(Path.Combine(copy, "checkpoint"));
        foreach (var file in Directory.GetFiles(Path.Combine(run, "checkpoint")))
            File.Copy(file, Path.Combine(copy, "checkpoint", Path.GetFileName(file)));
        string state = Path.Combine(copy, "checkpoint", "state.json");
        var json = JsonNode.Parse(File.ReadAllText(state))!;
        json["task"] = 1;
        json["phase"] = "Finetune";
        json["next_epoch"] = 1;
        File.WriteAllText(state, json.ToJsonString());
        var (code, _, error) = CliRunner.Run(InspectCommand.Create(), "--run", copy, "--options", options);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("middle of task 1").And.Contain("Finetune"));
    }

    [Test]
    public void OptionsOfAnotherModelAreRejected()
    {
        string other = Path.Combine(dir, "other.yaml");
        File.WriteAllText(other, CliRunner.TinySynthetic.Replace("embed_dim: 16", "embed_dim: 24"));
        var (code, _, error) = CliRunner.Run(InspectCommand.Create(), "--run", run, "--options", other);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("does not fit the model of the given options"));
    }

    private static void AssertPng(string path)
    {
        Assert.That(File.Exists(path), Is.True, path);
        var bytes = File.ReadAllBytes(path);
        Assert.That(bytes.Take(8), Is.EqualTo(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }), $"{path} is a PNG");
    }
}
