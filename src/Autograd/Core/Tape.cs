using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// The per-thread record of ops, in eager execution order — already a topological order, so the backward
/// pass just walks it in reverse (no sort, no recursion). A backward pass consumes every node recorded up to
/// the loss (nodes the loss does not depend on are released unrun); later nodes wait for their own pass, so a
/// training loop never lets the tape grow. Forwards whose result is never backpropagated (evaluation) belong
/// under <see cref="GradMode.NoGrad"/>, or call <see cref="Clear"/>.
/// </summary>
public sealed class Tape
{
    [ThreadStatic] private static Tape? current;
    private readonly List<Node> nodes = new(1024);

    /// <summary>This thread's tape.</summary>
    public static Tape Current => current ??= new Tape();

    /// <summary>Number of recorded nodes.</summary>
    public int Count => nodes.Count;

    /// <summary>True when an op on these inputs must be recorded.</summary>
    public static bool ShouldRecord(Variable a) => GradMode.IsEnabled && a.RequiresGrad;

    public static bool ShouldRecord(Variable a, Variable b) => GradMode.IsEnabled && (a.RequiresGrad || b.RequiresGrad);

    public static bool ShouldRecord(Variable a, Variable b, Variable c) =>
        GradMode.IsEnabled && (a.RequiresGrad || b.RequiresGrad || c.RequiresGrad);

    public static bool ShouldRecord(ReadOnlySpan<Variable> inputs)
    {
        if (!GradMode.IsEnabled) return false;
        foreach (var v in inputs) if (v.RequiresGrad) return true;
        return false;
    }

    /// <summary>Wraps an op result, recording <paramref name="node"/> as its producer.</summary>
    public static Variable Record(Node node, TensorT value)
    {
        var output = new Variable(value);
        output.MarkAsOutputOf(node);
        node.Output = output;
        Current.nodes.Add(node);
        return output;
    }

    /// <summary>Backpropagates from a one-element loss (seed dL/dloss = 1); see <see cref="Backward(Variable, TensorT)"/>.</summary>
    public static void Backward(Variable loss)
    {
        if (loss.Numel != 1)
            throw new ArgumentException($"Backward needs a one-element loss; got {loss.Value.Describe()}. Pass an explicit seed gradient for other outputs.", nameof(loss));
        var seed = loss.Backend.Empty(loss.DType, loss.Shape);
        seed.Backend.Fill(seed, 1.0);
        Backward(loss, seed);
    }

    /// <summary>Backpropagates <paramref name="seed"/> = dL/d<paramref name="output"/> (taken over by the tape).
    /// Runs and releases every node recorded up to and including the one that produced <paramref name="output"/>;
    /// nodes recorded after it (another graph) stay on the tape for their own backward pass.</summary>
    public static void Backward(Variable output, TensorT seed)
    {
        if (output.GraphReleased)
            throw new InvalidOperationException($"Backward on {output}: its graph was already consumed by an earlier backward pass (or Tape.Clear).");
        if (!output.RequiresGrad)
            throw new InvalidOperationException($"Backward on {output}, which does not require gradients (no recorded op reaches a parameter or input that requires grad).");
        if (!seed.Shape.SequenceEqual(output.Shape))
            throw new ArgumentException($"seed gradient {seed.Describe()} does not match the output {output.Value.Describe()}.", nameof(seed));
        var tape = Current;
        int last = output.GradFn is { } fn ? tape.nodes.LastIndexOf(fn) : -1;
        if (output.GradFn is not null && last < 0)
            throw new InvalidOperationException($"Backward on {output}: its node is not on this thread's tape (recorded on another thread?).");
        output.AccumulateGrad(seed, owned: true);
        tape.Run(last);
    }

    private void Run(int last)
    {
        // Ops run during backward (the *Backward kernels, Axpy) must not be recorded themselves.
        using var noGrad = GradMode.NoGrad();
        try
        {
            for (int i = last; i >= 0; i--)
            {
                var node = nodes[i];
                var output = node.Output!;
                var dy = output.Grad;
                if (dy is not null)
                {
                    node.Backward(dy);
                    output.ReleaseGrad();
                }
                Detach(node);
            }
        }
        catch
        {
            Clear();
            throw;
        }
        nodes.RemoveRange(0, last + 1);
    }

    private static void Detach(Node node)
    {
        if (node.Output is { } o)
        {
            o.ReleaseGrad();
            o.GradFn = null;
            o.GraphReleased = true;
            node.Output = null;
        }
        node.Release();
    }

    /// <summary>Drops every recorded node without running it (e.g. after a forward whose loss is not needed).</summary>
    public void Clear()
    {
        for (int i = nodes.Count - 1; i >= 0; i--) Detach(nodes[i]);
        nodes.Clear();
    }
}
