namespace DyTox.Tensor.Cpu;

// TEMPORARY during parallel development: ops not yet implemented (owner: attention helper). Each op moves to its
// own family file when implemented; this file is deleted when empty.
public sealed partial class CpuBackend
{
    public void GpsaPositional(Tensor relIndices, Tensor weight, Tensor bias, Tensor posAttn) => throw new NotImplementedException();
    public void GpsaPositionalBackward(Tensor dPosAttn, Tensor posAttn, Tensor relIndices, Tensor dWeight, Tensor dBias) => throw new NotImplementedException();
    public void GpsaForward(Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale, Tensor contentAttn, Tensor attn, Tensor output) => throw new NotImplementedException();
    public void GpsaBackward(Tensor dOutput, Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale, Tensor contentAttn, Tensor attn, Tensor dqk, Tensor dv, Tensor dPosAttn, Tensor dGates) => throw new NotImplementedException();
    public void TaskAttentionForward(Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch, int heads, double scale, Tensor attn, Tensor output) => throw new NotImplementedException();
    public void TaskAttentionBackward(Tensor dOutput, Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch, int heads, double scale, Tensor attn, Tensor dq, Tensor dkToken, Tensor dvToken, Tensor dkPatch, Tensor dvPatch) => throw new NotImplementedException();
}
