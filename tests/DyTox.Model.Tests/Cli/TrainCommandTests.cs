using DyTox.Cli;

namespace DyTox.Model.Tests.Cli;

/// <summary>The <c>train</c> command as a user runs it: exit codes, error sentences, outputs on disk.</summary>
[TestFixture]
[NonParallelizable] // redirects Console
public class TrainCommandTests
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        dir = Path.Combine(Path.GetTempPath(), "dytox-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    private string Write(string name, string yaml)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    [Test]
    public void TrainsASmallScenarioAndWritesLogAndCheckpoint()
    {
        var options = Write("tiny.yaml", CliRunner.TinySynthetic);
        var (code, output, error) = Run("--options", options, "--output-basedir", dir, "--name", "t", "--seed", "3", "--quiet");
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("Avg:").And.Contain("Last:"));
        string run = Path.Combine(dir, "synthetic", "misc", "t");
        Assert.That(File.Exists(Path.Combine(run, "log.jsonl")));
        var log = File.ReadAllLines(Path.Combine(run, "log.jsonl"));
        Assert.That(log, Has.Length.GreaterThanOrEqualTo(3)); // 2 tasks + summary
        foreach (var line in log[..^1])
        {
            // The reference's test loss: cross-entropy of the evaluation, never a placeholder.
            var json = System.Text.Json.JsonDocument.Parse(line).RootElement;
            Assert.That(json.GetProperty("test_loss").GetDouble(), Is.GreaterThan(0).And.LessThan(20), line);
            // The reference's distances between task tokens: none after task 0, one pair after task 1.
            double mean = json.GetProperty("token_mean_dist").GetDouble(), min = json.GetProperty("token_min_dist").GetDouble();
            double max = json.GetProperty("token_max_dist").GetDouble();
            if (json.GetProperty("task").GetInt32() == 0) Assert.That((mean, min, max), Is.EqualTo((0.0, 0.0, 0.0)), line);
            else Assert.That(mean, Is.GreaterThan(0).And.EqualTo(min).And.EqualTo(max), line);
        }
        Assert.That(File.Exists(Path.Combine(run, "checkpoint", "model.safetensors")));
        // The training curve: one row per epoch, main training and finetuning, in run order; its plot.
        var epochs = File.ReadAllLines(Path.Combine(run, "epochs.csv"));
        Assert.That(epochs[1..].Select(l => string.Join(',', l.Split(',')[..3])),
                    Is.EqualTo(new[] { "0,train,0", "1,train,0", "1,finetune,0" }));
        Assert.That(File.Exists(Path.Combine(run, "plots", "loss.svg")));
        // GPSA gates after each step: 2 steps × 1 SAB × 4 heads, each σ(·) in (0, 1).
        var gates = File.ReadAllLines(Path.Combine(run, "gates.csv"));
        Assert.That(gates[0], Is.EqualTo("step,sab,head,gate"));
        Assert.That(gates[1..].Select(l => l.Split(',')[0]), Is.EqualTo(new[] { "0", "0", "0", "0", "1", "1", "1", "1" }));
        Assert.That(gates[1..].Select(l => double.Parse(l.Split(',')[3], System.Globalization.CultureInfo.InvariantCulture)),
                    Is.All.GreaterThan(0).And.All.LessThan(1));
        // The final evaluation of every step as a confusion matrix: its diagonal is the logged top-1.
        for (int step = 0; step < 2; step++)
        {
            var rows = File.ReadAllLines(Path.Combine(run, "confusion", $"step{step}.csv"));
            var counts = rows[1..].Select(r => r.Split(',')[2..].Select(long.Parse).ToArray()).ToArray();
            Assert.That(counts, Has.Length.EqualTo(5 * (step + 1)));
            long diagonal = Enumerable.Range(0, counts.Length).Sum(i => counts[i][i]), total = counts.Sum(r => r.Sum());
            double acc = System.Text.Json.JsonDocument.Parse(log.Last(l => l.Contains($"\"task\": {step},", StringComparison.Ordinal)))
                .RootElement.GetProperty("acc").GetDouble();
            Assert.That(100.0 * diagonal / total, Is.EqualTo(acc).Within(0.005), $"step {step}");
        }

        // Running again finds the finished checkpoint and reports the same numbers without training.
        var (again, output2, error2) = Run("--options", options, "--output-basedir", dir, "--name", "t", "--seed", "3", "--quiet");
        Assert.That(again, Is.Zero, error2);
        Assert.That(output2.Split('\n').Last(l => l.StartsWith("Avg:", StringComparison.Ordinal)),
                    Is.EqualTo(output.Split('\n').Last(l => l.StartsWith("Avg:", StringComparison.Ordinal))));
        Assert.That(File.ReadAllLines(Path.Combine(run, "log.jsonl")), Is.EqualTo(log), "a finished run's log gains no second summary");
    }

    [Test]
    public void SeveralClassOrdersRunOneFolderEachAndAReportLikeTheOriginalsTrials()
    {
        var options = Write("tiny.yaml", CliRunner.TinySynthetic);
        var orders = Write("orders.yaml", "class_order: [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]]\n");
        var (code, output, error) = Run("--options", options, orders, "--output-basedir", dir, "--name", "t", "--seed", "3", "--quiet",
                                        "--set", "epochs=1", "base_epochs=1", "finetuning_epochs=1", "train_fraction=0.25");
        Assert.That(code, Is.Zero, error);
        string category = Path.Combine(dir, "synthetic", "misc");
        foreach (var run in new[] { "t-order0", "t-order1" })
            Assert.That(File.ReadAllLines(Path.Combine(category, run, "log.jsonl"))[^1], Does.StartWith("{\"avg\""), run);
        Assert.That(File.ReadAllText(Path.Combine(category, "t-order1", "config.json")), Does.Contain("\"class_order_index\": 1"));
        Assert.That(File.ReadAllText(Path.Combine(category, "t-order1", "config.json")), Does.Match("\"compute\": \"cpu \\(.*\\), float32, gemm Float32\""));
        Assert.That(File.Exists(Path.Combine(category, "t-orders", "report.md")));
        Assert.That(output, Does.Contain("| t | 2 |"), "one group of two runs in the printed report");

        // --class-order picks one order and keeps the plain name.
        var (one, _, oneError) = Run("--options", options, orders, "--output-basedir", dir, "--name", "single", "--seed", "3", "--quiet",
                                     "--class-order", "1", "--set", "epochs=1", "base_epochs=1", "finetuning_epochs=1", "train_fraction=0.25");
        Assert.That(one, Is.Zero, oneError);
        Assert.That(File.ReadAllText(Path.Combine(category, "single", "config.json")), Does.Contain("\"class_order_index\": 1"));
        Assert.That(Directory.Exists(Path.Combine(category, "single-order1")), Is.False);
    }

    [Test]
    public void AnUnknownOptionKeyNamesTheKeyAndTheFile()
    {
        var options = Write("typo.yaml", CliRunner.TinySynthetic + "\nepoch: 3\n");
        var (code, _, error) = Run("--options", options, "--output-basedir", dir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("epoch").And.Contain("typo.yaml"));
    }

    [Test]
    public void AMissingOptionFileIsAClearError()
    {
        var (code, _, error) = Run("--options", Path.Combine(dir, "nope.yaml"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("nope.yaml").And.Contain("does not exist"));
    }

    /// <summary>--devices 2 runs one replica per device at once (world_size 2): the model file is byte for byte the one of
    /// world_size 2 on one device, and the run folder says how it was computed.</summary>
    [Test]
    public void TwoDevicesWriteTheModelOfWorldSizeTwoOnOne()
    {
        var options = Write("tiny.yaml", CliRunner.TinySynthetic);
        var (code, _, error) = Run("--options", options, "--output-basedir", dir, "--name", "one", "--set", "world_size=2", "--quiet");
        Assert.That(code, Is.Zero, error);
        (code, var output, error) = Run("--options", options, "--output-basedir", dir, "--name", "two", "--devices", "2", "--quiet");
        Assert.That(code, Is.Zero, error);
        Assert.That(output.ReplaceLineEndings(" "), Does.Contain("one replica per device (2 devices, run at once)")); // the console wraps lines
        string one = Path.Combine(dir, "synthetic", "misc", "one"), two = Path.Combine(dir, "synthetic", "misc", "two");
        Assert.That(File.ReadAllBytes(Path.Combine(two, "checkpoint", "model.safetensors")),
                    Is.EqualTo(File.ReadAllBytes(Path.Combine(one, "checkpoint", "model.safetensors"))));
        Assert.That(File.ReadAllText(Path.Combine(two, "config.json")), Does.Contain("2 devices").And.Contain("\"world_size\": 2"));
    }

    [Test]
    public void DevicesThatContradictWorldSizeAreAClearError()
    {
        var options = Write("tiny.yaml", CliRunner.TinySynthetic);
        var (code, _, error) = Run("--options", options, "--output-basedir", dir, "--devices", "2", "--set", "world_size=3");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--devices 2 runs one replica per device, but world_size is 3"));
        (code, _, error) = Run("--options", options, "--output-basedir", dir, "--devices", "0");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--devices 0 must be at least 1"));
        Assert.That(Directory.Exists(Path.Combine(dir, "synthetic")), Is.False, "nothing written");
    }

    [Test]
    public void Tf32OnTheCpuIsAClearError()
    {
        var options = Write("tiny.yaml", CliRunner.TinySynthetic);
        var (code, _, error) = Run("--options", options, "--tf32", "--output-basedir", dir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--tf32 applies to --device cuda"));
        Assert.That(Directory.Exists(Path.Combine(dir, "synthetic")), Is.False, "nothing written");
    }

    [Test]
    public void Bf16GemmsOnTheCpuOrWithTf32AreClearErrors()
    {
        var options = Write("tiny.yaml", CliRunner.TinySynthetic);
        var (code, _, error) = Run("--options", options, "--bf16-gemm", "--output-basedir", dir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--bf16-gemm applies to --device cuda"));
        (code, _, error) = Run("--options", options, "--bf16-gemm", "--tf32", "--device", "cuda", "--output-basedir", dir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--tf32 and --bf16-gemm exclude each other"));
        (code, _, error) = Run("--options", options, "--gpsa-tensor-cores", "true", "--output-basedir", dir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("--gpsa-tensor-cores applies to --device cuda"));
        Assert.That(Directory.Exists(Path.Combine(dir, "synthetic")), Is.False, "nothing written");
    }

    [Test]
    public void TheDeviceKeyOfTheOptionFilesIsHonouredAndTheFlagWins()
    {
        var options = Write("tiny.yaml", CliRunner.TinySynthetic + "\ndevice: cuda\n");
        var (code, _, error) = Run("--options", options, "--output-basedir", dir, "--quiet");
        Assert.That(code, Is.EqualTo(2), "device: cuda in the file asks for the GPU, which this machine lacks");
        Assert.That(error, Does.Contain("libcuda").Or.Contain("cuInit").Or.Contain("GPU"));
        var (cpu, _, cpuError) = Run("--options", options, "--device", "cpu", "--output-basedir", dir, "--quiet", "--set", "epochs=1", "base_epochs=1");
        Assert.That(cpu, Is.Zero, cpuError);
    }

    [Test]
    public void CudaWithoutADriverIsOneSentence()
    {
        var options = Write("tiny.yaml", CliRunner.TinySynthetic);
        var (code, _, error) = Run("--options", options, "--device", "cuda", "--output-basedir", dir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("libcuda.so.1"));
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1), "one line, no stack trace");
    }

    [Test]
    public void ACorruptDatasetFileIsAClearErrorAndLeavesNoRun()
    {
        // A truncated Fashion-MNIST directory: the label file is cut short.
        string data = Path.Combine(dir, "fmnist");
        Directory.CreateDirectory(data);
        var images = new byte[16 + 2 * 28 * 28];
        images[2] = 8; images[3] = 3; images[7] = 2; images[11] = 28; images[15] = 28;
        var labels = new byte[8 + 1];
        labels[2] = 8; labels[3] = 1; labels[7] = 2; // claims 2 labels, holds 1
        foreach (var split in new[] { "train", "t10k" })
        {
            File.WriteAllBytes(Path.Combine(data, $"{split}-images-idx3-ubyte"), images);
            File.WriteAllBytes(Path.Combine(data, $"{split}-labels-idx1-ubyte"), labels);
        }
        var (code, _, error) = Run("--data-path", data, "--output-basedir", dir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("labels-idx1-ubyte"));
    }

    [Test]
    public void AnUnsupportedOriginalOptionIsRejectedByName()
    {
        var options = Write("joint.yaml", CliRunner.TinySynthetic + "\njoint_tokens: true\n");
        var (code, _, error) = Run("--options", options, "--output-basedir", dir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(error, Does.Contain("\"joint_tokens\"").And.Contain("joint.yaml"));
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(TrainCommand.Create(), args);
}
