using DyTox.Data;
using DyTox.Options;

namespace DyTox.Model.Tests.Data;

public class DatasetCatalogTests
{
    [Test]
    public void FashionMnistScenarioFromTheShippedOptions()
    {
        if (!File.Exists(Path.Combine(FashionMnist.DebianDirectory, "train-images-idx3-ubyte.gz")))
        {
            Assert.Ignore("dataset-fashion-mnist is not installed");
        }
        var o = OptionsLoader.Load(OptionFiles.Path("data/fmnist_2-2.yaml"), OptionFiles.Path("model/fmnist_dytox.yaml"));
        var train = DatasetCatalog.Load(o.DataSet, o.DataPath, DatasetSplit.Train);
        var test = DatasetCatalog.Load(o.DataSet, o.DataPath, DatasetSplit.Test);
        var scenario = DatasetCatalog.Scenario(o, train, test);
        Assert.That(scenario.TaskCount, Is.EqualTo(5));
        Assert.That(scenario.TrainSubset(0).Count, Is.EqualTo(12_000));
        Assert.That(scenario.TestSubsetUpTo(4).Count, Is.EqualTo(10_000));
        Assert.That(scenario.Task(0).OriginalClassIds, Is.EqualTo(new[] { 2, 8 }));
        var norm = DatasetCatalog.DefaultNormalizer(o.DataSet, train);
        Assert.That(norm.Mean[0], Is.EqualTo(0.286).Within(0.001)); // Fashion-MNIST training mean
        Assert.That(norm.Std[0], Is.EqualTo(0.353).Within(0.001));
    }

    [Test]
    public void SyntheticAndErrors()
    {
        var train = DatasetCatalog.Load("synthetic", "", DatasetSplit.Train);
        Assert.That(train.Count, Is.EqualTo(1000));
        Assert.That(() => DatasetCatalog.Load("imagenet100", "/no/imagenet", DatasetSplit.Train),
            Throws.TypeOf<DirectoryNotFoundException>().With.Message.StartsWith("/no/imagenet:").And.Message.Contains("train/"));
        Assert.That(() => DatasetCatalog.Load("imagenet1000", "", DatasetSplit.Train),
            Throws.ArgumentException.With.Message.Contains("needs data_path"));
        Assert.That(() => DatasetCatalog.Load("CIFAR", "", DatasetSplit.Train),
            Throws.ArgumentException.With.Message.Contains("needs data_path"));
        Assert.That(() => DatasetCatalog.Load("svhn", "", DatasetSplit.Train),
            Throws.ArgumentException.With.Message.Contains("unknown data_set \"svhn\""));
        var o = new DyToxOptions { InitialIncrement = 5, Increment = 5 };
        o.Set("class_order", "[[0,1,2,3,4,5,6,7,8,9]]");
        Assert.That(() => DatasetCatalog.Scenario(o, train, train, 1), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(DatasetCatalog.Scenario(o, train, train).TaskCount, Is.EqualTo(2));
    }
}
