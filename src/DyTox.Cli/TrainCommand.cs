using System.CommandLine;
using DyTox.Kernels.Runtime;
using System.Globalization;
using DyTox.Data;
using DyTox.Data.Augmentation;
using DyTox.Metrics;
using DyTox.Metrics.Results;
using DyTox.Options;
using DyTox.Tensor;
using DyTox.Training;
using Spectre.Console;

namespace DyTox.Cli;

/// <summary>
/// <c>train</c>: reads stacked option files in the original's YAML format (later files override earlier
/// ones; flags override files), builds the scenario and runs DyTox (or a baseline), printing progress, a
/// summary table, and Avg/Last. With no <c>--options</c> it runs the embedded default: DyTox on split
/// Fashion-MNIST (5 tasks of 2 classes) with a small model on the CPU.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var options = new Option<string[]>("--options") { Description = "Option YAML files in the original's format, applied in order (a shipped file may be named as data/x.yaml or model/y.yaml).", AllowMultipleArgumentsPerToken = true };
        var name = new Option<string?>("--name") { Description = "Run name (the output folder's last component)." };
        var dataPath = new Option<string?>("--data-path") { Description = "Dataset folder (Fashion-MNIST: Debian's /usr/share/datasets/fashion-mnist by default)." };
        var outputBase = new Option<string?>("--output-basedir") { Description = "Where runs are written (default ./runs); a run with a checkpoint there resumes." };
        var memory = new Option<int?>("--memory-size") { Description = "Rehearsal memory: total number of stored images (global, whatever the device count)." };
        var epochs = new Option<int?>("--epochs") { Description = "Epochs of the incremental tasks." };
        var baseEpochs = new Option<int?>("--base-epochs") { Description = "Epochs of the first task." };
        var batch = new Option<int?>("--batch-size") { Description = "Batch size (first and incremental tasks)." };
        var seed = new Option<int?>("--seed") { Description = "The one seed of every random stream." };
        var device = new Option<string?>("--device") { Description = "cpu or cuda (default: the option files' device key if one sets it, else cpu)." };
        var method = new Option<string>("--method") { Description = "dytox (default), naive (fine-tuning lower bound) or joint (upper bound).", DefaultValueFactory = _ => "dytox" };
        var dtype = new Option<string>("--dtype") { Description = "float32 (default) or float64 (reference precision).", DefaultValueFactory = _ => "float32" };
        var fraction = new Option<double?>("--train-fraction") { Description = "Use this fraction of each task's training images (per class); option key train_fraction." };
        var order = new Option<int?>("--class-order") { Description = "Which class order of the data options to use (0-based). Default: every order of class_order, one run each (<name>-order<i>) and a report over them, like the original's trials; a single order runs as <name>." };
        var set = new Option<string[]>("--set") { Description = "Override any option: --set key=value (YAML value syntax).", AllowMultipleArgumentsPerToken = true };
        var quiet = new Option<bool>("--quiet") { Description = "Only task-level lines." };
        var tf32 = new Option<bool>("--tf32") { Description = "CUDA: run the GEMMs on TF32 tensor cores (cuBLAS FAST_TF32: inputs rounded to 10 mantissa bits, float32 accumulation; PyTorch's allow_tf32). Off by default: float32 throughout." };
        var bf16 = new Option<bool>("--bf16-gemm") { Description = "CUDA: run the GEMMs on bfloat16 tensor cores (cuBLAS FAST_16BF: inputs rounded to bfloat16, float32 accumulation and outputs; the GEMM half of a bf16 autocast). Off by default: float32 throughout." };
        var devicesOption = new Option<int?>("--devices") { Description = "Data parallelism over N devices, one replica each, run at once (world_size becomes N, the original's one process per GPU): GPUs 0..N-1 with --device cuda, N CPU backends with --device cpu (they share the cores: a device-independence check, not a speed-up). The same bits as world_size N on one device." };
        var gpsaCores = new Option<bool?>("--gpsa-tensor-cores") { Description = "CUDA: GPSA attention on the tensor-core kernels (true: v4 up to 64 tokens, v6 up to 256) or on v3/v2 (false). Default: the backend's (DYTOX_GPSA_TENSOR_CORES=1 turns them on)." };
        var cacheDir = new Option<string?>("--imagenet-cache-dir") { Description = "ImageNet: folder of the packed image caches (default <data_path>/.dytox-cache, or ~/.cache/dytox/imagenet if data_path is read-only)." };
        var cacheSize = new Option<int>("--imagenet-cache-size") { Description = "ImageNet: shorter side S of the cached images, Resize(S) keeping the aspect ratio (default 256, the original's test resize; needs S >= input_size).", DefaultValueFactory = _ => 256 };

        var command = new Command("train", "Train DyTox class-incrementally and report Avg and Last accuracy.");
        foreach (var o in new Option[] { options, name, dataPath, outputBase, memory, epochs, baseEpochs, batch, seed, device, devicesOption, method, dtype, fraction, order, set, quiet, tf32, bf16, gpsaCores, cacheDir, cacheSize })
            command.Options.Add(o);
        command.SetAction(parse =>
        {
            try
            {
                var o = LoadOptions(parse.GetValue(options) ?? []);
                void Override(string key, object? value) { if (value is not null) o.Set(key, Convert.ToString(value, CultureInfo.InvariantCulture)!); }
                Override("name", parse.GetValue(name));
                Override("data_path", parse.GetValue(dataPath));
                Override("output_basedir", parse.GetValue(outputBase));
                Override("memory_size", parse.GetValue(memory));
                Override("epochs", parse.GetValue(epochs));
                Override("base_epochs", parse.GetValue(baseEpochs));
                if (parse.GetValue(batch) is int b) { Override("batch_size", b); Override("incremental_batch_size", b); }
                Override("seed", parse.GetValue(seed));
                Override("train_fraction", parse.GetValue(fraction));
                foreach (var kv in parse.GetValue(set) ?? [])
                {
                    int eq = kv.IndexOf('=');
                    if (eq <= 0) throw new OptionsException($"--set expects key=value, got \"{kv}\".");
                    o.Set(kv[..eq], kv[(eq + 1)..]);
                }
                int deviceCount = parse.GetValue(devicesOption) ?? 1;
                if (deviceCount < 1) throw new ArgumentException($"--devices {deviceCount} must be at least 1.");
                if (deviceCount > 1)
                {
                    // One replica per device: world_size is the device count, as the original's launcher makes it.
                    if (o.SourceOf("world_size") != "default" && o.WorldSize != deviceCount)
                        throw new ArgumentException($"--devices {deviceCount} runs one replica per device, but world_size is {o.WorldSize} ({o.SourceOf("world_size")}); drop one or make them equal.");
                    o.Set("world_size", deviceCount.ToString(CultureInfo.InvariantCulture));
                }
                o.EnsureValid();
                var imageNet = ImageNetCache(parse.GetValue(cacheDir), parse.GetValue(cacheSize));
                // The original's device key (its default is cuda) is honoured when a file sets it; the flag wins; else the CPU.
                string deviceName = parse.GetValue(device) ?? (o.SourceOf("device") == "default" ? "cpu" : o.Device);
                if (parse.GetValue(tf32) && parse.GetValue(bf16)) throw new ArgumentException("--tf32 and --bf16-gemm exclude each other: choose one GEMM format.");
                var gemm = parse.GetValue(tf32) ? GemmMath.Tf32 : parse.GetValue(bf16) ? GemmMath.Bf16 : GemmMath.Float32;
                return Run(o, parse.GetValue(method)!, deviceName, deviceCount, parse.GetValue(dtype)!, parse.GetValue(order), parse.GetValue(quiet), gemm,
                           parse.GetValue(gpsaCores), imageNet);
            }
            catch (Exception e) when (e is OptionsException or DatasetFormatException or IOException or UnauthorizedAccessException
                                          or ArgumentException or InvalidDataException or NotSupportedException or DeviceUnavailableException)
            {
                Console.Error.WriteLine($"dytox train: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    internal static DyToxOptions LoadOptions(string[] files)
    {
        var o = new DyToxOptions();
        if (files.Length == 0) files = [EmbeddedOptions.DefaultData, EmbeddedOptions.DefaultModel];
        foreach (var file in files)
        {
            if (File.Exists(file)) OptionsLoader.ApplyFile(o, file);
            else if (EmbeddedOptions.TryRead(file) is { } yaml) OptionsLoader.ApplyYaml(o, yaml, "options/" + file);
            else throw new FileNotFoundException($"option file \"{file}\" does not exist (shipped files: {string.Join(", ", EmbeddedOptions.Names())}).", file);
        }
        return o;
    }

    /// <summary>ImageNet cache settings; a build prints its progress about every 10 seconds.</summary>
    internal static ImageNetCacheOptions ImageNetCache(string? directory, int size)
    {
        if (size <= 0) throw new ArgumentException($"--imagenet-cache-size {size} must be positive.");
        var lastPrint = System.Diagnostics.Stopwatch.StartNew();
        return new ImageNetCacheOptions
        {
            ImageSize = size,
            CacheDirectory = string.IsNullOrEmpty(directory) ? null : directory,
            Log = line => Console.WriteLine(line),
            Progress = p =>
            {
                if (p.Done < p.Total && lastPrint.Elapsed.TotalSeconds < 10) return;
                lastPrint.Restart();
                Console.WriteLine(FormattableString.Invariant(
                    $"  {Path.GetFileName(p.CachePath)}: {p.Done}/{p.Total} images ({100.0 * p.Done / p.Total:F1}%), {p.ImagesPerSecond:F0} images/s, {p.Elapsed:hh\\:mm\\:ss}"));
            },
        };
    }

    private static int Run(DyToxOptions o, string methodName, string deviceName, int deviceCount, string dtypeName, int? orderIndex, bool quiet, GemmMath gemm,
                           bool? gpsaTensorCores, ImageNetCacheOptions imageNet)
    {
        var method = methodName.ToLowerInvariant() switch
        {
            "dytox" => ContinualMethod.DyTox,
            "naive" or "finetune" => ContinualMethod.Naive,
            "joint" => ContinualMethod.Joint,
            _ => throw new ArgumentException($"--method \"{methodName}\" is unknown; expected dytox, naive or joint."),
        };
        var dtype = dtypeName.ToLowerInvariant() switch
        {
            "float32" or "f32" => DType.Float32,
            "float64" or "f64" => DType.Float64,
            _ => throw new ArgumentException($"--dtype \"{dtypeName}\" is unknown; expected float32 or float64."),
        };
        var opened = Devices.OpenMany(deviceName, deviceCount, dtype, gemm, gpsaTensorCores);
        using var release = new DisposeAll(opened);
        var devices = opened.Select(d => d.Backend).ToArray();
        var backend = devices[0];

        string dataPath = string.IsNullOrEmpty(o.DataPath) ? "" : o.DataPath;
        var train = DatasetCatalog.Load(o.DataSet, dataPath, DatasetSplit.Train, imageNet);
        using var trainMapping = train as IDisposable; // ImageNet's memory-mapped caches
        var test = DatasetCatalog.Load(o.DataSet, dataPath, DatasetSplit.Test, imageNet);
        using var testMapping = test as IDisposable;

        string runName = string.IsNullOrEmpty(o.Name) ? $"{methodName.ToLowerInvariant()}-seed{o.Seed}" : o.Name;
        string baseDir = o.OutputBasedir is "" or "./checkponts/" ? "runs" : o.OutputBasedir;
        string category = Path.Combine(baseDir, o.DataSet.ToLowerInvariant(), o.LogCategory);
        // Like the original's trials: without --class-order every order of class_order is run, one folder each.
        int[] orders = orderIndex is int chosen ? [chosen] : Enumerable.Range(0, Math.Max(1, o.ClassOrder?.Count ?? 1)).ToArray();
        var outputs = new List<string>();
        foreach (int index in orders)
        {
            string output = Path.Combine(category, orders.Length > 1 ? $"{runName}-order{index}" : runName);
            TrainOne(o, method, devices, dtype, train, test, index, output, quiet, gemm);
            outputs.Add(output);
        }
        if (outputs.Count > 1)
        {
            var report = ResultsReport.Build(outputs.Select(RunFolderReader.Read).ToArray(), [runName]);
            string reportDir = Path.Combine(category, $"{runName}-orders");
            ReportFiles.Write(report, reportDir);
            Console.WriteLine();
            Console.Write(ReportMarkdown.Render(report));
            Console.WriteLine($"Report over the {outputs.Count} class orders: {reportDir}");
        }
        return 0;
    }

    /// <summary>Trains one run (one class order) into <paramref name="output"/>, resuming from its checkpoint, and writes its result files.</summary>
    private static void TrainOne(DyToxOptions o, ContinualMethod method, IBackend[] devices, DType dtype, ImageDataset train, ImageDataset test,
                                 int orderIndex, string output, bool quiet, GemmMath gemm)
    {
        var backend = devices[0];
        var scenario = DatasetCatalog.Scenario(o, train, test, orderIndex);
        if (method == ContinualMethod.Joint)
            scenario = new ClassIncrementalScenario(train, test, scenario.ClassCount, scenario.ClassCount, scenario.ClassOrder);
        string runName = Path.GetFileName(output);
        var settings = TrainerSettingsMapper.Settings(o, method, output);
        RunConfigFile.Write(output, o, orderIndex, method.ToString().ToLowerInvariant(), scenario.TaskCount,
                            compute: $"{(backend.Device.Kind == DeviceKind.Cpu ? $"cpu ({Environment.ProcessorCount} threads)" : backend.Name)}, " +
                                     $"{dtype.ToString().ToLowerInvariant()}, gemm {gemm}" +
                                     (backend is DyTox.Kernels.Backend.CudaBackend { GpsaTensorCores: true } ? ", GPSA tensor cores" : "") +
                                     (devices.Length > 1 ? $", {devices.Length} devices" : "")); // the run folder says what produced it (inspect and report read it)

        var normalizer = DatasetCatalog.DefaultNormalizer(o.DataSet, train);
        var trainPreset = string.IsNullOrEmpty(o.Aa) ? AugmentationPreset.Basic : AugmentationPreset.DyTox;
        bool imageNetData = DatasetCatalog.IsImageNet(o.DataSet);
        // The test transform centre-crops input_size out of every cached image, whose shorter side is S.
        if (imageNetData && (train.Height < o.InputSize || train.Width < o.InputSize))
            throw new ArgumentException($"input_size {o.InputSize} is larger than the shorter side {Math.Min(train.Height, train.Width)} of the cached ImageNet images; raise --imagenet-cache-size.");
        // ImageNet: RandomResizedCrop / CenterCrop from the cached shorter-side-S images to input_size; the small data sets keep crop-with-padding.
        var erasing = TrainerSettingsMapper.RandomErasing(o);
        var randAugment = trainPreset == AugmentationPreset.DyTox ? RandAugmentOptions.Parse(o.Aa!) : null;
        double colorJitter = trainPreset == AugmentationPreset.Basic ? o.ColorJitter : 0; // timm: only without auto-augment
        var trainTransform = imageNetData
            ? AugmentationPipeline.WithResizedCrop(trainPreset, normalizer, o.InputSize, randAugment, erasing: erasing, colorJitter: colorJitter)
            : new AugmentationPipeline(trainPreset, normalizer, randAugment: randAugment, erasing: erasing, colorJitter: colorJitter);
        var testTransform = imageNetData
            ? AugmentationPipeline.WithResizedCrop(AugmentationPreset.None, normalizer, o.InputSize)
            : new AugmentationPipeline(AugmentationPreset.None, normalizer);

        // A console bound to the current Console.Out (Spectre's static one caches the first writer it sees).
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        console.MarkupLine(Markup.Escape($"DyTox.Native train: {method} on {scenario.Describe()}"));
        console.MarkupLine(Markup.Escape($"  backend {backend.Name}, {dtype}{gemm switch { GemmMath.Tf32 => " (GEMMs in TF32)", GemmMath.Bf16 => " (GEMMs on bfloat16 tensor cores)", _ => "" }}{(backend is DyTox.Kernels.Backend.CudaBackend { GpsaTensorCores: true } ? ", GPSA on tensor cores" : "")}, model D={settings.Model.EmbedDim} H={settings.Model.NumHeads} " +
                                             $"{settings.Model.SelfAttentionBlocks} SAB + {settings.Model.TaskAttentionBlocks} TAB, memory {(method == ContinualMethod.DyTox ? settings.MemorySize : 0)}, output {output}"));
        if (!o.NoAmp && o.SourceOf("no_amp") != "default")
            console.MarkupLine(Markup.Escape($"  note: no_amp: false ({o.SourceOf("no_amp")}) asks for mixed precision; this implementation computes in {dtype}" +
                                             (gemm == GemmMath.Bf16 ? ", with the GEMMs on bfloat16 tensor cores (--bf16-gemm)." : " throughout (on CUDA, --bf16-gemm runs the GEMMs in bfloat16).")));
        if (settings.WorldSize > 1)
            console.MarkupLine(Markup.Escape($"  world_size {settings.WorldSize}: global batch {settings.WorldSize} × {settings.BatchSize} (tasks ≥ 1: × {settings.IncrementalBatchSize}), " +
                                             (devices.Length > 1 ? $"one replica per device ({devices.Length} devices, run at once)" : "the replicas run in turn on this device") +
                                             $"; lr {settings.ScaledLearningRate(0):G4}"));
        if (settings.Debug) console.MarkupLine(Markup.Escape("  debug: one batch per epoch"));
        using var trainer = new ContinualTrainer(settings, scenario, backend, dtype, trainTransform, testTransform, new ConsoleProgress(console, quiet),
                                                 devices.Length > 1 ? devices : null);
        var history = trainer.Run();

        Console.WriteLine();
        Console.WriteLine(SummaryTableRenderer.Render(history, $"{method} on {o.DataSet} ({scenario.TaskCount} tasks)"));
        DyToxJsonLogWriter.AppendSummaryOnce(Path.Combine(output, "log.jsonl"), history);
        var results = RunResultFiles.Write(output, history, $"{runName}: {method} on {o.DataSet}, {scenario.TaskCount} tasks");
        Console.WriteLine($"Results: {string.Join(", ", results.Select(p => Path.GetRelativePath(output, p)))} in {output}");
        Console.WriteLine(FormattableString.Invariant($"Avg: {history.AverageIncrementalAccuracy:F2}  Last: {history.Last:F2}"));
    }
}
