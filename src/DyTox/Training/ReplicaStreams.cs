using DyTox.Autograd;
using DyTox.Model;
using DyTox.Tensor;

namespace DyTox.Training;

/// <summary>
/// The random streams of one epoch's data-parallel replicas (<see cref="TrainerSettings.WorldSize"/>): replica
/// r draws its MixUp λ and its drop-path masks from streams of its own, keyed by (task, phase, epoch, module,
/// rank), as R processes seeded by rank would. Replica 0's streams are those of a one-replica run, so world
/// size 1 draws exactly what it always drew. The model has one set of drop-path modules; <see cref="Enter"/>
/// gives them replica r's stream positions and <see cref="Leave"/> keeps where they got to.
/// (Augmentations need no stream here: each sample's comes from its position in the whole epoch.)
/// </summary>
internal sealed class ReplicaStreams
{
    private readonly DropPath[] modules;
    private readonly Rng[][] dropPath; // [rank][module]

    public ReplicaStreams(DyToxModel model, Rng root, int t, TrainerPhase phase, int epoch, int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        var named = model.NamedModules().Where(m => m.Module is DropPath).ToArray();
        modules = Array.ConvertAll(named, m => (DropPath)m.Module);
        dropPath = new Rng[replicas][];
        MixUp = new Rng[replicas];
        for (int r = 0; r < replicas; r++)
        {
            string rank = r == 0 ? "" : $"/rank{r}";
            dropPath[r] = Array.ConvertAll(named, m => root.Fork($"droppath/{t}/{(int)phase}/{epoch}/{m.Name}{rank}"));
            MixUp[r] = root.Fork($"mixup/{t}/{(int)phase}/{epoch}{rank}");
        }
    }

    public int Replicas => MixUp.Length;

    /// <summary>Replica r's MixUp stream.</summary>
    public Rng[] MixUp { get; }

    /// <summary>Points the model's drop-path modules at replica <paramref name="rank"/>'s streams.</summary>
    public void Enter(int rank)
    {
        for (int m = 0; m < modules.Length; m++) modules[m].Rng.ResetTo(dropPath[rank][m]);
    }

    /// <summary>Keeps replica <paramref name="rank"/>'s stream positions after its forward passes.</summary>
    public void Leave(int rank)
    {
        for (int m = 0; m < modules.Length; m++) dropPath[rank][m].ResetTo(modules[m].Rng);
    }
}
