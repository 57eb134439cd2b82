namespace DyTox.Tensor.Cpu;

// TEMPORARY during parallel development: ops not yet implemented (owner: cpu-ops helper). Each op moves to its
// own family file when implemented; this file is deleted when empty.
public sealed partial class CpuBackend
{
    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor rstd) => throw new NotImplementedException();
    public void LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx, Tensor dGamma, Tensor dBeta) => throw new NotImplementedException();
    public void L2Normalize(Tensor x, double eps, Tensor y) => throw new NotImplementedException();
    public void L2NormalizeBackward(Tensor x, Tensor dy, double eps, Tensor dx) => throw new NotImplementedException();
    public void Im2Patch(Tensor images, int patch, Tensor patches) => throw new NotImplementedException();
    public void Patch2Im(Tensor dPatches, int patch, Tensor dImages) => throw new NotImplementedException();
    public void IndexSelect(Tensor x, int axis, Tensor indices, Tensor destination) => throw new NotImplementedException();
    public void IndexAdd(Tensor source, int axis, Tensor indices, Tensor destination) => throw new NotImplementedException();
    public void BceWithLogits(Tensor logits, Tensor targets, Tensor loss) => throw new NotImplementedException();
    public void BceWithLogitsBackward(Tensor logits, Tensor targets, double gradScale, Tensor dLogits) => throw new NotImplementedException();
    public void SoftmaxCrossEntropy(Tensor logits, Tensor labels, double smoothing, Tensor loss) => throw new NotImplementedException();
    public void SoftmaxCrossEntropyBackward(Tensor logits, Tensor labels, double smoothing, double gradScale, Tensor dLogits) => throw new NotImplementedException();
    public void KnowledgeDistillation(Tensor studentLogits, Tensor teacherLogits, double temperature, Tensor loss) => throw new NotImplementedException();
    public void KnowledgeDistillationBackward(Tensor studentLogits, Tensor teacherLogits, double temperature, double gradScale, Tensor dStudent) => throw new NotImplementedException();
    public void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWHyper hyper) => throw new NotImplementedException();
    public void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, SgdHyper hyper) => throw new NotImplementedException();
}
