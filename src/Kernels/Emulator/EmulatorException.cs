namespace DyTox.Kernels.Emulator;

/// <summary>
/// A failure reported by the CUDA emulator: a launch error (out-of-bounds access, use after free,
/// deadlock, damaged canary, invalid launch configuration) or a failed build of the emulator library.
/// The message names the kernel, block and thread where they are known.
/// </summary>
public class EmulatorException : Exception
{
    public EmulatorException(string message) : base(message) { }
    public EmulatorException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>The emulator cannot be built on this machine (no g++ on PATH).</summary>
public sealed class EmulatorUnavailableException : EmulatorException
{
    public EmulatorUnavailableException(string message, Exception inner) : base(message, inner) { }
}
