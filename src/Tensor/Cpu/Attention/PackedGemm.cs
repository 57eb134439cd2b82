using System.Numerics;
using System.Runtime.CompilerServices;

namespace DyTox.Tensor.Cpu.Attention;

/// <summary>
/// The small dense products inside one attention head (N×N×d and N×d×N, N ≈ 50–200, d ≈ 32):
/// C[m, 0..nVec·W) = alpha · Σ_p A[i, p] · B[p, ·] with W = TOps.Count. B's rows are contiguous and padded
/// to whole registers (packed by the caller); A is read one scalar at a time through two strides, so a
/// transposed A (e.g. Pᵀ or dSᵀ) costs nothing. Register blocking: 4 rows × up to 4 registers of columns
/// (16 accumulators), broadcasting A and streaming B's rows. Summation order over p is fixed, so results
/// do not depend on threading.
/// </summary>
internal static unsafe class PackedGemm<T, TVec, TOps>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TVec : unmanaged
    where TOps : struct, IVectorOps<T, TVec>
{
    public static void Multiply(T* a, nint aRow, nint aCol, T* b, nint ldb, T* c, nint ldc, int m, int nVec, int k, T alpha)
    {
        int w = TOps.Count;
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            int v = 0;
            for (; v + 4 <= nVec; v += 4) Block4x4(a + i * aRow, aRow, aCol, b + v * w, ldb, c + i * ldc + v * w, ldc, k, alpha);
            for (; v + 2 <= nVec; v += 2) Block4x2(a + i * aRow, aRow, aCol, b + v * w, ldb, c + i * ldc + v * w, ldc, k, alpha);
            for (; v < nVec; v++) Block4x1(a + i * aRow, aRow, aCol, b + v * w, ldb, c + i * ldc + v * w, ldc, k, alpha);
        }
        for (; i < m; i++)
        {
            int v = 0;
            for (; v + 4 <= nVec; v += 4) Block1x4(a + i * aRow, aCol, b + v * w, ldb, c + i * ldc + v * w, k, alpha);
            for (; v < nVec; v++) Block1x1(a + i * aRow, aCol, b + v * w, ldb, c + i * ldc + v * w, k, alpha);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x4(T* a, nint aRow, nint aCol, T* b, nint ldb, T* c, nint ldc, int k, T alpha)
    {
        int w = TOps.Count;
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c02 = TOps.Zero, c03 = TOps.Zero;
        TVec c10 = TOps.Zero, c11 = TOps.Zero, c12 = TOps.Zero, c13 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c23 = TOps.Zero;
        TVec c30 = TOps.Zero, c31 = TOps.Zero, c32 = TOps.Zero, c33 = TOps.Zero;
        T* a0 = a, a1 = a + aRow, a2 = a + 2 * aRow, a3 = a + 3 * aRow;
        for (int p = 0; p < k; p++)
        {
            T* bp = b + p * ldb;
            TVec b0 = TOps.Load(bp), b1 = TOps.Load(bp + w), b2 = TOps.Load(bp + 2 * w), b3 = TOps.Load(bp + 3 * w);
            nint o = p * aCol;
            TVec x = TOps.Splat(a0[o]);
            c00 = TOps.MultiplyAdd(x, b0, c00); c01 = TOps.MultiplyAdd(x, b1, c01); c02 = TOps.MultiplyAdd(x, b2, c02); c03 = TOps.MultiplyAdd(x, b3, c03);
            x = TOps.Splat(a1[o]);
            c10 = TOps.MultiplyAdd(x, b0, c10); c11 = TOps.MultiplyAdd(x, b1, c11); c12 = TOps.MultiplyAdd(x, b2, c12); c13 = TOps.MultiplyAdd(x, b3, c13);
            x = TOps.Splat(a2[o]);
            c20 = TOps.MultiplyAdd(x, b0, c20); c21 = TOps.MultiplyAdd(x, b1, c21); c22 = TOps.MultiplyAdd(x, b2, c22); c23 = TOps.MultiplyAdd(x, b3, c23);
            x = TOps.Splat(a3[o]);
            c30 = TOps.MultiplyAdd(x, b0, c30); c31 = TOps.MultiplyAdd(x, b1, c31); c32 = TOps.MultiplyAdd(x, b2, c32); c33 = TOps.MultiplyAdd(x, b3, c33);
        }
        TVec s = TOps.Splat(alpha);
        StoreRow(c, w, s, c00, c01, c02, c03);
        StoreRow(c + ldc, w, s, c10, c11, c12, c13);
        StoreRow(c + 2 * ldc, w, s, c20, c21, c22, c23);
        StoreRow(c + 3 * ldc, w, s, c30, c31, c32, c33);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x2(T* a, nint aRow, nint aCol, T* b, nint ldb, T* c, nint ldc, int k, T alpha)
    {
        int w = TOps.Count;
        TVec c00 = TOps.Zero, c01 = TOps.Zero, c10 = TOps.Zero, c11 = TOps.Zero;
        TVec c20 = TOps.Zero, c21 = TOps.Zero, c30 = TOps.Zero, c31 = TOps.Zero;
        T* a0 = a, a1 = a + aRow, a2 = a + 2 * aRow, a3 = a + 3 * aRow;
        for (int p = 0; p < k; p++)
        {
            T* bp = b + p * ldb;
            TVec b0 = TOps.Load(bp), b1 = TOps.Load(bp + w);
            nint o = p * aCol;
            TVec x = TOps.Splat(a0[o]);
            c00 = TOps.MultiplyAdd(x, b0, c00); c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Splat(a1[o]);
            c10 = TOps.MultiplyAdd(x, b0, c10); c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Splat(a2[o]);
            c20 = TOps.MultiplyAdd(x, b0, c20); c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Splat(a3[o]);
            c30 = TOps.MultiplyAdd(x, b0, c30); c31 = TOps.MultiplyAdd(x, b1, c31);
        }
        TVec s = TOps.Splat(alpha);
        TOps.Store(TOps.Multiply(c00, s), c); TOps.Store(TOps.Multiply(c01, s), c + w);
        TOps.Store(TOps.Multiply(c10, s), c + ldc); TOps.Store(TOps.Multiply(c11, s), c + ldc + w);
        TOps.Store(TOps.Multiply(c20, s), c + 2 * ldc); TOps.Store(TOps.Multiply(c21, s), c + 2 * ldc + w);
        TOps.Store(TOps.Multiply(c30, s), c + 3 * ldc); TOps.Store(TOps.Multiply(c31, s), c + 3 * ldc + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4x1(T* a, nint aRow, nint aCol, T* b, nint ldb, T* c, nint ldc, int k, T alpha)
    {
        TVec c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero;
        T* a0 = a, a1 = a + aRow, a2 = a + 2 * aRow, a3 = a + 3 * aRow;
        for (int p = 0; p < k; p++)
        {
            TVec b0 = TOps.Load(b + p * ldb);
            nint o = p * aCol;
            c0 = TOps.MultiplyAdd(TOps.Splat(a0[o]), b0, c0);
            c1 = TOps.MultiplyAdd(TOps.Splat(a1[o]), b0, c1);
            c2 = TOps.MultiplyAdd(TOps.Splat(a2[o]), b0, c2);
            c3 = TOps.MultiplyAdd(TOps.Splat(a3[o]), b0, c3);
        }
        TVec s = TOps.Splat(alpha);
        TOps.Store(TOps.Multiply(c0, s), c);
        TOps.Store(TOps.Multiply(c1, s), c + ldc);
        TOps.Store(TOps.Multiply(c2, s), c + 2 * ldc);
        TOps.Store(TOps.Multiply(c3, s), c + 3 * ldc);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block1x4(T* a, nint aCol, T* b, nint ldb, T* c, int k, T alpha)
    {
        int w = TOps.Count;
        TVec c0 = TOps.Zero, c1 = TOps.Zero, c2 = TOps.Zero, c3 = TOps.Zero;
        for (int p = 0; p < k; p++)
        {
            T* bp = b + p * ldb;
            TVec x = TOps.Splat(a[p * aCol]);
            c0 = TOps.MultiplyAdd(x, TOps.Load(bp), c0);
            c1 = TOps.MultiplyAdd(x, TOps.Load(bp + w), c1);
            c2 = TOps.MultiplyAdd(x, TOps.Load(bp + 2 * w), c2);
            c3 = TOps.MultiplyAdd(x, TOps.Load(bp + 3 * w), c3);
        }
        StoreRow(c, w, TOps.Splat(alpha), c0, c1, c2, c3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block1x1(T* a, nint aCol, T* b, nint ldb, T* c, int k, T alpha)
    {
        TVec c0 = TOps.Zero;
        for (int p = 0; p < k; p++) c0 = TOps.MultiplyAdd(TOps.Splat(a[p * aCol]), TOps.Load(b + p * ldb), c0);
        TOps.Store(TOps.Multiply(c0, TOps.Splat(alpha)), c);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, int w, TVec s, TVec x0, TVec x1, TVec x2, TVec x3)
    {
        TOps.Store(TOps.Multiply(x0, s), c);
        TOps.Store(TOps.Multiply(x1, s), c + w);
        TOps.Store(TOps.Multiply(x2, s), c + 2 * w);
        TOps.Store(TOps.Multiply(x3, s), c + 3 * w);
    }
}
