using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>
/// Task attention (dytox-spec §1.5: class attention with one query per task token) composed from backend
/// ops and strided-batched GEMMs: keys/values of (t, b) = {token} ∪ patches[b] assembled as
/// [T, B, 1+N, D] (the patches expanded over T, no per-task copy of the projection itself), permuted to
/// [T·B·H, 1+N, d], then scores [T·B·H, 1, 1+N] = scale·q·Kᵀ (exactly attn's layout), row softmax, and
/// output [T·B·H, 1, d] = attn·V (exactly output's layout). The CUDA backend's path until the fused
/// kernels land, and afterwards their reference. Works on any <see cref="IBackend"/>.
/// </summary>
public static class TaskAttentionReferencePath
{
    public static void Forward(IBackend be, Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch, int heads, double scale,
                               Tensor attn, Tensor output)
    {
        var (t, b, n, dim, d) = Geometry(q, kToken, vToken, kPatch, vPatch, heads, scale);
        AttentionShapes.Require(attn, nameof(attn), t, b, heads, 1 + n);
        AttentionShapes.Require(output, nameof(output), t, b, dim);
        using var keys = Keys(be, kToken, kPatch, t, b, n, heads, d);
        using var values = Keys(be, vToken, vPatch, t, b, n, heads, d);
        using var q3 = q.Reshape(t * b * heads, 1, d);
        using var a3 = attn.Reshape(t * b * heads, 1, 1 + n);
        be.MatMul(q3, false, keys, true, a3, scale);
        using var rows = attn.Reshape(t * b * heads, 1 + n);
        be.Softmax(rows, rows);
        using var o3 = output.Reshape(t * b * heads, 1, d);
        be.MatMul(a3, false, values, false, o3);
    }

    public static void Backward(IBackend be, Tensor dOutput, Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch,
                                int heads, double scale, Tensor attn,
                                Tensor dq, Tensor dkToken, Tensor dvToken, Tensor dkPatch, Tensor dvPatch)
    {
        var (t, b, n, dim, d) = Geometry(q, kToken, vToken, kPatch, vPatch, heads, scale);
        AttentionShapes.Require(dOutput, nameof(dOutput), t, b, dim);
        AttentionShapes.Require(attn, nameof(attn), t, b, heads, 1 + n);
        AttentionShapes.Require(dq, nameof(dq), t, b, dim);
        AttentionShapes.Require(dkToken, nameof(dkToken), t, b, dim);
        AttentionShapes.Require(dvToken, nameof(dvToken), t, b, dim);
        AttentionShapes.Require(dkPatch, nameof(dkPatch), b, n, dim);
        AttentionShapes.Require(dvPatch, nameof(dvPatch), b, n, dim);
        int rows = t * b * heads;
        using var keys = Keys(be, kToken, kPatch, t, b, n, heads, d);
        using var values = Keys(be, vToken, vPatch, t, b, n, heads, d);
        using var q3 = q.Reshape(rows, 1, d);
        using var dO3 = dOutput.Reshape(rows, 1, d);
        using var a3 = attn.Reshape(rows, 1, 1 + n);

        // dV = attnᵀ·dO, dA = dO·Vᵀ.
        using var dValues = be.Empty(DType.Float32, [rows, 1 + n, d]);
        be.MatMul(a3, true, dO3, false, dValues);
        using var dA = be.Empty(DType.Float32, [rows, 1 + n]);
        using var dA3 = dA.Reshape(rows, 1, 1 + n);
        be.MatMul(dO3, false, values, true, dA3);

        // Softmax backward; scores = scale·q·Kᵀ ⇒ dq = scale·dS·K, dK = scale·dSᵀ·q.
        using var dS = be.Empty(DType.Float32, [rows, 1 + n]);
        using var aRows = attn.Reshape(rows, 1 + n);
        be.SoftmaxBackward(aRows, dA, dS);
        using var dS3 = dS.Reshape(rows, 1, 1 + n);
        using var dq3 = dq.Reshape(rows, 1, d);
        be.MatMul(dS3, false, keys, false, dq3, scale);
        using var dKeys = be.Empty(DType.Float32, [rows, 1 + n, d]);
        be.MatMul(dS3, true, q3, false, dKeys, scale);

        Split(be, dKeys, dkToken, dkPatch, t, b, n, heads, d);
        Split(be, dValues, dvToken, dvPatch, t, b, n, heads, d);
    }

    private static (int T, int B, int N, int Dim, int D) Geometry(Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch,
                                                                   int heads, double scale)
    {
        AttentionShapes.RequireRank(q, nameof(q), 3, "[T, B, D]");
        AttentionShapes.RequireRank(kPatch, nameof(kPatch), 3, "[B, N, D]");
        int t = q.Shape[0], b = q.Shape[1], dim = q.Shape[2], n = kPatch.Shape[1];
        int d = AttentionShapes.HeadDim(heads, dim, "D");
        AttentionShapes.RequireScale(scale);
        AttentionShapes.Require(q, nameof(q), t, b, dim);
        AttentionShapes.Require(kToken, nameof(kToken), t, b, dim);
        AttentionShapes.Require(vToken, nameof(vToken), t, b, dim);
        AttentionShapes.Require(kPatch, nameof(kPatch), b, n, dim);
        AttentionShapes.Require(vPatch, nameof(vPatch), b, n, dim);
        return (t, b, n, dim, d);
    }

    /// <summary>{token[t, b]} ∪ patch[b] for every (t, b), permuted to a contiguous [T·B·H, 1+N, d].</summary>
    private static Tensor Keys(IBackend be, Tensor token, Tensor patch, int t, int b, int n, int heads, int d)
    {
        int dim = heads * d;
        using var all = be.Empty(DType.Float32, [t, b, 1 + n, dim]);
        using var first = all.Slice(2, 0, 1);
        using var token4 = token.Reshape(t, b, 1, dim);
        be.Copy(token4, first);
        using var rest = all.Slice(2, 1, n);
        using var patch4 = patch.Reshape(1, b, n, dim);
        using var expanded = patch4.Expand(t, b, n, dim);
        be.Copy(expanded, rest);
        using var split = all.Reshape(t, b, 1 + n, heads, d);
        using var permuted = split.Permute(0, 1, 3, 2, 4);
        var result = be.Empty(DType.Float32, [t * b * heads, 1 + n, d]);
        using var target = result.Reshape(t, b, heads, 1 + n, d);
        be.Copy(permuted, target);
        return result;
    }

    /// <summary>Gradients [T·B·H, 1+N, d] of the assembled keys back to the token [T, B, D] and the patches [B, N, D] (summed over T).</summary>
    private static void Split(IBackend be, Tensor grads, Tensor dToken, Tensor dPatch, int t, int b, int n, int heads, int d)
    {
        int dim = heads * d;
        using var split = grads.Reshape(t, b, heads, 1 + n, d);
        using var permuted = split.Permute(0, 1, 3, 2, 4); // [T, B, 1+N, H, d]
        using var first = permuted.Slice(2, 0, 1);
        using var token5 = dToken.Reshape(t, b, 1, heads, d);
        be.Copy(first, token5);
        using var rest = permuted.Slice(2, 1, n);
        using var dense = be.Empty(DType.Float32, [t, b, n, heads, d]);
        be.Copy(rest, dense);
        using var patch4 = dPatch.Reshape(b, n, heads, d);
        be.SumToShape(dense, patch4);
    }
}
