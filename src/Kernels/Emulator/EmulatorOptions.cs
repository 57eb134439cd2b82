namespace DyTox.Kernels.Emulator;

/// <summary>How the CPU emulator is built and how it runs kernels.</summary>
public sealed record EmulatorOptions
{
    /// <summary>
    /// Extra CUDA sources (file name → text) built into the emulator next to the embedded kernels/*.cu,
    /// e.g. test-only kernels with deliberate defects. Names must end in .cu or .cuh and must not clash
    /// with an embedded kernel file.
    /// </summary>
    public IReadOnlyDictionary<string, string> ExtraSources { get; init; } = new Dictionary<string, string>();

    /// <summary>Fiber and block order of launches (changeable later through <see cref="EmulatorDriver.Schedule"/>).</summary>
    public EmulatorSchedule Schedule { get; init; } = EmulatorSchedule.Forward;

    /// <summary>Seed of <see cref="EmulatorSchedule.Random"/>.</summary>
    public ulong Seed { get; init; }

    /// <summary>OS threads that run blocks; 0 means one per processor (at most 8). Fixed once the library has launched.</summary>
    public int WorkerThreads { get; init; }

    /// <summary>Stack size of each fiber (CUDA thread), 16 KiB … 8 MiB; a guard page below catches overflow.</summary>
    public int FiberStackBytes { get; init; } = 64 * 1024;

    /// <summary>
    /// Turn emulator warnings (threads that exited while others wait at __syncthreads, which is undefined
    /// behaviour in CUDA) into launch errors. On by default so CI fails on them.
    /// </summary>
    public bool FailOnWarnings { get; init; } = true;

    /// <summary>Where built libraries are cached; default ($XDG_CACHE_HOME or ~/.cache)/dytox/emu.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>The C++ compiler (g++ 9 or newer), looked up on PATH unless a path is given.</summary>
    public string Compiler { get; init; } = "g++";
}
