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
        if (Replicas == 1) return;
        if (collected == Replicas)
            throw new InvalidOperationException($"Collect was called more than {Replicas} times before Reduce.");
        foreach (var p in parameters)
        {
            if (p.Grad is not { } grad) continue;
            var sum = SumOf(p);
            if (receivedSet.Add(p))
            {
                received.Add(p);
                sum.Backend.Copy(grad, sum);
            }
            else sum.Backend.Axpy(1.0, grad, sum);
            p.ZeroGrad();
        }
        collected++;
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

    private TensorT SumOf(Parameter p)
    {
        if (sums.TryGetValue(p, out var sum)) return sum;
        var v = p.Value;
        sum = TensorScope.Unscoped(() => v.Backend.Empty(v.DType, v.Shape));
        sums.Add(p, sum);
        return sum;
    }

    public void Dispose()
    {
        foreach (var sum in sums.Values) sum.Dispose();
        sums.Clear();
        received.Clear();
        receivedSet.Clear();
    }
}
