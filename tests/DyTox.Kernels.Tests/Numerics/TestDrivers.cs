using DyTox.Kernels.Emulator;
using DyTox.Kernels.Cuda;
using DyTox.Kernels.Runtime;

namespace DyTox.Kernels.Tests.Numerics;

/// <summary>
/// The drivers kernel numerics run on: a real GPU when present, else the CPU emulator. The emulator
/// lives on another branch; the lead adds its factory to <see cref="Factories"/> when it merges
/// (e.g. <c>() =&gt; EmulatorDriver.TryCreate(out var d, out var why) ? (d, why) : (null, why)</c>).
/// </summary>
public static class TestDrivers
{
    public static readonly List<Func<(ICudaDriver? Driver, string Reason)>> Factories =
    [
        () => CudaDriver.TryCreate(out var driver, out var reason) ? (driver, "") : (null, reason),
        // Without a GPU the same checks run every kernel on the CPU emulator (engine guide §9).
        () =>
        {
            try { return (new EmulatorDriver(), ""); }
            catch (Exception e) { return (null, e.Message); }
        },
    ];

    private static readonly Lazy<(ICudaDriver? Driver, string Reason)> Opened = new(() =>
    {
        var reasons = new List<string>();
        foreach (var factory in Factories)
        {
            var (driver, reason) = factory();
            if (driver is not null) return (driver, "");
            reasons.Add(reason);
        }
        return (null, string.Join(" ", reasons));
    });

    /// <summary>A driver for the kernel checks, or Assert.Ignore with why none is available.</summary>
    public static ICudaDriver Require()
    {
        var (driver, reason) = Opened.Value;
        if (driver is null) Assert.Ignore($"no CUDA driver or emulator: {reason}");
        return driver!;
    }
}
