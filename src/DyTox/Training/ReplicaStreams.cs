using DyTox.Autograd;
using DyTox.Model;
using DyTox.Tensor;

namespace DyTox.Training;

/// <summary>
/// The random streams of one epoch's data-parallel replicas (<see cref="TrainerSettings.WorldSize"/>): replica
/// r draws its MixUp λ and its drop-path masks from streams of its own, keyed by (task, phase, epoch, module,
/// rank), as R processes seeded by rank would. Replica 0's streams are those of a one-replica run, so world
/// size 1 draws exactly what it always drew. Replica r runs <c>models[r]</c>: the one model for every rank when the
/// replicas take turns on one device, or each device's copy; <see cref="Enter"/> gives its drop-path modules
/// replica r's stream positions and <see cref="Leave"/> keeps where they got to. Ranks touch only their own
/// streams and modules, so replicas on several devices may run at once.
/// (Augmentations need no stream here: each sample's comes from its position in the whole epoch.)
/// </summary>
internal sealed class ReplicaStreams
{
    private readonly DropPath[][] modules;   // [rank][module]
    private readonly Rng[][] dropPath;       // [rank][module]

    public ReplicaStreams(IReadOnlyList<DyToxModel> models, Rng root, int t, TrainerPhase phase, int epoch)
    {
        int replicas = models.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        var named = models[0].NamedModules().Where(m => m.Module is DropPath).Select(m => m.Name).ToArray();
        modules = new DropPath[replicas][];
        dropPath = new Rng[replicas][];
        MixUp = new Rng[replicas];
        for (int r = 0; r < replicas; r++)
        {
            var own = models[r].NamedModules().Where(m => m.Module is DropPath).ToArray();
            if (!own.Select(m => m.Name).SequenceEqual(named))
                throw new ArgumentException($"replica {r}'s drop-path modules differ from replica 0's.", nameof(models));
            modules[r] = Array.ConvertAll(own, m => (DropPath)m.Module);
            string rank = r == 0 ? "" : $"/rank{r}";
            dropPath[r] = Array.ConvertAll(named, name => root.Fork($"droppath/{t}/{(int)phase}/{epoch}/{name}{rank}"));
            MixUp[r] = root.Fork($"mixup/{t}/{(int)phase}/{epoch}{rank}");
        }
    }

    public int Replicas => MixUp.Length;

    /// <summary>Replica r's MixUp stream.</summary>
    public Rng[] MixUp { get; }

    /// <summary>Points replica <paramref name="rank"/>'s drop-path modules at its streams.</summary>
    public void Enter(int rank)
    {
        for (int m = 0; m < modules[rank].Length; m++) modules[rank][m].Rng.ResetTo(dropPath[rank][m]);
    }

    /// <summary>Keeps replica <paramref name="rank"/>'s stream positions after its forward passes.</summary>
    public void Leave(int rank)
    {
        for (int m = 0; m < modules[rank].Length; m++) dropPath[rank][m].ResetTo(modules[rank][m].Rng);
    }
}
