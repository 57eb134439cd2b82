using System.Runtime.CompilerServices;
using DyTox.Kernels.Emulator;
using DyTox.Kernels.Runtime;
using DyTox.Kernels.Tests.Numerics;

namespace DyTox.Kernels.Tests.Attention;

/// <summary>
/// Drivers of the attention kernel tests. Production kernels run on <see cref="TestDrivers"/> (a GPU when present,
/// else the emulator). The numbered dev versions (kernels/dev/*.cu, not embedded in DyTox.Kernels) run on an
/// emulator built with them as extra sources.
/// </summary>
internal static class AttentionDrivers
{
    private static readonly Lazy<(EmulatorDriver? Driver, string Reason)> DevEmulator = new(() =>
    {
        try
        {
            var sources = DevSources();
            return (new EmulatorDriver(new EmulatorOptions { ExtraSources = sources, WorkerThreads = 2 }), "");
        }
        catch (Exception e) when (e is EmulatorUnavailableException or DirectoryNotFoundException)
        {
            return (null, e.Message);
        }
    });

    public static ICudaDriver Production() => TestDrivers.Require();

    /// <summary>The emulator holding the kernels/dev versions (and every production kernel).</summary>
    public static EmulatorDriver Dev()
    {
        var (driver, reason) = DevEmulator.Value;
        if (driver is null) Assert.Ignore($"dev kernel versions need the CPU emulator: {reason}");
        driver!.Schedule = EmulatorSchedule.Forward;
        return driver;
    }

    /// <summary>kernels/dev/*.cu, file name → text, found from this source file or by walking up from the test binaries.</summary>
    public static IReadOnlyDictionary<string, string> DevSources([CallerFilePath] string thisFile = "")
    {
        var dir = FindDevDirectory(thisFile) ?? throw new DirectoryNotFoundException("kernels/dev not found above the test sources or binaries");
        return Directory.GetFiles(dir, "*.cu").Order(StringComparer.Ordinal).ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
    }

    private static string? FindDevDirectory(string thisFile)
    {
        foreach (var start in new[] { Path.GetDirectoryName(thisFile), AppContext.BaseDirectory })
            for (var dir = start is null ? null : new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "kernels", "dev");
                if (Directory.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Runs <paramref name="action"/> under an emulator schedule (then restores Forward); a GPU has no schedules.</summary>
    public static T WithSchedule<T>(ICudaDriver driver, EmulatorSchedule schedule, Func<T> action)
    {
        if (driver is not EmulatorDriver emu) return action();
        emu.Schedule = schedule;
        try { return action(); }
        finally { emu.Schedule = EmulatorSchedule.Forward; }
    }
}
