using System.Numerics;
using System.Runtime.Intrinsics;
using DyTox.Tensor.Cpu.Attention;

namespace DyTox.Tensor.Cpu;

// GPSA attention (dytox-spec §1.4): shape checks and dispatch to the kernels in Cpu/Attention, instantiated
// for the element type and the widest accelerated SIMD width.
public sealed unsafe partial class CpuBackend
{
    public void GpsaPositional(Tensor relIndices, Tensor weight, Tensor bias, Tensor posAttn)
    {
        var dtype = AttentionChecks.RequireFloating(weight, nameof(weight));
        AttentionChecks.RequireRank(weight, nameof(weight), 2, "[H, 3]");
        AttentionChecks.RequireRank(relIndices, nameof(relIndices), 3, "[N, N, 3]");
        int heads = weight.Size(0), n = relIndices.Size(0);
        AttentionChecks.Require(weight, nameof(weight), dtype, heads, PositionalKernels<float>.Features);
        AttentionChecks.Require(relIndices, nameof(relIndices), dtype, n, n, PositionalKernels<float>.Features);
        AttentionChecks.Require(bias, nameof(bias), dtype, heads);
        AttentionChecks.Require(posAttn, nameof(posAttn), dtype, heads, n, n);
        if (dtype == DType.Float32)
            PositionalKernels<float>.Forward(heads, n, Ptr<float>(relIndices), Ptr<float>(weight), Ptr<float>(bias), Ptr<float>(posAttn));
        else
            PositionalKernels<double>.Forward(heads, n, Ptr<double>(relIndices), Ptr<double>(weight), Ptr<double>(bias), Ptr<double>(posAttn));
    }

    public void GpsaPositionalBackward(Tensor dPosAttn, Tensor posAttn, Tensor relIndices, Tensor dWeight, Tensor dBias)
    {
        var dtype = AttentionChecks.RequireFloating(posAttn, nameof(posAttn));
        AttentionChecks.RequireRank(posAttn, nameof(posAttn), 3, "[H, N, N]");
        int heads = posAttn.Size(0), n = posAttn.Size(1);
        AttentionChecks.Require(posAttn, nameof(posAttn), dtype, heads, n, n);
        AttentionChecks.Require(dPosAttn, nameof(dPosAttn), dtype, heads, n, n);
        AttentionChecks.Require(relIndices, nameof(relIndices), dtype, n, n, PositionalKernels<float>.Features);
        AttentionChecks.Require(dWeight, nameof(dWeight), dtype, heads, PositionalKernels<float>.Features);
        AttentionChecks.Require(dBias, nameof(dBias), dtype, heads);
        if (dtype == DType.Float32)
            PositionalKernels<float>.Backward(heads, n, Ptr<float>(dPosAttn), Ptr<float>(posAttn), Ptr<float>(relIndices), Ptr<float>(dWeight), Ptr<float>(dBias));
        else
            PositionalKernels<double>.Backward(heads, n, Ptr<double>(dPosAttn), Ptr<double>(posAttn), Ptr<double>(relIndices), Ptr<double>(dWeight), Ptr<double>(dBias));
    }

    public void GpsaForward(Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                            Tensor contentAttn, Tensor attn, Tensor output)
    {
        var dims = CheckGpsa(qk, v, posAttn, gates, heads, scale, out var dtype);
        int b = dims.Batch, n = dims.Tokens, dim = dims.Dim;
        AttentionChecks.Require(contentAttn, nameof(contentAttn), dtype, b, heads, n, n);
        AttentionChecks.Require(attn, nameof(attn), dtype, b, heads, n, n);
        AttentionChecks.Require(output, nameof(output), dtype, b, n, dim);
        if (dtype == DType.Float32) GpsaForwardTyped<float>(dims, qk, v, posAttn, gates, scale, contentAttn, attn, output);
        else GpsaForwardTyped<double>(dims, qk, v, posAttn, gates, scale, contentAttn, attn, output);
    }

    public void GpsaBackward(Tensor dOutput, Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                             Tensor contentAttn, Tensor attn, Tensor dqk, Tensor dv, Tensor dPosAttn, Tensor dGates)
    {
        var dims = CheckGpsa(qk, v, posAttn, gates, heads, scale, out var dtype);
        int b = dims.Batch, n = dims.Tokens, dim = dims.Dim;
        AttentionChecks.Require(dOutput, nameof(dOutput), dtype, b, n, dim);
        AttentionChecks.Require(contentAttn, nameof(contentAttn), dtype, b, heads, n, n);
        AttentionChecks.Require(attn, nameof(attn), dtype, b, heads, n, n);
        AttentionChecks.Require(dqk, nameof(dqk), dtype, b, n, 2 * dim);
        AttentionChecks.Require(dv, nameof(dv), dtype, b, n, dim);
        AttentionChecks.Require(dPosAttn, nameof(dPosAttn), dtype, heads, n, n);
        AttentionChecks.Require(dGates, nameof(dGates), dtype, heads);
        if (b == 0 || n == 0)
        {
            Fill(dPosAttn, 0);
            Fill(dGates, 0);
            return;
        }
        // Per-chunk partials of the batch reductions, summed afterwards in chunk order.
        using var dPosPartial = Empty(dtype, [dims.Chunks, heads, n, n]);
        using var dGatePartial = Empty(dtype, [dims.Chunks, heads]);
        if (dtype == DType.Float32)
            GpsaBackwardTyped<float>(dims, dOutput, qk, v, posAttn, gates, scale, contentAttn, attn, dqk, dv, dPosAttn, dGates, dPosPartial, dGatePartial);
        else
            GpsaBackwardTyped<double>(dims, dOutput, qk, v, posAttn, gates, scale, contentAttn, attn, dqk, dv, dPosAttn, dGates, dPosPartial, dGatePartial);
    }

    private static GpsaDims CheckGpsa(Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale, out DType dtype)
    {
        dtype = AttentionChecks.RequireFloating(qk, nameof(qk));
        AttentionChecks.RequireRank(qk, nameof(qk), 3, "[B, N, 2D]");
        int b = qk.Size(0), n = qk.Size(1), twoDim = qk.Size(2);
        if (twoDim % 2 != 0) throw new ArgumentException($"qk has shape {Shape.Format(qk.Shape)}; its last extent 2D must be even.", nameof(qk));
        int dim = twoDim / 2;
        AttentionChecks.RequireHeads(heads, dim, "D");
        AttentionChecks.RequireScale(scale);
        AttentionChecks.Require(qk, nameof(qk), dtype, b, n, twoDim);
        AttentionChecks.Require(v, nameof(v), dtype, b, n, dim);
        AttentionChecks.Require(posAttn, nameof(posAttn), dtype, heads, n, n);
        AttentionChecks.Require(gates, nameof(gates), dtype, heads);
        return new GpsaDims(b, n, dim, heads);
    }

    private static void GpsaForwardTyped<T>(GpsaDims dims, Tensor qk, Tensor v, Tensor posAttn, Tensor gates, double scale,
                                            Tensor contentAttn, Tensor attn, Tensor output)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateChecked(scale);
        T* pqk = Ptr<T>(qk), pv = Ptr<T>(v), ppos = Ptr<T>(posAttn), pg = Ptr<T>(gates);
        T* pc = Ptr<T>(contentAttn), pa = Ptr<T>(attn), po = Ptr<T>(output);
        switch (AttentionSimd.Select())
        {
            case SimdWidth.Vector512: GpsaKernels<T, Vector512<T>, Vector512Ops<T>>.Forward(dims, pqk, pv, ppos, pg, s, pc, pa, po); break;
            case SimdWidth.Vector256: GpsaKernels<T, Vector256<T>, Vector256Ops<T>>.Forward(dims, pqk, pv, ppos, pg, s, pc, pa, po); break;
            default: GpsaKernels<T, T, ScalarOps<T>>.Forward(dims, pqk, pv, ppos, pg, s, pc, pa, po); break;
        }
    }

    private static void GpsaBackwardTyped<T>(GpsaDims dims, Tensor dOutput, Tensor qk, Tensor v, Tensor posAttn, Tensor gates, double scale,
                                             Tensor contentAttn, Tensor attn, Tensor dqk, Tensor dv, Tensor dPosAttn, Tensor dGates,
                                             Tensor dPosPartial, Tensor dGatePartial)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T s = T.CreateChecked(scale);
        T* pdo = Ptr<T>(dOutput), pqk = Ptr<T>(qk), pv = Ptr<T>(v), ppos = Ptr<T>(posAttn), pg = Ptr<T>(gates);
        T* pc = Ptr<T>(contentAttn), pa = Ptr<T>(attn), pdqk = Ptr<T>(dqk), pdv = Ptr<T>(dv);
        T* ppart = Ptr<T>(dPosPartial), pgpart = Ptr<T>(dGatePartial);
        switch (AttentionSimd.Select())
        {
            case SimdWidth.Vector512: GpsaKernels<T, Vector512<T>, Vector512Ops<T>>.Backward(dims, pdo, pqk, pv, ppos, pg, s, pc, pa, pdqk, pdv, ppart, pgpart); break;
            case SimdWidth.Vector256: GpsaKernels<T, Vector256<T>, Vector256Ops<T>>.Backward(dims, pdo, pqk, pv, ppos, pg, s, pc, pa, pdqk, pdv, ppart, pgpart); break;
            default: GpsaKernels<T, T, ScalarOps<T>>.Backward(dims, pdo, pqk, pv, ppos, pg, s, pc, pa, pdqk, pdv, ppart, pgpart); break;
        }
        // The reduction does not depend on the SIMD width: any instantiation will do.
        GpsaKernels<T, T, ScalarOps<T>>.ReduceChunks(dims, pg, ppart, pgpart, Ptr<T>(dPosAttn), Ptr<T>(dGates));
    }

    private static T* Ptr<T>(Tensor t) where T : unmanaged => (T*)t.Address;
}
