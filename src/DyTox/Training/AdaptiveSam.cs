using DyTox.Autograd;
using DyTox.Tensor;
using TensorT = DyTox.Tensor.Tensor;

namespace DyTox.Training;

/// <summary>
/// Adaptive sharpness-aware minimisation (ASAM, DyTox++; dytox-spec §2.9): after the first backward at w,
/// perturb every parameter that has a gradient by e = s·w²⊙g with s = ρ / (‖|w|⊙g‖₂ + 1e-12) (norm over
/// all of them), so the second backward runs at w + e; then restore w before the optimiser step.
/// </summary>
public sealed class AdaptiveSam
{
    private readonly double rho;
    private readonly List<(Parameter Parameter, TensorT Perturbation)> applied = new();

    public AdaptiveSam(double rho)
    {
        if (!(rho > 0)) throw new ArgumentOutOfRangeException(nameof(rho), rho, "ASAM needs a positive radius ρ.");
        this.rho = rho;
    }

    /// <summary>Moves the parameters to w + e; returns the norm ‖|w|⊙g‖₂.</summary>
    public double Perturb(IEnumerable<Parameter> parameters)
    {
        if (applied.Count > 0) throw new InvalidOperationException("ASAM: Perturb called twice without Restore.");
        var withGrad = parameters.Where(p => p.Grad is not null).ToList();
        double sumSquares = 0;
        foreach (var p in withGrad)
        {
            var backend = p.Value.Backend;
            using var scaled = backend.Empty(p.Value.DType, p.Value.Shape);
            backend.Unary(UnaryOp.Abs, p.Value, scaled);
            backend.Binary(BinaryOp.Mul, scaled, p.Grad!, scaled);
            using var sum = backend.Empty(p.Value.DType, [1]);
            backend.SumOfSquares(scaled, sum);
            sumSquares += sum.Item();
        }
        double norm = Math.Sqrt(sumSquares);
        double s = rho / (norm + 1e-12);
        foreach (var p in withGrad)
        {
            var backend = p.Value.Backend;
            var e = TensorScope.Unscoped(() => backend.Empty(p.Value.DType, p.Value.Shape));
            backend.Binary(BinaryOp.Mul, p.Value, p.Value, e);
            backend.Binary(BinaryOp.Mul, e, p.Grad!, e);
            backend.Affine(e, s, 0, e);
            backend.Axpy(1, e, p.Value);
            applied.Add((p, e));
        }
        return norm;
    }

    /// <summary>Moves the parameters back to w.</summary>
    public void Restore()
    {
        foreach (var (p, e) in applied)
        {
            p.Value.Backend.Axpy(-1, e, p.Value);
            e.Dispose();
        }
        applied.Clear();
    }
}
