using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DyTox.Tensor.Cpu;

/// <summary>
/// Vector512 loops shared by the ops: reductions with a fixed association order (four vector accumulators,
/// then lanes, then the scalar tail), so a row gives the same bits wherever it lies in memory, unlike
/// TensorPrimitives' aggregations, whose order depends on the pointer's alignment.
/// </summary>
internal static unsafe class Simd
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Load<T>(T* p) where T : unmanaged => Vector512.Load(p);

    /// <summary>Element-wise e^v (the runtime's vectorised exp, ~1 ulp) for float or double lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Exp<T>(Vector512<T> v) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector512.Exp(v.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.Exp(v.As<T, double>()).As<double, T>();
        throw new NotSupportedException(typeof(T).Name);
    }

    /// <summary>a·b + c with one rounding, for float or double lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> FusedMultiplyAdd<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return Vector512.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        if (typeof(T) == typeof(double)) return Vector512.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
        throw new NotSupportedException(typeof(T).Name);
    }

    public static T Sum<T>(T* p, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, i = 0;
        var acc = Vector512<T>.Zero;
        if (n >= 4 * w)
        {
            Vector512<T> a0 = Vector512<T>.Zero, a1 = a0, a2 = a0, a3 = a0;
            for (; i <= n - 4 * w; i += 4 * w)
            {
                a0 += Vector512.Load(p + i);
                a1 += Vector512.Load(p + i + w);
                a2 += Vector512.Load(p + i + 2 * w);
                a3 += Vector512.Load(p + i + 3 * w);
            }
            acc = (a0 + a1) + (a2 + a3);
        }
        for (; i <= n - w; i += w) acc += Vector512.Load(p + i);
        T s = Vector512.Sum(acc);
        for (; i < n; i++) s += p[i];
        return s;
    }

    public static T SumOfSquares<T>(T* p, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, i = 0;
        Vector512<T> a0 = Vector512<T>.Zero, a1 = a0;
        for (; i <= n - 2 * w; i += 2 * w)
        {
            var x0 = Vector512.Load(p + i);
            var x1 = Vector512.Load(p + i + w);
            a0 += x0 * x0;
            a1 += x1 * x1;
        }
        for (; i <= n - w; i += w)
        {
            var x = Vector512.Load(p + i);
            a0 += x * x;
        }
        T s = Vector512.Sum(a0 + a1);
        for (; i < n; i++) s += p[i] * p[i];
        return s;
    }

    /// <summary>Σ (p[i] − center)², the second pass of a two-pass variance.</summary>
    public static T SumOfSquaredDeviations<T>(T* p, int n, T center) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, i = 0;
        var c = Vector512.Create(center);
        Vector512<T> a0 = Vector512<T>.Zero, a1 = a0;
        for (; i <= n - 2 * w; i += 2 * w)
        {
            var d0 = Vector512.Load(p + i) - c;
            var d1 = Vector512.Load(p + i + w) - c;
            a0 += d0 * d0;
            a1 += d1 * d1;
        }
        for (; i <= n - w; i += w)
        {
            var d = Vector512.Load(p + i) - c;
            a0 += d * d;
        }
        T s = Vector512.Sum(a0 + a1);
        for (; i < n; i++) { T d = p[i] - center; s += d * d; }
        return s;
    }

    public static T Dot<T>(T* a, T* b, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, i = 0;
        Vector512<T> a0 = Vector512<T>.Zero, a1 = a0;
        for (; i <= n - 2 * w; i += 2 * w)
        {
            a0 += Vector512.Load(a + i) * Vector512.Load(b + i);
            a1 += Vector512.Load(a + i + w) * Vector512.Load(b + i + w);
        }
        for (; i <= n - w; i += w) a0 += Vector512.Load(a + i) * Vector512.Load(b + i);
        T s = Vector512.Sum(a0 + a1);
        for (; i < n; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>Maximum of n ≥ 1 elements; NaN if any element is NaN (torch semantics).</summary>
    public static T Max<T>(T* p, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, i = 0;
        T m;
        if (n >= w)
        {
            var acc = Vector512.Load(p);
            for (i = w; i <= n - w; i += w) acc = Vector512.Max(acc, Vector512.Load(p + i));
            // Fold halves (512 → 256 → 128 bits), then the last few lanes.
            var half = Vector256.Max(acc.GetLower(), acc.GetUpper());
            var quarter = Vector128.Max(half.GetLower(), half.GetUpper());
            m = quarter[0];
            for (int l = 1; l < Vector128<T>.Count; l++) m = T.Max(m, quarter[l]);
        }
        else
        {
            m = p[0];
            i = 1;
        }
        for (; i < n; i++) m = T.Max(m, p[i]);
        return m;
    }

    /// <summary>dst[i] += src[i].</summary>
    public static void AddInPlace<T>(T* dst, T* src, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, i = 0;
        for (; i <= n - w; i += w) (Vector512.Load(dst + i) + Vector512.Load(src + i)).Store(dst + i);
        for (; i < n; i++) dst[i] += src[i];
    }

    /// <summary>dst[i] += a[i]·b[i].</summary>
    public static void AddProductInPlace<T>(T* dst, T* a, T* b, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int w = Vector512<T>.Count, i = 0;
        for (; i <= n - w; i += w)
            (Vector512.Load(dst + i) + Vector512.Load(a + i) * Vector512.Load(b + i)).Store(dst + i);
        for (; i < n; i++) dst[i] += a[i] * b[i];
    }

    /// <summary>
    /// Column sums of a row-major [rows, cols] block into dst[cols] (assigned), deterministically: rows are cut
    /// into fixed chunks whose partial sums are added in chunk order, so the result does not depend on the
    /// thread count, and accumulating per chunk keeps the rounding error near √rows·eps.
    /// </summary>
    public static void ColumnSums<T>(T* src, int rows, int cols, T* dst) where T : unmanaged, IFloatingPointIeee754<T>
    {
        const int ChunkRows = 64;
        int chunks = CpuParallel.ChunkCount(rows, ChunkRows);
        if (chunks <= 1)
        {
            new Span<T>(dst, cols).Clear();
            for (int r = 0; r < rows; r++) AddInPlace(dst, src + (long)r * cols, cols);
            return;
        }
        // Pooled scratch: a training step calls this every time with the same sizes.
        var partial = ArrayPool<T>.Shared.Rent(checked(chunks * cols));
        try
        {
            fixed (T* part = partial)
            {
            T* pp = part;
            CpuParallel.For(chunks, (long)ChunkRows * cols, (begin, end) =>
            {
                for (int c = begin; c < end; c++)
                {
                    T* acc = pp + (long)c * cols;
                    new Span<T>(acc, cols).Clear();
                    int r0 = c * ChunkRows, r1 = Math.Min(rows, r0 + ChunkRows);
                    for (int r = r0; r < r1; r++) AddInPlace(acc, src + (long)r * cols, cols);
                }
            });
            new Span<T>(dst, cols).Clear();
            for (int c = 0; c < chunks; c++) AddInPlace(dst, pp + (long)c * cols, cols);
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(partial);
        }
    }
}
