using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// The gradient all-reduce of data parallelism (PyTorch's DistributedDataParallel) for replicas that run one
/// after another on one device. After each replica's backward pass, <see cref="Collect"/> moves the gradients
/// of the parameters into per-parameter sums (the first replica's are copied, later ones added, in rank
/// order) and empties the parameters' gradients, so the next replica's gradient is formed on its own;
/// <see cref="Reduce"/> then sets every gradient to the mean over the replicas, (g₀ + g₁ + … + g_{R−1}) · (1/R).
/// Because each replica's gradient is formed in isolation and the sum runs in rank order, the result is
/// the same bits whether the replicas run in turn on one device or at once on R devices that reduce in rank
/// order. With one replica both calls do nothing. The sum buffers are allocated once per parameter, outside
/// any scope, and reused every step.
/// </summary>
public sealed class ReplicaGradients : IDisposable
{
    private readonly Dictionary<Parameter, TensorT> sums = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Parameter, TensorT> incoming = new(ReferenceEqualityComparer.Instance);
    private readonly List<Parameter> received = [];
    private readonly HashSet<Parameter> receivedSet = new(ReferenceEqualityComparer.Instance);
    private int collected;

    public ReplicaGradients(int replicas)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        Replicas = replicas;
    }

    /// <summary>Number of replicas whose gradients form one step's gradient.</summary>
    public int Replicas { get; }

    /// <summary>Takes the gradients that one replica's backward pass left in <paramref name="parameters"/>
    /// (call once per replica, in rank order). A parameter without a gradient contributes zero.</summary>
    public void Collect(IEnumerable<Parameter> parameters)
    {
        if (!BeginCollect()) return;
        foreach (var p in parameters) Add(p, p);
        collected++;
    }

    /// <summary>
    /// Takes the gradients of a replica that ran on another device: <paramref name="source"/>[i] is that replica's copy
    /// of <paramref name="parameters"/>[i], and its gradient comes over (unchanged bits, through <paramref name="transfer"/>)
    /// to be summed into <paramref name="parameters"/>[i]'s. Same order and arithmetic as <see cref="Collect(IEnumerable{Parameter})"/>,
    /// so R replicas on R devices give the bits of R replicas run in turn on one.
    /// </summary>
    public void Collect(IReadOnlyList<Parameter> parameters, IReadOnlyList<Parameter> source, DeviceTransfer transfer)
    {
        ArgumentNullException.ThrowIfNull(transfer);
        if (parameters.Count != source.Count)
            throw new ArgumentException($"{source.Count} replica parameters for {parameters.Count} parameters.", nameof(source));
        if (!BeginCollect()) return;
        for (int i = 0; i < parameters.Count; i++)
        {
            var from = source[i];
            if (from.Grad is not { } grad || ReferenceEquals(from, parameters[i]) || ReferenceEquals(grad.Backend, parameters[i].Value.Backend))
            {
                Add(parameters[i], from);
                continue;
            }
            var incoming = IncomingOf(parameters[i]);
            transfer.Copy(grad, incoming);
            Add(parameters[i], incoming);
            from.ZeroGrad();
        }
        collected++;
    }

    // False with one replica: its gradients stay where the backward pass left them.
    private bool BeginCollect()
    {
        if (Replicas == 1) return false;
        if (collected == Replicas)
            throw new InvalidOperationException($"Collect was called more than {Replicas} times before Reduce.");
        return true;
    }

    // Moves `from`'s gradient (on p's device) into p's sum.
    private void Add(Parameter p, Parameter from)
    {
        if (from.Grad is not { } grad) return;
        Add(p, grad);
        from.ZeroGrad();
    }

    // The first replica's gradient is copied, later ones added: (g₀ + g₁) + g₂ …
    private void Add(Parameter p, TensorT grad)
    {
        var sum = SumOf(p);
        if (receivedSet.Add(p))
        {
            received.Add(p);
            sum.Backend.Copy(grad, sum);
        }
        else sum.Backend.Axpy(1.0, grad, sum);
    }

    /// <summary>Sets each parameter's gradient to the mean of the collected ones (after all replicas).</summary>
    public void Reduce()
    {
        if (Replicas == 1) return;
        if (collected != Replicas)
            throw new InvalidOperationException($"Reduce after {collected} of {Replicas} replicas' gradients.");
        foreach (var p in received) p.SetGradFrom(sums[p], 1.0 / Replicas);
        received.Clear();
        receivedSet.Clear();
        collected = 0;
    }

    private TensorT SumOf(Parameter p) => BufferOf(sums, p);

    // A replica gradient that came over from another device, before it is summed (one per parameter, reused).
    private TensorT IncomingOf(Parameter p) => BufferOf(incoming, p);

    private static TensorT BufferOf(Dictionary<Parameter, TensorT> buffers, Parameter p)
    {
        if (buffers.TryGetValue(p, out var buffer)) return buffer;
        var v = p.Value;
        buffer = TensorScope.Unscoped(() => v.Backend.Empty(v.DType, v.Shape));
        buffers.Add(p, buffer);
        return buffer;
    }

    public void Dispose()
    {
        foreach (var sum in sums.Values) sum.Dispose();
        foreach (var buffer in incoming.Values) buffer.Dispose();
        sums.Clear();
        incoming.Clear();
        received.Clear();
        receivedSet.Clear();
    }
}
