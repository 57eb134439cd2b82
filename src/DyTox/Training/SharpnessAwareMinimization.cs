using DyTox.Autograd;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Training;

/// <summary>
/// Sharpness-aware minimisation as the original's <c>continual/sam.py</c> (dytox-spec §2.9). After the first backward at
/// w, <see cref="Perturb"/> moves every parameter with a gradient by e = s·w²⊙g (ASAM, DyTox++'s <c>sam_adaptive</c>) or
/// e = s·g (plain SAM), s = ρ / (‖|w|⊙g‖₂ + 1e-12) resp. ρ / (‖g‖₂ + 1e-12) over all of them, so that the second backward
/// runs at w + e; <see cref="Restore"/> moves them back before the optimiser step.
/// <para>LookSAM (<c>look_sam_k</c> = k > 0, <c>look_sam_alpha</c> = α): only every k-th step of an epoch (steps 0, k, 2k, …)
/// takes both passes; it also keeps, per parameter, the part of the sharpness-aware gradient g_s orthogonal to the
/// plain one g: g_v = g_s − ‖g_s‖·cos(g, g_s)·g/‖g‖. The steps between take one pass and add α·(‖g‖/‖g_v‖)·g_v to their
/// gradient (<see cref="AddLookSamDirection"/>).</para>
/// </summary>
public sealed class SharpnessAwareMinimization : IDisposable
{
    private readonly List<(Parameter Parameter, TensorT Perturbation)> applied = new();
    private readonly Dictionary<Parameter, TensorT> firstGradients = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<Parameter, TensorT> orthogonal = new(ReferenceEqualityComparer.Instance);

    public SharpnessAwareMinimization(double rho, bool adaptive = true, int lookSamEvery = 0, double lookSamAlpha = 0.7)
    {
        if (!(rho > 0)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "SAM needs a positive radius ρ.");
        ArgumentOutOfRangeException.ThrowIfNegative(lookSamEvery);
        if (!double.IsFinite(lookSamAlpha)) throw new ArgumentOutOfRangeException(nameof(lookSamAlpha), lookSamAlpha, "LookSAM's α must be finite.");
        Rho = rho;
        Adaptive = adaptive;
        LookSamEvery = lookSamEvery;
        LookSamAlpha = lookSamAlpha;
    }

    public double Rho { get; }
    public bool Adaptive { get; }

    /// <summary>k of LookSAM; 0 = every step takes both passes.</summary>
    public int LookSamEvery { get; }
    public double LookSamAlpha { get; }

    /// <summary>Whether step <paramref name="stepInEpoch"/> takes SAM's two passes (always, unless LookSAM skips it).</summary>
    public bool TakesBothPasses(int stepInEpoch) => LookSamEvery == 0 || stepInEpoch % LookSamEvery == 0;

    /// <summary>Moves the parameters to w + e; returns the norm the radius is divided by.</summary>
    public double Perturb(IEnumerable<Parameter> parameters)
    {
        if (applied.Count > 0) throw new InvalidOperationException("SAM: Perturb called twice without Restore.");
        var withGrad = parameters.Where(p => p.Grad is not null).ToList();
        double norm;
        using (var scope = TensorScope.Begin())
        {
            var scaled = withGrad.Select(p =>
            {
                if (!Adaptive) return p.Grad!;
                var backend = p.Value.Backend;
                var t = backend.Empty(p.Value.DType, p.Value.Shape);
                backend.Unary(UnaryOp.Abs, p.Value, t);
                backend.Binary(BinaryOp.Mul, t, p.Grad!, t);
                return t;
            }).ToList();
            double sumSquares = 0;
            foreach (double s in TensorSums.SumsOfSquares(scaled)) sumSquares += s;
            norm = Math.Sqrt(sumSquares);
        }
        double scale = Rho / (norm + 1e-12);
        foreach (var p in withGrad)
        {
            var backend = p.Value.Backend;
            var e = TensorScope.Unscoped(() => backend.Empty(p.Value.DType, p.Value.Shape));
            if (Adaptive)
            {
                backend.Binary(BinaryOp.Mul, p.Value, p.Value, e);
                backend.Binary(BinaryOp.Mul, e, p.Grad!, e);
                backend.Affine(e, scale, 0, e);
            }
            else backend.Affine(p.Grad!, scale, 0, e);
            backend.Axpy(1, e, p.Value);
            applied.Add((p, e));
            if (LookSamEvery > 0) Keep(firstGradients, p, p.Grad!);
        }
        return norm;
    }

    /// <summary>Moves the parameters back to w. With LookSAM, also forms g_v from the kept first-pass gradients and the
    /// gradients now in the parameters (the second pass's).</summary>
    public void Restore()
    {
        foreach (var (p, e) in applied)
        {
            p.Value.Backend.Axpy(-1, e, p.Value);
            e.Dispose();
        }
        if (LookSamEvery > 0) FormOrthogonalDirections();
        applied.Clear();
    }

    /// <summary>LookSAM between its full steps: grad += α·(‖grad‖/‖g_v‖)·g_v for every parameter with a gradient.</summary>
    public void AddLookSamDirection(IEnumerable<Parameter> parameters)
    {
        var withGrad = parameters.Where(p => p.Grad is not null).ToList();
        foreach (var p in withGrad)
            if (!orthogonal.ContainsKey(p))
                throw new InvalidOperationException("LookSAM: a parameter has a gradient but no direction from the last full step (the first step of an epoch takes both passes).");
        var gradNorms = TensorSums.SumsOfSquares(withGrad.Select(p => p.Grad!).ToList());
        var directionNorms = TensorSums.SumsOfSquares(withGrad.Select(p => orthogonal[p]).ToList());
        for (int i = 0; i < withGrad.Count; i++)
        {
            double factor = LookSamAlpha * (Math.Sqrt(gradNorms[i]) / Math.Sqrt(directionNorms[i]));
            withGrad[i].Grad!.Backend.Axpy(factor, orthogonal[withGrad[i]], withGrad[i].Grad!);
        }
    }

    // g_v = g_s − ‖g_s‖·cos(g, g_s)·g/‖g‖ with cos = ⟨g, g_s⟩ / (‖g‖‖g_s‖), per parameter (sam.py's second_step).
    private void FormOrthogonalDirections()
    {
        var ps = applied.Select(a => a.Parameter).Where(p => p.Grad is not null && firstGradients.ContainsKey(p)).ToList();
        var g = ps.Select(p => firstGradients[p]).ToList();
        var gs = ps.Select(p => p.Grad!).ToList();
        var dots = TensorSums.Dots(g, gs);
        var gSquares = TensorSums.SumsOfSquares(g);
        var gsSquares = TensorSums.SumsOfSquares(gs);
        for (int i = 0; i < ps.Count; i++)
        {
            double normG = Math.Sqrt(gSquares[i]), normGs = Math.Sqrt(gsSquares[i]);
            double cos = dots[i] / (normG * normGs);
            var backend = gs[i].Backend;
            var v = Keep(orthogonal, ps[i], gs[i]);
            backend.Axpy(-(normGs * cos / normG), g[i], v);
        }
    }

    // A persistent copy of `source` for `p` (allocated once per parameter, outside any scope).
    private static TensorT Keep(Dictionary<Parameter, TensorT> store, Parameter p, TensorT source)
    {
        if (!store.TryGetValue(p, out var copy))
        {
            copy = TensorScope.Unscoped(() => source.Backend.Empty(source.DType, source.Shape));
            store[p] = copy;
        }
        source.Backend.Copy(source, copy);
        return copy;
    }

    public void Dispose()
    {
        foreach (var (_, e) in applied) e.Dispose();
        applied.Clear();
        foreach (var t in firstGradients.Values) t.Dispose();
        foreach (var t in orthogonal.Values) t.Dispose();
        firstGradients.Clear();
        orthogonal.Clear();
    }
}
