using System.Numerics;
using System.Numerics.Tensors;

namespace DyTox.Tensor.Cpu.Attention;

/// <summary>Extents of one task-attention call: q, kToken, vToken [T, B, D]; kPatch, vPatch [B, N, D]; H heads.</summary>
internal readonly record struct TaskAttentionDims(int Tasks, int Batch, int Patches, int Dim, int Heads)
{
    public int HeadDim => Dim / Heads;
    public int Keys => Patches + 1;
}

/// <summary>
/// Class attention with one query per task token (dytox-spec §1.5), all T task tokens of one (sample, head)
/// in one work item so the shared patch keys/values are packed once:
/// <code>
/// logit_t = scale·q_t·[kToken_t ; kPatch]ᵀ   a_t = softmax(logit_t)   out_t = a_t0·vToken_t + Σ_n a_t,1+n·vPatch_n
/// </code>
/// Backward: g_t = dO_t·[vToken_t ; vPatch]ᵀ, z_t = a_t∘(g_t − g_t·a_t) (dlogit); dq_t = scale·z_t·[kToken_t ; kPatch],
/// dkToken_t = scale·z_t0·q_t, dvToken_t = a_t0·dO_t, dkPatch = scale·Σ_t z_t,1+·q_t, dvPatch = Σ_t a_t,1+·dO_t.
/// The sums over tasks run inside the work item in task order, so they are deterministic.
/// </summary>
internal static unsafe class TaskAttentionKernels<T, TVec, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVec : unmanaged
    where TOps : struct, IVectorOps<T, TVec>
{
    public static void Forward(TaskAttentionDims dims, T* q, T* kToken, T* vToken, T* kPatch, T* vPatch, T scale, T* attn, T* output)
    {
        int tasks = dims.Tasks, batch = dims.Batch, n = dims.Patches, dim = dims.Dim, heads = dims.Heads, d = dims.HeadDim, keys = dims.Keys;
        int w = TOps.Count, np = HeadPacking.Padded(n, w), dp = HeadPacking.Padded(d, w);
        // Scratch: kPatchᵀ [d, np], vPatch [n, dp], patch logits [T, np], head output [T, dp].
        int scratch = d * np + n * dp + tasks * np + tasks * dp;
        nint qA = (nint)q, ktA = (nint)kToken, vtA = (nint)vToken, kpA = (nint)kPatch, vpA = (nint)vPatch, aA = (nint)attn, oA = (nint)output;
        nint taskRow = (nint)batch * dim, attnTaskRow = (nint)batch * heads * keys;
        AttentionParallel.For<T>(batch * heads, scratch, (item, buffer) =>
        {
            int b = item / heads, h = item % heads;
            fixed (T* s0 = buffer)
            {
                T* kpt = s0, vp = kpt + d * np, logits = vp + n * dp, o = logits + tasks * np;
                HeadPacking.PackTransposed((T*)kpA + (nint)b * n * dim + h * d, dim, n, d, kpt, np);
                T* vB = HeadPacking.RowOperand((T*)vpA + (nint)b * n * dim + h * d, dim, n, d, vp, dp, out nint ldv);
                nint head = (nint)b * dim + h * d;
                T* attnBh = (T*)aA + ((nint)b * heads + h) * keys;

                PackedGemm<T, TVec, TOps>.Multiply((T*)qA + head, taskRow, 1, kpt, np, logits, np, tasks, np / w, d, scale);
                for (int t = 0; t < tasks; t++)
                {
                    var row = new Span<T>(attnBh + t * attnTaskRow, keys);
                    row[0] = scale * TensorPrimitives.Dot(new ReadOnlySpan<T>((T*)qA + t * taskRow + head, d),
                                                          new ReadOnlySpan<T>((T*)ktA + t * taskRow + head, d));
                    new ReadOnlySpan<T>(logits + (nint)t * np, n).CopyTo(row[1..]);
                    RowMath.Softmax<T>(row, row);
                }

                // out_t = Σ_n a_t,1+n·vPatch_n (straight into the output when d is a whole number of registers) + a_t0·vToken_t.
                bool direct = d == dp;
                T* outHead = (T*)oA + head;
                PackedGemm<T, TVec, TOps>.Multiply(attnBh + 1, attnTaskRow, 1, vB, ldv, direct ? outHead : o, direct ? taskRow : dp, tasks, dp / w, n, T.One);
                for (int t = 0; t < tasks; t++)
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<T>((T*)vtA + t * taskRow + head, d), attnBh[t * attnTaskRow],
                                                 new ReadOnlySpan<T>(direct ? outHead + t * taskRow : o + (nint)t * dp, d),
                                                 new Span<T>(outHead + t * taskRow, d));
            }
        });
    }

    public static void Backward(TaskAttentionDims dims, T* dOut, T* q, T* kToken, T* vToken, T* kPatch, T* vPatch, T scale, T* attn,
                                T* dq, T* dkToken, T* dvToken, T* dkPatch, T* dvPatch)
    {
        int tasks = dims.Tasks, batch = dims.Batch, n = dims.Patches, dim = dims.Dim, heads = dims.Heads, d = dims.HeadDim, keys = dims.Keys;
        int w = TOps.Count, np = HeadPacking.Padded(n, w), dp = HeadPacking.Padded(d, w);
        // Scratch: vPatchᵀ [d, np], kPatch [n, dp], q [T, dp], dO [T, dp], g [T, np], z [T, keys], result [max(T, n), dp].
        int scratch = d * np + n * dp + 2 * tasks * dp + tasks * np + tasks * keys + Math.Max(tasks, n) * dp;
        nint dOA = (nint)dOut, qA = (nint)q, ktA = (nint)kToken, vtA = (nint)vToken, kpA = (nint)kPatch, vpA = (nint)vPatch, aA = (nint)attn;
        nint dqA = (nint)dq, dktA = (nint)dkToken, dvtA = (nint)dvToken, dkpA = (nint)dkPatch, dvpA = (nint)dvPatch;
        nint taskRow = (nint)batch * dim, attnTaskRow = (nint)batch * heads * keys;
        AttentionParallel.For<T>(batch * heads, scratch, (item, buffer) =>
        {
            int b = item / heads, h = item % heads;
            fixed (T* s0 = buffer)
            {
                T* vpt = s0, kp = vpt + d * np, qp = kp + n * dp, dop = qp + tasks * dp, g = dop + tasks * dp, z = g + tasks * np, r = z + tasks * keys;
                nint patchHead = (nint)b * n * dim + h * d, head = (nint)b * dim + h * d;
                HeadPacking.PackTransposed((T*)vpA + patchHead, dim, n, d, vpt, np);
                T* kB = HeadPacking.RowOperand((T*)kpA + patchHead, dim, n, d, kp, dp, out nint ldk);
                T* qB = HeadPacking.RowOperand((T*)qA + head, taskRow, tasks, d, qp, dp, out nint ldq);
                T* dOB = HeadPacking.RowOperand((T*)dOA + head, taskRow, tasks, d, dop, dp, out nint lddo);
                bool direct = d == dp;
                T* attnBh = (T*)aA + ((nint)b * heads + h) * keys;

                // g = dO·[vToken ; vPatch]ᵀ, then the softmax backward into z.
                PackedGemm<T, TVec, TOps>.Multiply((T*)dOA + head, taskRow, 1, vpt, np, g, np, tasks, np / w, d, T.One);
                for (int t = 0; t < tasks; t++)
                {
                    nint at = t * taskRow + head;
                    var dO = new ReadOnlySpan<T>((T*)dOA + at, d);
                    var a = new ReadOnlySpan<T>(attnBh + t * attnTaskRow, keys);
                    var zRow = new Span<T>(z + (nint)t * keys, keys);
                    zRow[0] = TensorPrimitives.Dot(dO, new ReadOnlySpan<T>((T*)vtA + at, d));
                    new ReadOnlySpan<T>(g + (nint)t * np, n).CopyTo(zRow[1..]);
                    T dot = TensorPrimitives.Dot<T>(zRow, a);
                    TensorPrimitives.Subtract<T>(zRow, dot, zRow);
                    TensorPrimitives.Multiply<T>(zRow, a, zRow);
                    TensorPrimitives.Multiply(new ReadOnlySpan<T>((T*)qA + at, d), scale * zRow[0], new Span<T>((T*)dktA + at, d));
                    TensorPrimitives.Multiply(dO, a[0], new Span<T>((T*)dvtA + at, d));
                }

                // dq = scale·z·[kToken ; kPatch].
                T* dqHead = (T*)dqA + head;
                PackedGemm<T, TVec, TOps>.Multiply(z + 1, keys, 1, kB, ldk, direct ? dqHead : r, direct ? taskRow : dp, tasks, dp / w, n, scale);
                for (int t = 0; t < tasks; t++)
                {
                    nint at = t * taskRow + head;
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<T>((T*)ktA + at, d), scale * z[(nint)t * keys],
                                                 new ReadOnlySpan<T>(direct ? (T*)dqA + at : r + (nint)t * dp, d), new Span<T>((T*)dqA + at, d));
                }

                // dkPatch = scale·zᵀ·q and dvPatch = aᵀ·dO, both summed over tasks in task order.
                T* dkHead = (T*)dkpA + patchHead, dvHead = (T*)dvpA + patchHead;
                PackedGemm<T, TVec, TOps>.Multiply(z + 1, 1, keys, qB, ldq, direct ? dkHead : r, direct ? dim : dp, n, dp / w, tasks, scale);
                if (!direct) HeadPacking.UnpackRows(r, dp, n, d, dkHead, dim);
                PackedGemm<T, TVec, TOps>.Multiply(attnBh + 1, 1, attnTaskRow, dOB, lddo, direct ? dvHead : r, direct ? dim : dp, n, dp / w, tasks, T.One);
                if (!direct) HeadPacking.UnpackRows(r, dp, n, d, dvHead, dim);
            }
        });
    }
}
