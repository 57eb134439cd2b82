using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>
/// Copies blocks of op(A) and op(B) into the panel layouts the micro-kernels stream through, zero-padding ragged
/// edges so kernels always run full tiles. A panel: for each k step, MR consecutive rows. B panel: for each k step,
/// NR consecutive columns.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>Packs op(A)[row0 .. row0+rows, col0 .. col0+kc] into ceil(rows/mr) panels of kc·mr values.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA<T>(bool transA, T* a, int lda, int row0, int rows, int col0, int kc, int mr, T* dst)
        where T : unmanaged, INumberBase<T>
    {
        for (int r = 0; r < rows; r += mr)
        {
            int valid = Math.Min(mr, rows - r);
            T* panel = dst + (long)r * kc;
            if (transA)
            {
                // op(A)[i, p] = A[p, i]: each k step is a contiguous run of rows.
                for (int p = 0; p < kc; p++)
                {
                    T* src = a + (long)(col0 + p) * lda + row0 + r;
                    T* d = panel + (long)p * mr;
                    CopyRun((byte*)d, (byte*)src, valid * sizeof(T));
                    for (int i = valid; i < mr; i++) d[i] = T.Zero;
                }
            }
            else if (typeof(T) == typeof(float) && Sse.IsSupported && valid == mr && mr % 4 == 0)
            {
                TransposeToPanel((float*)(a + (long)(row0 + r) * lda + col0), lda, mr, kc, (float*)panel, mr);
            }
            else
            {
                for (int i = 0; i < valid; i++)
                {
                    T* src = a + (long)(row0 + r + i) * lda + col0;
                    T* d = panel + i;
                    for (int p = 0; p < kc; p++) d[(long)p * mr] = src[p];
                }
                for (int i = valid; i < mr; i++)
                    for (int p = 0; p < kc; p++) panel[(long)p * mr + i] = T.Zero;
            }
        }
    }

    /// <summary>Packs panels [panel0, panel1) of op(B)[row0 .. row0+kc, col0 .. col0+cols] (nr columns per panel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<T>(bool transB, T* b, int ldb, int row0, int kc, int col0, int cols, int nr, int panel0, int panel1, T* dst)
        where T : unmanaged, INumberBase<T>
    {
        for (int jp = panel0; jp < panel1; jp++)
        {
            int c = jp * nr;
            int valid = Math.Min(nr, cols - c);
            T* panel = dst + (long)c * kc;
            if (!transB)
            {
                for (int p = 0; p < kc; p++)
                {
                    T* src = b + (long)(row0 + p) * ldb + col0 + c;
                    T* d = panel + (long)p * nr;
                    CopyRun((byte*)d, (byte*)src, valid * sizeof(T));
                    for (int j = valid; j < nr; j++) d[j] = T.Zero;
                }
            }
            else if (typeof(T) == typeof(float) && Sse.IsSupported && valid == nr && nr % 4 == 0)
            {
                TransposeToPanel((float*)(b + (long)(col0 + c) * ldb + row0), ldb, nr, kc, (float*)panel, nr);
            }
            else
            {
                // op(B)[p, j] = B[j, p]: each column of op(B) is a contiguous stored row.
                for (int j = 0; j < valid; j++)
                {
                    T* src = b + (long)(col0 + c + j) * ldb + row0;
                    T* d = panel + j;
                    for (int p = 0; p < kc; p++) d[(long)p * nr] = src[p];
                }
                for (int j = valid; j < nr; j++)
                    for (int p = 0; p < kc; p++) panel[(long)p * nr + j] = T.Zero;
            }
        }
    }

    /// <summary>
    /// dst[p·dstStride + i] = src[i·ld + p] for i &lt; rows (a multiple of 4), p &lt; kc: 4×4 SSE transposes, about three
    /// times faster than the strided scalar copy for the row-major A (NN/NT) and transposed B (NT/TT) operands.
    /// </summary>
    private static void TransposeToPanel(float* src, int ld, int rows, int kc, float* dst, int dstStride)
    {
        for (int i = 0; i < rows; i += 4)
        {
            float* s0 = src + (long)i * ld, s1 = s0 + ld, s2 = s1 + ld, s3 = s2 + ld;
            float* d = dst + i;
            int p = 0;
            for (; p + 4 <= kc; p += 4)
            {
                var r0 = Sse.LoadVector128(s0 + p);
                var r1 = Sse.LoadVector128(s1 + p);
                var r2 = Sse.LoadVector128(s2 + p);
                var r3 = Sse.LoadVector128(s3 + p);
                var t0 = Sse.UnpackLow(r0, r1);
                var t1 = Sse.UnpackLow(r2, r3);
                var t2 = Sse.UnpackHigh(r0, r1);
                var t3 = Sse.UnpackHigh(r2, r3);
                float* o = d + (long)p * dstStride;
                Sse.Store(o, Sse.MoveLowToHigh(t0, t1));
                Sse.Store(o + dstStride, Sse.MoveHighToLow(t1, t0));
                Sse.Store(o + 2 * dstStride, Sse.MoveLowToHigh(t2, t3));
                Sse.Store(o + 3 * dstStride, Sse.MoveHighToLow(t3, t2));
            }
            for (; p < kc; p++)
            {
                float* o = d + (long)p * dstStride;
                o[0] = s0[p]; o[1] = s1[p]; o[2] = s2[p]; o[3] = s3[p];
            }
        }
    }

    /// <summary>
    /// Copies one k step of a panel (MR or NR elements: 16–128 bytes for every kernel). Fixed-size vector copies for
    /// the tile widths in use, because a general memmove call per 48-byte run costs as much as the copy itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(byte* dst, byte* src, int bytes)
    {
        switch (bytes)
        {
            case 128: Vector512.Store(Vector512.Load(src), dst); Vector512.Store(Vector512.Load(src + 64), dst + 64); break;
            case 96: Vector512.Store(Vector512.Load(src), dst); Vector256.Store(Vector256.Load(src + 64), dst + 64); break;
            case 64: Vector512.Store(Vector512.Load(src), dst); break;
            case 48: Vector256.Store(Vector256.Load(src), dst); Vector128.Store(Vector128.Load(src + 32), dst + 32); break;
            case 32: Vector256.Store(Vector256.Load(src), dst); break;
            case 24: Vector128.Store(Vector128.Load(src), dst); *(ulong*)(dst + 16) = *(ulong*)(src + 16); break;
            case 16: Vector128.Store(Vector128.Load(src), dst); break;
            default: Buffer.MemoryCopy(src, dst, bytes, bytes); break;
        }
    }
}
