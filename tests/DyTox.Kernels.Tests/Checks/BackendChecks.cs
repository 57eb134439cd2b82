using DyTox.Kernels.Backend;
using DyTox.Tensor;

namespace DyTox.Kernels.Checks;

/// <summary>
/// Every op of IBackend on CudaBackend against CpuBackend at ragged shapes (<see cref="BackendShapes"/>), with
/// tolerances from float32 eps and the reduction length; both attention paths against the CPU and each other;
/// and a determinism re-run (same bits) of every reduction, loss and attention op. NUnit-free: the NUnit suite runs
/// it on the emulator (BackendChecksTests), the GPU runner on the device.
/// </summary>
public static partial class BackendChecks
{
    public static IEnumerable<BackendCheck> All() =>
    [
        .. MemoryChecks(), .. ElementwiseChecks(), .. ReductionChecks(), .. MatMulChecks(), .. RowChecks(),
        .. IndexChecks(), .. LossChecks(), .. OptimizerChecks(), .. AttentionChecks(), .. DeterminismChecks(),
    ];

    /// <summary>Runs one check inside its own tensor scope; an exception is a failure carrying its message.</summary>
    public static CheckResult Run(BackendCheck check, CudaBackend gpu, BackendShapes shapes)
    {
        try
        {
            using var scope = TensorScope.Begin();
            return check.Run(new BackendCheckContext(gpu, shapes)) with { Name = check.Name };
        }
        catch (Exception e)
        {
            return new CheckResult(check.Name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static CheckResult All(params CheckResult[] parts) => Compare.All("", parts);

    private static double Rtol(double k, double c = 4) => BackendData.Rtol(k, c);

    private const double Eps = BackendData.Eps;
}
