using System.CommandLine;
using DyTox.Autograd;
using DyTox.Data;
using DyTox.Data.Augmentation;
using DyTox.Model;
using DyTox.Options;
using DyTox.Tensor;
using DyTox.Training;

namespace DyTox.Cli;

/// <summary>
/// <c>inspect</c>: restores the model of a finished <c>train</c> run from its checkpoint (or a bare state dict in the original's
/// names, <c>--weights</c>), runs the first K images of a
/// split through <see cref="DyToxInspection.ForwardWithAttention"/> and writes the attention maps
/// (<c>attention.safetensors</c>), per-head summaries (<c>summary.json</c>) and PNG heatmaps (see
/// <see cref="InspectionWriter"/>).
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var run = new Option<string?>("--run") { Description = "Output folder of a train run (the one holding checkpoint/), e.g. runs/fmnist/2-2/dytox-seed0." };
        var weights = new Option<string?>("--weights") { Description = "Instead of --run: a state dict in the original's names (a model.safetensors, or a PyTorch DyTox checkpoint converted by tools/convert_checkpoint.py); tasks and classes come from its heads, the model from --options." };
        var options = new Option<string[]>("--options") { Description = "The option files the run was trained with (as for train; default: the run's config.json, else the embedded Fashion-MNIST options).", AllowMultipleArgumentsPerToken = true };
        var set = new Option<string[]>("--set") { Description = "Override an option as for train: --set key=value.", AllowMultipleArgumentsPerToken = true };
        var dataPath = new Option<string?>("--data-path") { Description = "Dataset folder (as for train)." };
        var images = new Option<int>("--images") { Description = "How many images (the first K of the split among the classes the model has learnt).", DefaultValueFactory = _ => 8 };
        var split = new Option<string>("--split") { Description = "test (default) or train; both use the test transform (no augmentation).", DefaultValueFactory = _ => "test" };
        var device = new Option<string>("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        var dtype = new Option<string>("--dtype") { Description = "float32 (default) or float64.", DefaultValueFactory = _ => "float32" };
        var order = new Option<int?>("--class-order") { Description = "The class order the run used (0-based, as for train; default: the run's config.json, else 0)." };
        var output = new Option<string?>("--out") { Description = "Where to write (default <run>/inspect)." };
        var cacheDir = new Option<string?>("--imagenet-cache-dir") { Description = "ImageNet: folder of the packed image caches (as for train)." };
        var cacheSize = new Option<int>("--imagenet-cache-size") { Description = "ImageNet: shorter side S of the cached images (as for train).", DefaultValueFactory = _ => 256 };

        var command = new Command("inspect", "Write the attention maps, GPSA gates and task-token attention of a trained run for a few images.");
        foreach (var o in new Option[] { run, weights, options, set, dataPath, images, split, device, dtype, order, output, cacheDir, cacheSize })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            try
            {
                string? runDir = parse.GetValue(run), weightsFile = parse.GetValue(weights);
                if ((runDir is null) == (weightsFile is null))
                    throw new ArgumentException("give either --run (a train run's folder) or --weights (a state dict file).");
                var files = parse.GetValue(options) ?? [];
                // The run's own config.json (written by train) unless option files are given.
                var saved = files.Length == 0 && runDir is not null ? RunConfigFile.TryRead(runDir) : null;
                var o = saved?.Options ?? TrainCommand.LoadOptions(files);
                int classOrder = parse.GetValue(order) ?? saved?.ClassOrderIndex ?? 0;
                if (parse.GetValue(dataPath) is { } path) o.Set("data_path", path);
                foreach (var kv in parse.GetValue(set) ?? [])
                {
                    int eq = kv.IndexOf('=');
                    if (eq <= 0) throw new OptionsException($"--set expects key=value, got \"{kv}\".");
                    o.Set(kv[..eq], kv[(eq + 1)..]);
                }
                o.EnsureValid();
                string defaultOut = runDir is not null ? Path.Combine(runDir, "inspect")
                    : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(weightsFile!))!, Path.GetFileNameWithoutExtension(weightsFile) + "-inspect");
                var request = new Request(runDir, weightsFile, parse.GetValue(output) ?? defaultOut, parse.GetValue(images),
                                          ParseSplit(parse.GetValue(split)!), classOrder,
                                          TrainCommand.ImageNetCache(parse.GetValue(cacheDir), parse.GetValue(cacheSize)));
                return Run(o, request, parse.GetValue(device)!, ParseDType(parse.GetValue(dtype)!));
            }
            catch (Exception e) when (e is OptionsException or DatasetFormatException or IOException or UnauthorizedAccessException
                                          or ArgumentException or InvalidDataException or NotSupportedException or DeviceUnavailableException)
            {
                Console.Error.WriteLine($"dytox inspect: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private sealed record Request(string? RunDirectory, string? Weights, string OutputDirectory, int Images, DatasetSplit Split, int ClassOrder, ImageNetCacheOptions ImageNet);

    private static int Run(DyToxOptions o, Request request, string deviceName, DType dtype)
    {
        if (request.Images <= 0) throw new ArgumentException($"--images {request.Images} must be positive.");
        var config = TrainerSettingsMapper.ModelConfig(o);
        using var device = Devices.Open(deviceName, dtype);
        var backend = device.Backend;
        var loaded = request.Weights is { } file
            ? FinishedRunModel.LoadWeights(file, config, backend, dtype)
            : FinishedRunModel.Load(request.RunDirectory!, config, backend, dtype);
        using var model = loaded.Model;

        // The data as train saw it: same scenario (class order → model labels) and the test transform.
        var imageNet = request.ImageNet;
        string dataPath = string.IsNullOrEmpty(o.DataPath) ? "" : o.DataPath;
        var train = DatasetCatalog.Load(o.DataSet, dataPath, DatasetSplit.Train, imageNet);
        using var trainMapping = train as IDisposable;
        var test = DatasetCatalog.Load(o.DataSet, dataPath, DatasetSplit.Test, imageNet);
        using var testMapping = test as IDisposable;
        var scenario = DatasetCatalog.Scenario(o, train, test, request.ClassOrder);
        int lastTask = Enumerable.Range(0, scenario.TaskCount).FirstOrDefault(t => scenario.ClassesSeenAfter(t) >= model.TotalClasses, -1);
        if (lastTask < 0 || scenario.ClassesSeenAfter(lastTask) != model.TotalClasses)
            throw new InvalidDataException($"the checkpoint's model knows {model.TotalClasses} classes, which is no task boundary of the scenario {scenario.Describe()}; pass the options the run was trained with.");
        var subset = request.Split == DatasetSplit.Test ? scenario.TestSubsetUpTo(lastTask) : scenario.TrainSubsetUpTo(lastTask);
        int count = Math.Min(request.Images, subset.Count);
        if (count == 0) throw new InvalidDataException($"the {request.Split} split has no image of the model's {model.TotalClasses} classes.");

        var normalizer = DatasetCatalog.DefaultNormalizer(o.DataSet, train);
        var transform = DatasetCatalog.IsImageNet(o.DataSet)
            ? AugmentationPipeline.WithResizedCrop(AugmentationPreset.None, normalizer, o.InputSize)
            : new AugmentationPipeline(AugmentationPreset.None, normalizer);
        var assembler = new BatchAssembler(transform, config.InChannels, config.ImageSize, config.ImageSize, backend, dtype);
        var positions = Enumerable.Range(0, count).ToArray();
        var pixels = new float[count * assembler.ImageElements];
        assembler.FillHost(subset, positions, seed: 0, epoch: 0, firstPosition: 0, pixels); // no augmentation: the seed is unused
        var labels = BatchAssembler.Labels(subset, positions);

        using var scope = TensorScope.Begin();
        var inspected = model.ForwardWithAttention(new Variable(assembler.ToTensor(pixels, count)));
        var logits = AttentionMap.FromTensor(inspected.Output.Logits.Value);
        var batch = new InspectionWriter.Batch(pixels, config.InChannels, config.ImageSize, labels,
                                               positions.Select(p => subset.Indices[p]).ToArray(),
                                               labels.Select(scenario.OriginalLabel).ToArray(), logits, normalizer);
        var info = new InspectionWriter.RunInfo(Path.GetFullPath(request.Weights ?? request.RunDirectory!), loaded.TasksCompleted, model.ClassesPerTask.ToArray(),
                                                request.Split.ToString().ToLowerInvariant(), config.NumHeads);
        var summary = InspectionWriter.Write(request.OutputDirectory, info, batch, inspected.Attention);
        Console.WriteLine($"dytox inspect: {count} {info.Split} image(s) through the model of {loaded.TasksCompleted} task(s) " +
                          $"({model.TotalClasses} classes), {summary.Correct}/{count} correct; wrote {summary.Files} files to {request.OutputDirectory}");
        return 0;
    }

    private static DatasetSplit ParseSplit(string split) => split.ToLowerInvariant() switch
    {
        "test" => DatasetSplit.Test,
        "train" => DatasetSplit.Train,
        _ => throw new ArgumentException($"--split \"{split}\" is unknown; expected test or train."),
    };

    private static DType ParseDType(string dtype) => dtype.ToLowerInvariant() switch
    {
        "float32" or "f32" => DType.Float32,
        "float64" or "f64" => DType.Float64,
        _ => throw new ArgumentException($"--dtype \"{dtype}\" is unknown; expected float32 or float64."),
    };
}
