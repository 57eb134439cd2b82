namespace DyTox.Kernels.Emulator;

/// <summary>
/// The order in which the emulator runs the fibers (CUDA threads) of a block between two sync points,
/// and the order in which blocks are handed to workers. Running a kernel under two schedules and
/// comparing bits exposes missing barriers (engine guide §9.2).
/// </summary>
public enum EmulatorSchedule
{
    /// <summary>Thread 0 first, blocks in index order.</summary>
    Forward = 0,
    /// <summary>Last thread first, blocks in reverse index order.</summary>
    Reverse = 1,
    /// <summary>A permutation drawn from <see cref="EmulatorOptions.Seed"/>, redrawn at every sync point.</summary>
    Random = 2,
}
