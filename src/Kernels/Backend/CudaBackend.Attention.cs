using DyTox.Kernels.Runtime.Launchers;
using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>Which implementation the attention ops run.</summary>
public enum AttentionPath
{
    /// <summary>The hand-tuned fused kernels (kernels/gpsa_attention.cu, kernels/task_attention.cu).</summary>
    Fused,

    /// <summary>The cuBLAS reference path: head permutes, strided-batched GEMMs, softmax and mix kernels.
    /// Slower; kept as the GPU reference the fused kernels are checked against, and as a fallback.</summary>
    Reference,
}

// GPSA and task attention: the fused kernels by default, the cuBLAS reference path on request.
public sealed partial class CudaBackend
{
    private GpsaKernels? _gpsa;
    private TaskAttentionKernels? _taskAttention;

    /// <summary>Fused kernels (default) or the cuBLAS reference path.</summary>
    public AttentionPath AttentionPath { get; set; } = AttentionPath.Fused;

    private GpsaKernels Gpsa => _gpsa ??= new GpsaKernels(_driver);

    /// <summary>
    /// The fused GPSA ops run the tensor-core kernels where they apply (sm_80+): v4 (kernels/gpsa_attention_v4.cu) for
    /// N ≤ 64, v6 (kernels/gpsa_attention_v6.cu) for 64 &lt; N ≤ 256 with heads at most 64 wide; off by default until
    /// measured faster than v3 on a GPU (kernels/README.md). Initially on when the environment has DYTOX_GPSA_TENSOR_CORES=1.
    /// </summary>
    public bool GpsaTensorCores
    {
        get => Gpsa.TensorCores;
        set => Gpsa.TensorCores = value;
    }

    /// <summary>Whether the fused GPSA ops run the tensor-core kernels at N tokens and this head width (see <see cref="GpsaTensorCores"/>).</summary>
    public bool GpsaUsesTensorCores(int n, int headDim) => Gpsa.UsesTensorCores(n, headDim);
    private TaskAttentionKernels TaskKernels => _taskAttention ??= new TaskAttentionKernels(_driver);

    /// <summary>
    /// The fused task-attention version: 2 (kernels/task_attention.cu, one warp per (t, b, h)) or 3
    /// (kernels/task_attention_v3.cu, one block per (b, h) with the patch keys and values staged once for all tasks; v2
    /// where its shared memory does not fit). Same bits either way; 2 by default until v3 is measured faster on a GPU.
    /// Initially 3 when the environment has DYTOX_TASK_ATTENTION_VERSION=3.
    /// </summary>
    public int TaskAttentionVersion
    {
        get => TaskKernels.Version;
        set => TaskKernels.Version = value;
    }

    public void GpsaPositional(Tensor relIndices, Tensor weight, Tensor bias, Tensor posAttn)
    {
        const string op = "GpsaPositional";
        if (AttentionPath == AttentionPath.Reference) { GpsaReferencePath.Positional(this, Own(relIndices, op, nameof(relIndices)), weight, bias, posAttn); return; }
        int heads = Dim(posAttn, op, nameof(posAttn), 3, 0), n = posAttn.Size(1);
        Expect(op, relIndices, nameof(relIndices), n, n, 3);
        Expect(op, weight, nameof(weight), heads, 3);
        Expect(op, bias, nameof(bias), heads);
        Expect(op, posAttn, nameof(posAttn), heads, n, n);
        Gpsa.Positional(relIndices.Address, weight.Address, bias.Address, posAttn.Address, heads, n);
    }

    public void GpsaPositionalBackward(Tensor dPosAttn, Tensor posAttn, Tensor relIndices, Tensor dWeight, Tensor dBias)
    {
        const string op = "GpsaPositionalBackward";
        if (AttentionPath == AttentionPath.Reference) { GpsaReferencePath.PositionalBackward(this, Own(dPosAttn, op, nameof(dPosAttn)), posAttn, relIndices, dWeight, dBias); return; }
        int heads = Dim(posAttn, op, nameof(posAttn), 3, 0), n = posAttn.Size(1);
        Expect(op, posAttn, nameof(posAttn), heads, n, n);
        Expect(op, dPosAttn, nameof(dPosAttn), heads, n, n);
        Expect(op, relIndices, nameof(relIndices), n, n, 3);
        Expect(op, dWeight, nameof(dWeight), heads, 3);
        Expect(op, dBias, nameof(dBias), heads);
        Gpsa.PositionalBackward(dPosAttn.Address, posAttn.Address, relIndices.Address, dWeight.Address, dBias.Address, heads, n);
    }

    public void GpsaForward(Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                            Tensor contentAttn, Tensor attn, Tensor output)
    {
        const string op = "GpsaForward";
        if (AttentionPath == AttentionPath.Reference) { GpsaReferencePath.Forward(this, Own(qk, op, nameof(qk)), v, posAttn, gates, heads, scale, contentAttn, attn, output); return; }
        var (b, n, d) = GpsaShape(op, qk, v, posAttn, gates, heads);
        Expect(op, contentAttn, nameof(contentAttn), b, heads, n, n);
        Expect(op, attn, nameof(attn), b, heads, n, n);
        Expect(op, output, nameof(output), b, n, d);
        if (b == 0) return;
        Gpsa.Forward(qk.Address, v.Address, posAttn.Address, gates.Address, contentAttn.Address, attn.Address, output.Address,
                     b, n, d, heads, (float)scale);
    }

    public void GpsaBackward(Tensor dOutput, Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                             Tensor contentAttn, Tensor attn, Tensor dqk, Tensor dv, Tensor dPosAttn, Tensor dGates)
    {
        const string op = "GpsaBackward";
        if (AttentionPath == AttentionPath.Reference)
        {
            GpsaReferencePath.Backward(this, Own(dOutput, op, nameof(dOutput)), qk, v, posAttn, gates, heads, scale,
                                       contentAttn, attn, dqk, dv, dPosAttn, dGates);
            return;
        }
        var (b, n, d) = GpsaShape(op, qk, v, posAttn, gates, heads);
        Expect(op, dOutput, nameof(dOutput), b, n, d);
        Expect(op, contentAttn, nameof(contentAttn), b, heads, n, n);
        Expect(op, attn, nameof(attn), b, heads, n, n);
        Expect(op, dqk, nameof(dqk), b, n, 2 * d);
        Expect(op, dv, nameof(dv), b, n, d);
        Expect(op, dPosAttn, nameof(dPosAttn), heads, n, n);
        Expect(op, dGates, nameof(dGates), heads);
        if (b == 0)
        {
            // No samples: the batch sums are empty (the launchers need at least one sample).
            Fill(dPosAttn, 0);
            Fill(dGates, 0);
            return;
        }
        using var scratch = Scratch(GpsaKernels.BackwardScratchBytes(b, n, heads));
        Gpsa.Backward(dOutput.Address, qk.Address, v.Address, posAttn.Address, gates.Address, contentAttn.Address, attn.Address,
                      dqk.Address, dv.Address, dPosAttn.Address, dGates.Address, b, n, d, heads, (float)scale, scratch.Pointer);
    }

    public void TaskAttentionForward(Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch, int heads, double scale,
                                     Tensor attn, Tensor output)
    {
        const string op = "TaskAttentionForward";
        if (AttentionPath == AttentionPath.Reference)
        {
            TaskAttentionReferencePath.Forward(this, Own(q, op, nameof(q)), kToken, vToken, kPatch, vPatch, heads, scale, attn, output);
            return;
        }
        var (t, b, n, d) = TaskShape(op, q, kToken, vToken, kPatch, vPatch, heads);
        Expect(op, attn, nameof(attn), t, b, heads, 1 + n);
        Expect(op, output, nameof(output), t, b, d);
        if (t == 0 || b == 0) return;
        TaskKernels.Forward(q.Address, kToken.Address, vToken.Address, kPatch.Address, vPatch.Address, attn.Address, output.Address,
                            t, b, n, d, heads, (float)scale);
    }

    public void TaskAttentionBackward(Tensor dOutput, Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch,
                                      int heads, double scale, Tensor attn,
                                      Tensor dq, Tensor dkToken, Tensor dvToken, Tensor dkPatch, Tensor dvPatch)
    {
        const string op = "TaskAttentionBackward";
        if (AttentionPath == AttentionPath.Reference)
        {
            TaskAttentionReferencePath.Backward(this, Own(dOutput, op, nameof(dOutput)), q, kToken, vToken, kPatch, vPatch,
                                                heads, scale, attn, dq, dkToken, dvToken, dkPatch, dvPatch);
            return;
        }
        var (t, b, n, d) = TaskShape(op, q, kToken, vToken, kPatch, vPatch, heads);
        Expect(op, dOutput, nameof(dOutput), t, b, d);
        Expect(op, attn, nameof(attn), t, b, heads, 1 + n);
        Expect(op, dq, nameof(dq), t, b, d);
        Expect(op, dkToken, nameof(dkToken), t, b, d);
        Expect(op, dvToken, nameof(dvToken), t, b, d);
        Expect(op, dkPatch, nameof(dkPatch), b, n, d);
        Expect(op, dvPatch, nameof(dvPatch), b, n, d);
        if (b == 0) return;
        if (t == 0)
        {
            Fill(dkPatch, 0);
            Fill(dvPatch, 0);
            return;
        }
        // v3 sums over tasks inside its kernel; only v2 goes through scratch.
        using var scratch = Scratch(TaskKernels.Runs(t, n, d / heads) == 2 ? TaskAttentionKernels.BackwardScratchBytes(t, b, n, heads) : 0);
        TaskKernels.Backward(dOutput.Address, q.Address, kToken.Address, vToken.Address, kPatch.Address, vPatch.Address, attn.Address,
                             dq.Address, dkToken.Address, dvToken.Address, dkPatch.Address, dvPatch.Address,
                             t, b, n, d, heads, (float)scale, scratch.Pointer);
    }

    private (int B, int N, int D) GpsaShape(string op, Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads)
    {
        int b = Dim(qk, op, nameof(qk), 3, 0), n = qk.Size(1), twoD = qk.Size(2);
        if (twoD % 2 != 0) throw new ArgumentException($"{op}: qk has {twoD} channels; expected 2·D (Q then K).");
        int d = twoD / 2;
        if (heads <= 0 || d % heads != 0) throw new ArgumentException($"{op}: {heads} heads do not divide D = {d}.");
        Expect(op, qk, nameof(qk), b, n, 2 * d);
        Expect(op, v, nameof(v), b, n, d);
        Expect(op, posAttn, nameof(posAttn), heads, n, n);
        Expect(op, gates, nameof(gates), heads);
        return (b, n, d);
    }

    private (int T, int B, int N, int D) TaskShape(string op, Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch, int heads)
    {
        int t = Dim(q, op, nameof(q), 3, 0), b = q.Size(1), d = q.Size(2);
        int n = Dim(kPatch, op, nameof(kPatch), 3, 1);
        if (heads <= 0 || d % heads != 0) throw new ArgumentException($"{op}: {heads} heads do not divide D = {d}.");
        Expect(op, q, nameof(q), t, b, d);
        Expect(op, kToken, nameof(kToken), t, b, d);
        Expect(op, vToken, nameof(vToken), t, b, d);
        Expect(op, kPatch, nameof(kPatch), b, n, d);
        Expect(op, vPatch, nameof(vPatch), b, n, d);
        return (t, b, n, d);
    }

    /// <summary>A contiguous float32 tensor of this device with exactly <paramref name="shape"/>.</summary>
    private void Expect(string op, Tensor t, string name, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        RequireF32(t, op, name);
        if (!t.Shape.SequenceEqual(shape))
            throw new ArgumentException($"{op}: {name} has shape {Shape.Format(t.Shape)}; expected {Shape.Format(shape)}.");
    }

    /// <summary>Extent <paramref name="axis"/> of a tensor that must have <paramref name="rank"/> axes.</summary>
    private int Dim(Tensor t, string op, string name, int rank, int axis)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        RequireF32(t, op, name);
        if (t.Rank != rank) throw new ArgumentException($"{op}: {name} has shape {Shape.Format(t.Shape)}; expected {rank} axes.");
        return t.Size(axis);
    }

    /// <summary>Checks that a tensor lives on this device before a composed path starts (the path checks the rest op by op).</summary>
    private Tensor Own(Tensor t, string op, string name)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        RequireDevice(t, op, name);
        return t;
    }
}
