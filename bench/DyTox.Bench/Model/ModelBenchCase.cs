using DyTox.Model;

namespace DyTox.Bench.Model;

/// <summary>A model configuration with the batch it is benchmarked at (the PyTorch reference used the same sizes).</summary>
public sealed record ModelBenchCase(string Name, DyToxConfig Config, int Batch, int ClassesPerTask)
{
    public static ModelBenchCase Cifar { get; } = new("cifar", DyToxConfig.Cifar, 32, 10);
    public static ModelBenchCase FashionMnistSmall { get; } = new("fmnist-small", DyToxConfig.FashionMnistSmall, 64, 2);

    public static IEnumerable<ModelBenchCase> All => [Cifar, FashionMnistSmall];

    public override string ToString() => $"{Name} B={Batch}";
}
