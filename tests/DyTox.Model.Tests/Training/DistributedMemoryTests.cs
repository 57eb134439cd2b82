using DyTox.Data.Augmentation;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;
using DyTox.Training;
using static DyTox.Model.Tests.Training.TrainerTests;

namespace DyTox.Model.Tests.Training;

/// <summary>
/// distributed_memory (the original's default, whose effective budget its erratum corrects): with world_size R every rank
/// keeps a memory of its own, herded from the whole task under its own augmentations, and trains on it alone.
/// </summary>
[TestFixture]
public class DistributedMemoryTests
{
    private static TrainerSettings TwoRanks(bool distributed, string? output = null) => Settings(output: output) with
    {
        BaseEpochs = 1, IncrementalEpochs = 2, FinetuningEpochs = 2, WorldSize = 2, BatchSize = 16, IncrementalBatchSize = 16,
        DistributedMemory = distributed,
    };

    // Random crops and flips, so that the ranks' herding features (training augmentation) differ.
    private static ContinualTrainer Trainer(TrainerSettings settings, ITrainingObserver? observer = null, IReadOnlyList<IBackend>? devices = null)
    {
        var scenario = Scenario();
        var normalizer = ImageNormalizer.FromDatasetStatistics(scenario.Train);
        return new ContinualTrainer(settings, scenario, devices?[0] ?? CpuBackend.Instance, DType.Float32,
                                    new AugmentationPipeline(AugmentationPreset.Basic, normalizer, padding: 1),
                                    new AugmentationPipeline(AugmentationPreset.None, normalizer), observer, devices);
    }

    private static (Dictionary<string, double[]> Weights, int[][] Memories) Run(TrainerSettings settings, ITrainingObserver? observer = null,
                                                                                 IReadOnlyList<IBackend>? devices = null)
    {
        using var trainer = Trainer(settings, observer, devices);
        trainer.Run();
        return (Weights(trainer.Model), trainer.Memories.Select(m => m.Entries.Select(e => e.DatasetIndex).ToArray()).ToArray());
    }

    [Test]
    public void EachRankHerdsAMemoryOfItsOwnOfTheFullBudget()
    {
        var (global, globalMemories) = Run(TwoRanks(distributed: false));
        var (distributed, memories) = Run(TwoRanks(distributed: true));
        Assert.That(globalMemories, Has.Length.EqualTo(1));
        Assert.That(memories, Has.Length.EqualTo(2));
        Assert.That(memories.Select(m => m.Length), Is.All.EqualTo(24), "each rank stores the whole budget");
        Assert.That(memories[1], Is.Not.EqualTo(memories[0]), "herded under other augmentations");
        Assert.That(memories[0].Intersect(memories[1]).Count(), Is.GreaterThan(0), "the same classes' most typical images overlap");
        // Each rank's memory holds the same classes with the same quota.
        using (var trainer = Trainer(TwoRanks(distributed: true) with { MaxTasks = 1 }))
        {
            trainer.Run();
            var perClass = trainer.Memories.Select(m => m.StoredClasses.Order().Select(c => m.EntriesOfClass(c).Count).ToArray()).ToArray();
            Assert.That(perClass[1], Is.EqualTo(perClass[0]));
        }
        Assert.That(distributed["sabs.0.attn.qk.weight"], Is.Not.EqualTo(global["sabs.0.attn.qk.weight"]), "rank 1 trains on its own exemplars");
        var (again, _) = Run(TwoRanks(distributed: true));
        foreach (var (name, w) in distributed) Assert.That(again[name], Is.EqualTo(w), name);
    }

    [Test]
    public void TwoDevicesGiveTheBitsOfTheRanksTakingTurns()
    {
        var (inTurn, memories) = Run(TwoRanks(distributed: true));
        var (atOnce, deviceMemories) = Run(TwoRanks(distributed: true), devices: [CpuBackend.Instance, new CpuBackend()]);
        Assert.That(deviceMemories, Is.EqualTo(memories));
        foreach (var (name, w) in inTurn) Assert.That(atOnce[name], Is.EqualTo(w), name);
    }

    [Test]
    public void ARunStoppedMidTaskResumesWithEveryRanksMemory()
    {
        AssertStoppedRunResumesToTheSameBits(TwoRanks(distributed: true), task: 1, epoch: 0, make: (s, observer) => Trainer(s, observer));
        string dir = Path.Combine(Path.GetTempPath(), "dytox-distmem-" + Guid.NewGuid().ToString("N"));
        try
        {
            var settings = TwoRanks(distributed: true, dir);
            var (_, memories) = Run(settings);
            Assert.That(File.Exists(Path.Combine(dir, TaskSnapshots.FolderName, "task1", "memory.rank1.json")), "the task snapshot keeps rank 1's memory");
            Assert.That(Run(settings).Memories, Is.EqualTo(memories), "a finished run restores every rank's memory");
            File.Delete(Path.Combine(dir, "checkpoint", "memory.rank1.json"));
            Assert.That(() => Run(settings), Throws.InstanceOf<InvalidDataException>().With.Message.Contain("memory.rank1.json"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void OneRankHasOneMemory() =>
        Assert.That(() => (Settings() with { DistributedMemory = true }).Validate(), Throws.ArgumentException.With.Message.Contain("world size > 1"));
}
