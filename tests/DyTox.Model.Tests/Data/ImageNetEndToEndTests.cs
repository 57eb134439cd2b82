using DyTox.Cli;
using DyTox.Model.Tests.Cli;
using DyTox.Data;
using DyTox.Data.Augmentation;
using DyTox.Options;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;
using DyTox.Training;

namespace DyTox.Model.Tests.Data;

/// <summary>ImageNet from JPEG folders to normalised model inputs, and the <c>train</c> command on it.</summary>
public class ImageNetEndToEndTests
{
    [Test]
    public void ShippedImageNet100OptionsGiveTasksAndCroppedInputs()
    {
        using var tree = new ImageNetTree();
        for (int k = 0; k < 100; k++)
        {
            byte[] jpeg = ImageNetTree.Solid(30 + k % 7, 24 + k % 5, ImageNetTree.ClassColour(k), gray: k % 10 == 3);
            tree.WriteFile($"train/{ImageNetTree.Wnid(k)}/t.JPEG", jpeg);
            tree.WriteFile($"val/{ImageNetTree.Wnid(k)}/v.JPEG", jpeg);
        }
        var o = OptionsLoader.Load(OptionFiles.Path("data/imagenet100_10-10.yaml"), OptionFiles.Path("data/imagenet100_order1.yaml"),
            OptionFiles.Path("model/imagenet_dytox.yaml"));
        var cacheOptions = new ImageNetCacheOptions { ImageSize = 64, MaxDegreeOfParallelism = 2 };
        using var train = (PackedImageCache)DatasetCatalog.Load(o.DataSet, tree.Root, DatasetSplit.Train, cacheOptions);
        using var test = (PackedImageCache)DatasetCatalog.Load(o.DataSet, tree.Root, DatasetSplit.Test, cacheOptions);
        Assert.That(train.Path, Is.EqualTo(Path.Combine(tree.Root, ".dytox-cache", "imagenet100-train-64.u8")));
        var scenario = DatasetCatalog.Scenario(o, train, test);
        Assert.That(scenario.TaskCount, Is.EqualTo(10));
        Assert.That(scenario.Task(0).OriginalClassIds, Is.EqualTo(new[] { 68, 56, 78, 8, 23, 84, 90, 65, 74, 76 }));
        var normalizer = DatasetCatalog.DefaultNormalizer(o.DataSet, train);
        Assert.That(normalizer.Mean, Is.EqualTo(ImageNormalizer.ImageNetMean));

        // input_size 224 in the file; this test crops 56 out of the 64-pixel cache.
        const int Input = 56;
        var trainTransform = AugmentationPipeline.WithResizedCrop(AugmentationPreset.DyTox, normalizer, Input);
        var testTransform = AugmentationPipeline.WithResizedCrop(AugmentationPreset.None, normalizer, Input);
        var subset = scenario.TrainSubset(0);
        int[] positions = Enumerable.Range(0, subset.Count).ToArray();
        var assembler = new BatchAssembler(trainTransform, 3, Input, Input, CpuBackend.Instance, DType.Float32);
        var a = new float[subset.Count * 3 * Input * Input];
        var b = new float[a.Length];
        assembler.FillHost(subset, positions, seed: 1, epoch: 0, firstPosition: 0, a);
        assembler.FillHost(subset, positions, seed: 1, epoch: 0, firstPosition: 0, b);
        Assert.That(a, Is.EqualTo(b), "same seed, same bits");
        Assert.That(a.All(float.IsFinite));

        // The test transform of a solid image is its colour, normalised with ImageNet's statistics.
        var testSubset = scenario.TestSubset(0);
        var evalAssembler = new BatchAssembler(testTransform, 3, Input, Input, CpuBackend.Instance, DType.Float32);
        var e = new float[testSubset.Count * 3 * Input * Input];
        evalAssembler.FillHost(testSubset, Enumerable.Range(0, testSubset.Count).ToArray(), 1, 0, 0, e);
        int plane = Input * Input;
        for (int i = 0; i < testSubset.Count; i++)
        {
            int original = test.Labels[testSubset.Indices[i]];
            var colour = ImageNetTree.ClassColour(original);
            byte[] rgb = original % 10 == 3 ? [colour.R, colour.R, colour.R] : [colour.R, colour.G, colour.B];
            for (int c = 0; c < 3; c++)
            {
                float expected = (rgb[c] / 255f - ImageNormalizer.ImageNetMean[c]) / ImageNormalizer.ImageNetStd[c];
                float centre = e[(i * 3 + c) * plane + plane / 2 + Input / 2];
                Assert.That(centre, Is.EqualTo(expected).Within(3 / 255f / ImageNormalizer.ImageNetStd[c]), $"class {original}, channel {c}");
            }
        }
        Assert.That(() => new BatchAssembler(testTransform, 3, 64, 64, CpuBackend.Instance, DType.Float32)
                .FillHost(testSubset, [0], 1, 0, 0, new float[3 * 64 * 64]),
            Throws.ArgumentException.With.Message.Contains("transformed to 56×56"));
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(TrainCommand.Create(), args);
}

/// <summary>The <c>train</c> command on an ImageNet-100-layout folder (split lists, JPEGs).</summary>
[TestFixture]
[NonParallelizable] // redirects Console
public class ImageNetTrainCommandTests
{
    // The CLI tests' tiny model on ImageNet-100 folders, in batches of 16 with a memory of 10.
    private static readonly string TinyImageNet = CliRunner.TinySynthetic
        .Replace("data_set: synthetic", "data_set: imagenet100").Replace("batch_size: 32", "batch_size: 16").Replace("memory_size: 20", "memory_size: 10");

    [Test]
    public void TrainsOnAnImageNetFolderBuildingTheCacheFirst()
    {
        using var tree = new ImageNetTree();
        var trainLines = new List<string>();
        var valLines = new List<string>();
        for (int k = 0; k < 10; k++)
        {
            for (int i = 0; i < 3; i++)
            {
                string path = $"train/{ImageNetTree.Wnid(k)}/{ImageNetTree.Wnid(k)}_{i}.JPEG";
                tree.WriteFile(path, ImageNetTree.Solid(48 + 8 * i, 40, ImageNetTree.ClassColour(k)));
                trainLines.Add($"{path} {k}");
            }
            string val = $"val/{ImageNetTree.Wnid(k)}/ILSVRC2012_val_{k:D8}.JPEG";
            tree.WriteFile(val, ImageNetTree.Solid(44, 50, ImageNetTree.ClassColour(k)));
            valLines.Add($"{val} {k}");
        }
        tree.WriteText("train_100.txt", trainLines);
        tree.WriteText("val_100.txt", valLines);
        tree.WriteText("tiny.yaml", [TinyImageNet]);
        string runs = Path.Combine(tree.Root, "runs");

        var (code, output, error) = Run("--options", Path.Combine(tree.Root, "tiny.yaml"), "--data-path", tree.Root,
            "--imagenet-cache-size", "40", "--output-basedir", runs, "--name", "t", "--seed", "2", "--quiet");
        Assert.That(code, Is.Zero, error);
        Assert.That(output, Does.Contain("imagenet100-train-40: building cache").And.Contain("Avg:"));
        Assert.That(output, Does.Contain("imagenet100-train-40.u8: 30/30 images"));
        Assert.That(File.Exists(Path.Combine(tree.Root, ".dytox-cache", "imagenet100-val-40.u8")));

        var (tooSmall, _, error2) = Run("--options", Path.Combine(tree.Root, "tiny.yaml"), "--data-path", tree.Root,
            "--imagenet-cache-size", "24", "--output-basedir", runs, "--name", "u");
        Assert.That(tooSmall, Is.EqualTo(2));
        Assert.That(error2, Does.Contain("input_size 32 is larger than the shorter side 24 of the cached ImageNet images"));
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(TrainCommand.Create(), args);
}
