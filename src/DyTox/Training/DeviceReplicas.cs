using DyTox.Autograd;
using DyTox.Model;
using DyTox.Tensor;

namespace DyTox.Training;

/// <summary>
/// The other devices of a data-parallel run with one replica per device (world_size devices, as the original's one
/// process per GPU). Rank 0 is the trainer's own model on its own backend; rank r ≥ 1 keeps an exact copy of the model
/// and of the KD teacher on device r, a batch assembler that uploads there, and the map from the model's parameters
/// to its copies. The trainer mirrors the model into the replicas whenever its structure, trainable set or modes
/// change (at the start of every training phase) and broadcasts the trainable weights after every optimizer step and
/// SAM perturbation, so every replica starts each pass with rank 0's bits. Everything here runs on the trainer's
/// thread; only the replicas' own forward and backward passes run on threads of their own.
/// </summary>
internal sealed class DeviceReplicas : IDisposable
{
    private readonly IReadOnlyList<IBackend> devices;
    private readonly BatchAssembler[] images;
    private readonly DyToxModel?[] models, teachers;
    private readonly Dictionary<Parameter, Parameter>[] copies;

    /// <param name="devices">The device of each rank; <c>devices[0]</c> is the trainer's backend.</param>
    /// <param name="rank0Images">The trainer's training-batch assembler (rank 0's).</param>
    public DeviceReplicas(IReadOnlyList<IBackend> devices, BatchAssembler rank0Images)
    {
        this.devices = devices;
        images = new BatchAssembler[devices.Count];
        images[0] = rank0Images;
        for (int r = 1; r < devices.Count; r++) images[r] = rank0Images.ForDevice(devices[r]);
        models = new DyToxModel?[devices.Count];
        teachers = new DyToxModel?[devices.Count];
        copies = new Dictionary<Parameter, Parameter>[devices.Count];
    }

    /// <summary>Number of ranks (devices), rank 0 included.</summary>
    public int Count => devices.Count;

    /// <summary>Moves weights and gradients between the devices (trainer thread only).</summary>
    public DeviceTransfer Transfer { get; } = new();

    public BatchAssembler Images(int rank) => images[rank];

    public DyToxModel Model(int rank) => models[rank] ?? throw new InvalidOperationException($"rank {rank} has no replica yet: Mirror first.");

    public DyToxModel? Teacher(int rank) => teachers[rank];

    /// <summary>Replaces every replica by a copy of <paramref name="model"/> and <paramref name="teacher"/> as they are now.</summary>
    public void Mirror(DyToxModel model, DyToxModel? teacher)
    {
        for (int r = 1; r < Count; r++)
        {
            models[r]?.Dispose();
            teachers[r]?.Dispose();
            models[r] = teachers[r] = null;
            models[r] = model.CloneTo(devices[r], Transfer);
            teachers[r] = teacher?.CloneTo(devices[r], Transfer);
            var theirs = models[r]!.NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);
            var map = new Dictionary<Parameter, Parameter>(ReferenceEqualityComparer.Instance);
            foreach (var (name, p) in model.NamedParameters()) map.Add(p, theirs[name]);
            copies[r] = map;
        }
    }

    /// <summary>Rank <paramref name="rank"/>'s copies of <paramref name="parameters"/> (of the mirrored model), in order.</summary>
    public Parameter[] CopiesOf(int rank, IReadOnlyList<Parameter> parameters)
    {
        var map = copies[rank] ?? throw new InvalidOperationException($"rank {rank} has no replica yet: Mirror first.");
        var result = new Parameter[parameters.Count];
        for (int i = 0; i < result.Length; i++) result[i] = map[parameters[i]];
        return result;
    }

    /// <summary>Copies the current values of <paramref name="parameters"/> (rank 0's) to every replica; each value leaves
    /// rank 0's device once.</summary>
    public void Broadcast(IReadOnlyList<Parameter> parameters, Parameter[][] replicaCopies)
    {
        var targets = new Tensor.Tensor[Count - 1];
        for (int i = 0; i < parameters.Count; i++)
        {
            for (int r = 1; r < Count; r++) targets[r - 1] = replicaCopies[r][i].Value;
            Transfer.Broadcast(parameters[i].Value, targets);
        }
    }

    public void Dispose()
    {
        for (int r = 1; r < Count; r++)
        {
            models[r]?.Dispose();
            teachers[r]?.Dispose();
            models[r] = teachers[r] = null;
        }
    }
}
