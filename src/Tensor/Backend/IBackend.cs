namespace DyTox.Tensor;

/// <summary>
/// The coarse ops of the engine (Llm.cs's "interface of kernels"). The CPU backend implements every op
/// for Float32 (fast path) and Float64 (reference, gradient checks); the CUDA backend implements them
/// for Float32 with NVRTC kernels and cuBLAS. Tests compare backends, op by op.
///
/// Conventions, for every op unless its comment says otherwise:
/// - outputs are allocated by the caller (<see cref="Empty"/>), contiguous, with the shape stated;
/// - inputs are contiguous (<see cref="Copy"/>, <see cref="Binary"/> and <see cref="MatMul"/> also take
///   strided views as stated); all floating tensors of one call share one dtype;
/// - backward ops ASSIGN their outputs (dx = …); the autograd layer accumulates;
/// - results are deterministic: the same inputs give the same bits (no atomics, fixed reduction orders),
///   independent of the number of threads;
/// - "scalar" tensors have shape [1].
/// </summary>
public interface IBackend : IDisposable
{
    /// <summary>Human-readable description, e.g. "cpu (OpenBLAS 0.3.21 SkylakeX, 2 threads)".</summary>
    string Name { get; }
    Device Device { get; }
    IStorageAllocator Allocator { get; }

    // ---- memory ----------------------------------------------------------------------------------

    /// <summary>A new contiguous tensor with undefined contents.</summary>
    Tensor Empty(DType dtype, ReadOnlySpan<int> shape);

    /// <summary>Raw bytes (row-major, dst's dtype) into a contiguous tensor.</summary>
    void CopyFromHost(ReadOnlySpan<byte> source, Tensor destination);

    /// <summary>A contiguous tensor's raw bytes out to host memory.</summary>
    void CopyToHost(Tensor source, Span<byte> destination);

    /// <summary>Sets every element of a contiguous tensor (any dtype).</summary>
    void Fill(Tensor destination, double value);

    /// <summary>Element-wise copy between two tensors of the same shape and dtype; BOTH may be arbitrary
    /// strided views (e.g. writing into a slice for concatenation). Source may be an expanded (stride 0) view.</summary>
    void Copy(Tensor source, Tensor destination);

    /// <summary>Same shape, converts between dtypes (Float32/Float64/Int32).</summary>
    void Cast(Tensor source, Tensor destination);

    // ---- element-wise ----------------------------------------------------------------------------

    /// <summary>dst = a op b with NumPy broadcasting of a and b to dst's shape; a and b may be strided or
    /// expanded views; dst may alias a or b exactly (in-place).</summary>
    void Binary(BinaryOp op, Tensor a, Tensor b, Tensor destination);

    /// <summary>dst = f(x); dst may alias x.</summary>
    void Unary(UnaryOp op, Tensor x, Tensor destination);

    /// <summary>dx = dy · f'(x), where y = f(x) is also given (sigmoid, tanh, exp use it).</summary>
    void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx);

    /// <summary>dst = alpha·x + beta; dst may alias x.</summary>
    void Affine(Tensor x, double alpha, double beta, Tensor destination);

    /// <summary>y += alpha·x (same shape): gradient accumulation.</summary>
    void Axpy(double alpha, Tensor x, Tensor y);

    /// <summary>Adjoint of broadcasting: dst (a shape that broadcasts to source's) = source summed over
    /// the broadcast axes, in a fixed order.</summary>
    void SumToShape(Tensor source, Tensor destination);

    // ---- reductions ------------------------------------------------------------------------------

    /// <summary>Reduces one axis; dst has x's shape with that axis' extent 1.</summary>
    void Reduce(ReduceOp op, Tensor x, int axis, Tensor destination);

    /// <summary>Index (Int32) of the first maximum along one axis; indices have x's shape with that axis' extent 1.</summary>
    void ArgMax(Tensor x, int axis, Tensor indices);

    /// <summary>Sum of all elements into a scalar.</summary>
    void SumAll(Tensor x, Tensor destination);

    // ---- matrix products ------------------------------------------------------------------------

    /// <summary>
    /// c = alpha·op(a)·op(b) + beta·c. 2-D: op(a) [m,k], op(b) [k,n], c [m,n]. 3-D: a leading batch axis on
    /// c; a or b may have batch extent 1 (or batch stride 0) and are then shared by all batches. a and b need
    /// unit stride in their last axis (any row stride); c is contiguous. beta = 0 ignores c's contents.
    /// </summary>
    void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, Tensor c, double alpha = 1, double beta = 0);

    /// <summary>y[…, O] = x[…, I]·wᵀ + bias, w [O, I] (torch nn.Linear layout), bias [O] or null.</summary>
    void Linear(Tensor x, Tensor weight, Tensor? bias, Tensor y);

    /// <summary>Gradients of <see cref="Linear"/>: dx = dy·w, dw = dyᵀ·x (summed over all leading axes),
    /// dbias = column sums of dy. Any of the outputs may be null (not needed).</summary>
    void LinearBackward(Tensor dy, Tensor x, Tensor weight, Tensor? dx, Tensor? dWeight, Tensor? dBias);

    // ---- softmax family (last axis, max-subtracted) ---------------------------------------------

    void Softmax(Tensor x, Tensor y);
    void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx);
    void LogSoftmax(Tensor x, Tensor y);
    void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx);

    // ---- normalisation ---------------------------------------------------------------------------

    /// <summary>LayerNorm over the last axis (biased variance, torch semantics); mean and rstd have x's
    /// shape without the last axis and are saved for the backward.</summary>
    void LayerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor rstd);
    void LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx, Tensor dGamma, Tensor dBeta);

    /// <summary>y = x / (‖x‖₂ + eps) per row of the last axis (the herding normalisation).</summary>
    void L2Normalize(Tensor x, double eps, Tensor y);
    void L2NormalizeBackward(Tensor x, Tensor dy, double eps, Tensor dx);

    // ---- patch embedding ---------------------------------------------------------------------------

    /// <summary>Unfolds images [B, C, H, W] into non-overlapping p×p patches [B, (H/p)·(W/p), C·p·p];
    /// token index = row·(W/p) + col, features ordered (c, i, j) like a Conv2d weight [D, C, p, p].</summary>
    void Im2Patch(Tensor images, int patch, Tensor patches);

    /// <summary>The adjoint of <see cref="Im2Patch"/> (assigns dImages).</summary>
    void Patch2Im(Tensor dPatches, int patch, Tensor dImages);

    // ---- indexing ----------------------------------------------------------------------------------

    /// <summary>dst = x gathered along one axis at Int32 indices [K]; dst's extent on that axis is K.</summary>
    void IndexSelect(Tensor x, int axis, Tensor indices, Tensor destination);

    /// <summary>destination[…, idx[i], …] += source[…, i, …], in increasing i (deterministic; repeated
    /// indices accumulate).</summary>
    void IndexAdd(Tensor source, int axis, Tensor indices, Tensor destination);

    // ---- GPSA attention (dytox-spec §1.4) ----------------------------------------------------------

    /// <summary>Positional attention, batch independent: posAttn[h, i, j] = softmax_j(w[h]·rel[i, j] + b[h]),
    /// rel [N, N, 3], w [H, 3], b [H].</summary>
    void GpsaPositional(Tensor relIndices, Tensor weight, Tensor bias, Tensor posAttn);

    /// <summary>Gradients of <see cref="GpsaPositional"/> for w and b (dPosAttn already summed over the batch).</summary>
    void GpsaPositionalBackward(Tensor dPosAttn, Tensor posAttn, Tensor relIndices, Tensor dWeight, Tensor dBias);

    /// <summary>
    /// GPSA core for qk [B, N, 2D] (Q = channels [0, D), K = [D, 2D), head h owns [h·d, (h+1)·d)),
    /// v [B, N, D], posAttn [H, N, N], gates [H]: content = softmax_j(scale·Q·Kᵀ), σ = sigmoid(gate),
    /// attn = (1−σ)·content + σ·pos renormalised by its row sum, output [B, N, D] = attn·V with heads
    /// concatenated. Saves content [B, H, N, N] and attn [B, H, N, N].
    /// </summary>
    void GpsaForward(Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                     Tensor contentAttn, Tensor attn, Tensor output);

    /// <summary>Gradients of <see cref="GpsaForward"/>: dqk [B, N, 2D], dv [B, N, D], dPosAttn [H, N, N]
    /// and dGates [H] summed over the batch in a fixed order.</summary>
    void GpsaBackward(Tensor dOutput, Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                      Tensor contentAttn, Tensor attn, Tensor dqk, Tensor dv, Tensor dPosAttn, Tensor dGates);

    // ---- task attention (class attention with one query, dytox-spec §1.5) --------------------------

    /// <summary>
    /// For T task tokens batched: q, kToken, vToken [T, B, D] (projections of each task's normalised token),
    /// kPatch, vPatch [B, N, D] (projections of the normalised patches, shared by all tasks). Keys of
    /// (t, b) = {kToken[t, b]} ∪ kPatch[b] (token first). attn [T, B, H, 1+N] = softmax(scale·q·kᵀ);
    /// output [T, B, D] = attn·V, heads concatenated.
    /// </summary>
    void TaskAttentionForward(Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch, int heads, double scale,
                              Tensor attn, Tensor output);

    /// <summary>Gradients of <see cref="TaskAttentionForward"/>; dkPatch and dvPatch are summed over tasks.</summary>
    void TaskAttentionBackward(Tensor dOutput, Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch,
                               int heads, double scale, Tensor attn,
                               Tensor dq, Tensor dkToken, Tensor dvToken, Tensor dkPatch, Tensor dvPatch);

    // ---- losses (scalar outputs; the backward takes dL/dloss as gradScale) -------------------------

    /// <summary>Mean over all B·C elements of BCE(sigmoid(logits), targets); soft targets allowed. Stable for
    /// any logits (log-sum-exp form).</summary>
    void BceWithLogits(Tensor logits, Tensor targets, Tensor loss);
    void BceWithLogitsBackward(Tensor logits, Tensor targets, double gradScale, Tensor dLogits);

    /// <summary>Mean over B of the cross-entropy of softmax(logits [B, C]) against Int32 labels [B], with
    /// label smoothing ε (target = (1−ε)·onehot + ε/C).</summary>
    void SoftmaxCrossEntropy(Tensor logits, Tensor labels, double smoothing, Tensor loss);
    void SoftmaxCrossEntropyBackward(Tensor logits, Tensor labels, double smoothing, double gradScale, Tensor dLogits);

    /// <summary>τ²·Σ p_t·(log p_t − log p_s) / (B·C) with p = softmax(logits/τ) over C (dytox-spec §2.5:
    /// torch KLDiv with element-wise mean).</summary>
    void KnowledgeDistillation(Tensor studentLogits, Tensor teacherLogits, double temperature, Tensor loss);
    void KnowledgeDistillationBackward(Tensor studentLogits, Tensor teacherLogits, double temperature, double gradScale, Tensor dStudent);

    // ---- optimisers ---------------------------------------------------------------------------------

    /// <summary>One AdamW step in place on param, m, v (all the same shape).</summary>
    void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWHyper hyper);

    /// <summary>One SGD step in place; momentumBuffer may be null when momentum is 0.</summary>
    void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, SgdHyper hyper);

    /// <summary>Σ x² over all elements, as a scalar (gradient norms, SAM).</summary>
    void SumOfSquares(Tensor x, Tensor destination);
}
