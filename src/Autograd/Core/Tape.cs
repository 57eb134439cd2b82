using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Autograd;

/// <summary>
/// The per-thread record of ops, in eager execution order — already a topological order, so the backward
/// pass just walks it in reverse (no sort, no recursion). <see cref="Backward"/> consumes the whole tape:
/// afterwards the recorded nodes are released and the tape is empty.
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

    /// <summary>Backpropagates from a one-element loss (seed dL/dloss = 1).</summary>
    public static void Backward(Variable loss)
    {
        if (loss.Numel != 1)
            throw new ArgumentException($"Backward needs a one-element loss; got {loss.Value.Describe()}. Pass an explicit seed gradient for other outputs.", nameof(loss));
        var seed = loss.Backend.Empty(loss.DType, loss.Shape);
        seed.Backend.Fill(seed, 1.0);
        Backward(loss, seed);
    }

    /// <summary>Backpropagates <paramref name="seed"/> = dL/d<paramref name="output"/> (taken over by the tape).</summary>
    public static void Backward(Variable output, TensorT seed)
    {
        if (!output.RequiresGrad)
            throw new InvalidOperationException($"Backward on {output}, which does not require gradients (no recorded op reaches a parameter or input that requires grad).");
        if (!seed.Shape.SequenceEqual(output.Shape))
            throw new ArgumentException($"seed gradient {seed.Describe()} does not match the output {output.Value.Describe()}.", nameof(seed));
        output.AccumulateGrad(seed, owned: true);
        Current.Run();
    }

    private void Run()
    {
        // Ops run during backward (the *Backward kernels, Axpy) must not be recorded themselves.
        using var noGrad = GradMode.NoGrad();
        try
        {
            for (int i = nodes.Count - 1; i >= 0; i--)
            {
                var node = nodes[i];
                var output = node.Output!;
                var dy = output.Grad;
                if (dy is not null)
                {
                    node.Backward(dy);
                    output.ReleaseGrad();
                }
                output.GradFn = null;
                node.Output = null;
                node.Release();
                nodes.RemoveAt(i);
            }
        }
        finally
        {
            Clear();
        }
    }

    /// <summary>Drops every recorded node without running it (e.g. after a forward whose loss is not needed).</summary>
    public void Clear()
    {
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            var node = nodes[i];
            if (node.Output is { } o)
            {
                o.ReleaseGrad();
                o.GradFn = null;
                node.Output = null;
            }
            node.Release();
        }
        nodes.Clear();
    }
}
