using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

// GPSA and task attention. Until the fused kernels (kernels/gpsa_attention.cu, kernels/task_attention.cu)
// are merged, these run the cuBLAS reference paths, which compose this backend's own kernels with
// strided-batched GEMMs.
public sealed partial class CudaBackend
{
    public void GpsaPositional(Tensor relIndices, Tensor weight, Tensor bias, Tensor posAttn) =>
        GpsaReferencePath.Positional(this, Own(relIndices, "GpsaPositional", nameof(relIndices)), weight, bias, posAttn);

    public void GpsaPositionalBackward(Tensor dPosAttn, Tensor posAttn, Tensor relIndices, Tensor dWeight, Tensor dBias) =>
        GpsaReferencePath.PositionalBackward(this, Own(dPosAttn, "GpsaPositionalBackward", nameof(dPosAttn)), posAttn, relIndices, dWeight, dBias);

    public void GpsaForward(Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                            Tensor contentAttn, Tensor attn, Tensor output) =>
        GpsaReferencePath.Forward(this, Own(qk, "GpsaForward", nameof(qk)), v, posAttn, gates, heads, scale, contentAttn, attn, output);

    public void GpsaBackward(Tensor dOutput, Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                             Tensor contentAttn, Tensor attn, Tensor dqk, Tensor dv, Tensor dPosAttn, Tensor dGates) =>
        GpsaReferencePath.Backward(this, Own(dOutput, "GpsaBackward", nameof(dOutput)), qk, v, posAttn, gates, heads, scale,
                                   contentAttn, attn, dqk, dv, dPosAttn, dGates);

    public void TaskAttentionForward(Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch, int heads, double scale,
                                     Tensor attn, Tensor output) =>
        TaskAttentionReferencePath.Forward(this, Own(q, "TaskAttentionForward", nameof(q)), kToken, vToken, kPatch, vPatch, heads, scale, attn, output);

    public void TaskAttentionBackward(Tensor dOutput, Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch,
                                      int heads, double scale, Tensor attn,
                                      Tensor dq, Tensor dkToken, Tensor dvToken, Tensor dkPatch, Tensor dvPatch) =>
        TaskAttentionReferencePath.Backward(this, Own(dOutput, "TaskAttentionBackward", nameof(dOutput)), q, kToken, vToken, kPatch, vPatch,
                                            heads, scale, attn, dq, dkToken, dvToken, dkPatch, dvPatch);

    /// <summary>Checks that a tensor lives on this device before a composed path starts (the path checks the rest op by op).</summary>
    private Tensor Own(Tensor t, string op, string name)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        RequireDevice(t, op, name);
        return t;
    }
}
