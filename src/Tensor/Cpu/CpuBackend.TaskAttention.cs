using System.Numerics;
using System.Runtime.Intrinsics;
using DyTox.Tensor.Cpu.Attention;

namespace DyTox.Tensor.Cpu;

// Task attention (class attention with one query per task token, dytox-spec §1.5): shape checks and dispatch
// to the kernels in Cpu/Attention.
public sealed unsafe partial class CpuBackend
{
    public void TaskAttentionForward(Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch, int heads, double scale,
                                     Tensor attn, Tensor output)
    {
        var dims = CheckTaskAttention(q, kToken, vToken, kPatch, vPatch, heads, scale, out var dtype);
        AttentionChecks.Require(attn, nameof(attn), dtype, dims.Tasks, dims.Batch, heads, dims.Keys);
        AttentionChecks.Require(output, nameof(output), dtype, dims.Tasks, dims.Batch, dims.Dim);
        if (dtype == DType.Float32) TaskAttentionForwardTyped<float>(dims, q, kToken, vToken, kPatch, vPatch, scale, attn, output);
        else TaskAttentionForwardTyped<double>(dims, q, kToken, vToken, kPatch, vPatch, scale, attn, output);
    }

    public void TaskAttentionBackward(Tensor dOutput, Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch,
                                      int heads, double scale, Tensor attn,
                                      Tensor dq, Tensor dkToken, Tensor dvToken, Tensor dkPatch, Tensor dvPatch)
    {
        var dims = CheckTaskAttention(q, kToken, vToken, kPatch, vPatch, heads, scale, out var dtype);
        int t = dims.Tasks, b = dims.Batch, n = dims.Patches, dim = dims.Dim;
        AttentionChecks.Require(dOutput, nameof(dOutput), dtype, t, b, dim);
        AttentionChecks.Require(attn, nameof(attn), dtype, t, b, heads, dims.Keys);
        AttentionChecks.Require(dq, nameof(dq), dtype, t, b, dim);
        AttentionChecks.Require(dkToken, nameof(dkToken), dtype, t, b, dim);
        AttentionChecks.Require(dvToken, nameof(dvToken), dtype, t, b, dim);
        AttentionChecks.Require(dkPatch, nameof(dkPatch), dtype, b, n, dim);
        AttentionChecks.Require(dvPatch, nameof(dvPatch), dtype, b, n, dim);
        if (dtype == DType.Float32)
            TaskAttentionBackwardTyped<float>(dims, dOutput, q, kToken, vToken, kPatch, vPatch, scale, attn, dq, dkToken, dvToken, dkPatch, dvPatch);
        else
            TaskAttentionBackwardTyped<double>(dims, dOutput, q, kToken, vToken, kPatch, vPatch, scale, attn, dq, dkToken, dvToken, dkPatch, dvPatch);
    }

    private static TaskAttentionDims CheckTaskAttention(Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch,
                                                        int heads, double scale, out DType dtype)
    {
        dtype = AttentionChecks.RequireFloating(q, nameof(q));
        AttentionChecks.RequireRank(q, nameof(q), 3, "[T, B, D]");
        AttentionChecks.RequireRank(kPatch, nameof(kPatch), 3, "[B, N, D]");
        int t = q.Size(0), b = q.Size(1), dim = q.Size(2), n = kPatch.Size(1);
        AttentionChecks.RequireHeads(heads, dim, "D");
        AttentionChecks.RequireScale(scale);
        AttentionChecks.Require(q, nameof(q), dtype, t, b, dim);
        AttentionChecks.Require(kToken, nameof(kToken), dtype, t, b, dim);
        AttentionChecks.Require(vToken, nameof(vToken), dtype, t, b, dim);
        AttentionChecks.Require(kPatch, nameof(kPatch), dtype, b, n, dim);
        AttentionChecks.Require(vPatch, nameof(vPatch), dtype, b, n, dim);
        return new TaskAttentionDims(t, b, n, dim, heads);
    }

    private static void TaskAttentionForwardTyped<T>(TaskAttentionDims dims, Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch,
                                                     Tensor vPatch, double scale, Tensor attn, Tensor output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateChecked(scale);
        T* pq = Ptr<T>(q), pkt = Ptr<T>(kToken), pvt = Ptr<T>(vToken), pkp = Ptr<T>(kPatch), pvp = Ptr<T>(vPatch);
        T* pa = Ptr<T>(attn), po = Ptr<T>(output);
        switch (AttentionSimd.Select())
        {
            case SimdWidth.Vector512: TaskAttentionKernels<T, Vector512<T>, Vector512Ops<T>>.Forward(dims, pq, pkt, pvt, pkp, pvp, s, pa, po); break;
            case SimdWidth.Vector256: TaskAttentionKernels<T, Vector256<T>, Vector256Ops<T>>.Forward(dims, pq, pkt, pvt, pkp, pvp, s, pa, po); break;
            default: TaskAttentionKernels<T, T, ScalarOps<T>>.Forward(dims, pq, pkt, pvt, pkp, pvp, s, pa, po); break;
        }
    }

    private static void TaskAttentionBackwardTyped<T>(TaskAttentionDims dims, Tensor dOutput, Tensor q, Tensor kToken, Tensor vToken,
                                                      Tensor kPatch, Tensor vPatch, double scale, Tensor attn, Tensor dq,
                                                      Tensor dkToken, Tensor dvToken, Tensor dkPatch, Tensor dvPatch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateChecked(scale);
        T* pdo = Ptr<T>(dOutput), pq = Ptr<T>(q), pkt = Ptr<T>(kToken), pvt = Ptr<T>(vToken), pkp = Ptr<T>(kPatch), pvp = Ptr<T>(vPatch);
        T* pa = Ptr<T>(attn), pdq = Ptr<T>(dq), pdkt = Ptr<T>(dkToken), pdvt = Ptr<T>(dvToken), pdkp = Ptr<T>(dkPatch), pdvp = Ptr<T>(dvPatch);
        switch (AttentionSimd.Select())
        {
            case SimdWidth.Vector512:
                TaskAttentionKernels<T, Vector512<T>, Vector512Ops<T>>.Backward(dims, pdo, pq, pkt, pvt, pkp, pvp, s, pa, pdq, pdkt, pdvt, pdkp, pdvp); break;
            case SimdWidth.Vector256:
                TaskAttentionKernels<T, Vector256<T>, Vector256Ops<T>>.Backward(dims, pdo, pq, pkt, pvt, pkp, pvp, s, pa, pdq, pdkt, pdvt, pdkp, pdvp); break;
            default:
                TaskAttentionKernels<T, T, ScalarOps<T>>.Backward(dims, pdo, pq, pkt, pvt, pkp, pvp, s, pa, pdq, pdkt, pdvt, pdkp, pdvp); break;
        }
    }
}
