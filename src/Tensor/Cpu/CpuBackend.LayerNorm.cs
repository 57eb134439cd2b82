using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace DyTox.Tensor.Cpu;

// LayerNorm over the last axis (torch semantics: biased variance, eps inside the square root).
public sealed unsafe partial class CpuBackend
{
    /// <summary>Rows per chunk of the backward's dGamma/dBeta partial sums (fixed: results do not depend on threads).</summary>
    private const int LayerNormChunkRows = 32;

    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor rstd)
    {
        const string op = "LayerNorm";
        RequireContiguous((x, nameof(x)), (gamma, nameof(gamma)), (beta, nameof(beta)), (y, nameof(y)), (mean, nameof(mean)), (rstd, nameof(rstd)));
        var dtype = FloatingDType(op, x, nameof(x), (gamma, nameof(gamma)), (beta, nameof(beta)), (y, nameof(y)), (mean, nameof(mean)), (rstd, nameof(rstd)));
        var (rows, width) = RowsOf(op, x, nameof(x));
        RequireShape(op, gamma, nameof(gamma), [width]);
        RequireShape(op, beta, nameof(beta), [width]);
        RequireSameShape(op, x, nameof(x), y, nameof(y));
        RequireStatistics(op, x, mean, nameof(mean));
        RequireStatistics(op, x, rstd, nameof(rstd));
        if (!(eps >= 0)) throw new ArgumentOutOfRangeException(nameof(eps), $"{op}: eps must be non-negative; got {eps}.");
        if (dtype == DType.Float32) LayerNormImpl<float>(x, gamma, beta, eps, y, mean, rstd, rows, width);
        else LayerNormImpl<double>(x, gamma, beta, eps, y, mean, rstd, rows, width);
    }

    public void LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx, Tensor dGamma, Tensor dBeta)
    {
        const string op = "LayerNormBackward";
        RequireContiguous((dy, nameof(dy)), (x, nameof(x)), (gamma, nameof(gamma)), (mean, nameof(mean)), (rstd, nameof(rstd)),
                          (dx, nameof(dx)), (dGamma, nameof(dGamma)), (dBeta, nameof(dBeta)));
        var dtype = FloatingDType(op, x, nameof(x), (dy, nameof(dy)), (gamma, nameof(gamma)), (mean, nameof(mean)), (rstd, nameof(rstd)),
                                  (dx, nameof(dx)), (dGamma, nameof(dGamma)), (dBeta, nameof(dBeta)));
        var (rows, width) = RowsOf(op, x, nameof(x));
        RequireSameShape(op, x, nameof(x), dy, nameof(dy));
        RequireSameShape(op, x, nameof(x), dx, nameof(dx));
        RequireShape(op, gamma, nameof(gamma), [width]);
        RequireShape(op, dGamma, nameof(dGamma), [width]);
        RequireShape(op, dBeta, nameof(dBeta), [width]);
        RequireStatistics(op, x, mean, nameof(mean));
        RequireStatistics(op, x, rstd, nameof(rstd));
        if (dtype == DType.Float32) LayerNormBackwardImpl<float>(dy, x, gamma, mean, rstd, dx, dGamma, dBeta, rows, width);
        else LayerNormBackwardImpl<double>(dy, x, gamma, mean, rstd, dx, dGamma, dBeta, rows, width);
    }

    /// <summary>Per-row statistics have x's shape without the last axis (a rank-1 x has one row: [1] is accepted too).</summary>
    private static void RequireStatistics(string op, Tensor x, Tensor stat, string name)
    {
        var expected = LeadingShape(x);
        if (stat.Shape.SequenceEqual(expected)) return;
        if (expected.Length == 0 && stat.Numel == 1) return;
        throw new ArgumentException($"{op}: {name} has shape {Shape.Format(stat.Shape)}; expected {Shape.Format(expected)} (x's shape without the last axis).");
    }

    private static void LayerNormImpl<T>(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor rstd, int rows, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (width == 0) return;
        T* px = (T*)x.Address, pg = (T*)gamma.Address, pb = (T*)beta.Address, py = (T*)y.Address, pm = (T*)mean.Address, pr = (T*)rstd.Address;
        T n = T.CreateTruncating(width), e = T.CreateTruncating(eps);
        CpuParallel.For(rows, 3L * width, (begin, end) =>
        {
            int w = Vector512<T>.Count;
            for (int r = begin; r < end; r++)
            {
                T* xr = px + (long)r * width, yr = py + (long)r * width;
                // Two passes (mean, then squared deviations) keep the variance accurate for rows with a large mean.
                T mu = Simd.Sum(xr, width) / n;
                T variance = Simd.SumOfSquaredDeviations(xr, width, mu) / n;
                T rs = T.One / T.Sqrt(variance + e);
                pm[r] = mu;
                pr[r] = rs;
                var vmu = Vector512.Create(mu);
                var vrs = Vector512.Create(rs);
                int i = 0;
                for (; i <= width - w; i += w)
                    (((Vector512.Load(xr + i) - vmu) * vrs) * Vector512.Load(pg + i) + Vector512.Load(pb + i)).Store(yr + i);
                for (; i < width; i++) yr[i] = (xr[i] - mu) * rs * pg[i] + pb[i];
            }
        });
    }

    private static void LayerNormBackwardImpl<T>(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx, Tensor dGamma, Tensor dBeta, int rows, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* pdy = (T*)dy.Address, px = (T*)x.Address, pg = (T*)gamma.Address, pm = (T*)mean.Address, pr = (T*)rstd.Address, pdx = (T*)dx.Address;
        T* pdg = (T*)dGamma.Address, pdb = (T*)dBeta.Address;
        if (rows == 0 || width == 0)
        {
            new Span<T>(pdg, width).Clear();
            new Span<T>(pdb, width).Clear();
            return;
        }
        int chunks = CpuParallel.ChunkCount(rows, LayerNormChunkRows);
        // Per chunk: dGamma partial in [0, width), dBeta partial in [width, 2·width).
        // Pooled scratch (a training step asks for the same size every time); each chunk clears its own part.
        var partial = ArrayPool<T>.Shared.Rent(checked(chunks * 2 * width));
        T n = T.CreateTruncating(width);
        try
        {
            fixed (T* part = partial)
            {
                T* pp = part;
                CpuParallel.For(chunks, 6L * LayerNormChunkRows * width, (begin, end) =>
                {
                    int w = Vector512<T>.Count;
                    for (int c = begin; c < end; c++)
                    {
                        T* accG = pp + (long)c * 2 * width, accB = accG + width;
                        new Span<T>(accG, 2 * width).Clear();
                        int r0 = c * LayerNormChunkRows, r1 = Math.Min(rows, r0 + LayerNormChunkRows);
                        for (int r = r0; r < r1; r++)
                        {
                            T* xr = px + (long)r * width, gr = pdy + (long)r * width, dr = pdx + (long)r * width;
                            T mu = pm[r], rs = pr[r];
                            var vmu = Vector512.Create(mu);
                            var vrs = Vector512.Create(rs);
                            // Σ g and Σ g·x̂ with g = dy·γ; also accumulate dγ += dy·x̂ and dβ += dy.
                            var s1 = Vector512<T>.Zero;
                            var s2 = Vector512<T>.Zero;
                            int i = 0;
                            for (; i <= width - w; i += w)
                            {
                                var d = Vector512.Load(gr + i);
                                var xh = (Vector512.Load(xr + i) - vmu) * vrs;
                                var g = d * Vector512.Load(pg + i);
                                s1 += g;
                                s2 += g * xh;
                                (Vector512.Load(accG + i) + d * xh).Store(accG + i);
                                (Vector512.Load(accB + i) + d).Store(accB + i);
                            }
                            T sumG = Vector512.Sum(s1), sumGX = Vector512.Sum(s2);
                            for (; i < width; i++)
                            {
                                T d = gr[i], xh = (xr[i] - mu) * rs, g = d * pg[i];
                                sumG += g;
                                sumGX += g * xh;
                                accG[i] += d * xh;
                                accB[i] += d;
                            }
                            // dx = rstd·(g − mean(g) − x̂·mean(g·x̂))
                            T mg = sumG / n, mgx = sumGX / n;
                            var vmg = Vector512.Create(mg);
                            var vmgx = Vector512.Create(mgx);
                            i = 0;
                            for (; i <= width - w; i += w)
                            {
                                var xh = (Vector512.Load(xr + i) - vmu) * vrs;
                                var g = Vector512.Load(gr + i) * Vector512.Load(pg + i);
                                (vrs * (g - vmg - xh * vmgx)).Store(dr + i);
                            }
                            for (; i < width; i++)
                            {
                                T xh = (xr[i] - mu) * rs;
                                dr[i] = rs * (gr[i] * pg[i] - mg - xh * mgx);
                            }
                        }
                    }
                });
                new Span<T>(pdg, width).Clear();
                new Span<T>(pdb, width).Clear();
                for (int c = 0; c < chunks; c++)
                {
                    Simd.AddInPlace(pdg, pp + (long)c * 2 * width, width);
                    Simd.AddInPlace(pdb, pp + (long)c * 2 * width + width, width);
                }
            }
        }
        finally
        {
            ArrayPool<T>.Shared.Return(partial);
        }
    }
}
