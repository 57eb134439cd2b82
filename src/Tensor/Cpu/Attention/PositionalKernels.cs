using System.Numerics;
using System.Numerics.Tensors;

namespace DyTox.Tensor.Cpu.Attention;

/// <summary>
/// The batch-independent positional attention of GPSA: score[h, i, j] = Σ_f w[h, f]·rel[i, j, f] + b[h]
/// (f over the 3 features Δx, Δy, Δx²+Δy²), pos[h, i, ·] = softmax_j(score[h, i, ·]). Backward:
/// dscore = pos∘(dpos − rowsum(dpos∘pos)), dw[h, f] = Σ_ij dscore·rel[i, j, f], db[h] = Σ_ij dscore (zero
/// in exact arithmetic, since each softmax row's dscore sums to zero; computed anyway, as autograd would).
/// One work item per head; every sum runs in a fixed order.
/// </summary>
internal static unsafe class PositionalKernels<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public const int Features = 3;

    public static void Forward(int heads, int n, T* rel, T* weight, T* bias, T* pos)
    {
        nint relAddr = (nint)rel, wAddr = (nint)weight, bAddr = (nint)bias, posAddr = (nint)pos;
        AttentionParallel.For<T>(heads * n, 0, (row, _) =>
        {
            int h = row / n, i = row % n;
            T* w = (T*)wAddr + h * Features;
            T bh = ((T*)bAddr)[h];
            T* r = (T*)relAddr + (nint)i * n * Features;
            T* p = (T*)posAddr + (nint)row * n;
            for (int j = 0; j < n; j++)
                p[j] = w[0] * r[j * Features] + w[1] * r[j * Features + 1] + w[2] * r[j * Features + 2] + bh;
            var span = new Span<T>(p, n);
            RowMath.Softmax<T>(span, span);
        });
    }

    public static void Backward(int heads, int n, T* dPos, T* pos, T* rel, T* dWeight, T* dBias)
    {
        nint dPosAddr = (nint)dPos, posAddr = (nint)pos, relAddr = (nint)rel, dwAddr = (nint)dWeight, dbAddr = (nint)dBias;
        AttentionParallel.For<T>(heads, n, (h, buffer) =>
        {
            T w0 = T.Zero, w1 = T.Zero, w2 = T.Zero, bSum = T.Zero;
            var ds = buffer.AsSpan(0, n);
            for (int i = 0; i < n; i++)
            {
                var pRow = new ReadOnlySpan<T>((T*)posAddr + ((nint)h * n + i) * n, n);
                var gRow = new ReadOnlySpan<T>((T*)dPosAddr + ((nint)h * n + i) * n, n);
                T dot = TensorPrimitives.Dot(gRow, pRow);
                TensorPrimitives.Subtract(gRow, dot, ds);
                TensorPrimitives.Multiply(ds, pRow, ds);
                T* r = (T*)relAddr + (nint)i * n * Features;
                for (int j = 0; j < n; j++)
                {
                    T g = ds[j];
                    w0 += g * r[j * Features];
                    w1 += g * r[j * Features + 1];
                    w2 += g * r[j * Features + 2];
                    bSum += g;
                }
            }
            T* dw = (T*)dwAddr + h * Features;
            dw[0] = w0; dw[1] = w1; dw[2] = w2;
            ((T*)dbAddr)[h] = bSum;
        });
    }
}
