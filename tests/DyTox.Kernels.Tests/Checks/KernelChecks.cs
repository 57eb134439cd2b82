namespace DyTox.Kernels.Checks;

/// <summary>Every kernel check, in a stable order. Shared by the NUnit suite and the GPU console runner.</summary>
public static class KernelChecks
{
    public static IReadOnlyList<KernelCheck> All { get; } =
        [.. ElementwiseChecks.All(), .. SoftmaxChecks.All(), .. LayerNormChecks.All(), .. GemmChecks.All(), .. MmaChecks.All()];

    /// <summary>Runs one check in its own context; an exception is a failure carrying its message.</summary>
    public static CheckResult Run(KernelCheck check, Runtime.ICudaDriver driver)
    {
        try
        {
            using var context = new CheckContext(driver);
            var result = check.Run(context);
            return result with { Name = check.Name };
        }
        catch (Exception e)
        {
            return new CheckResult(check.Name, false, $"{e.GetType().Name}: {e.Message}");
        }
    }
}
