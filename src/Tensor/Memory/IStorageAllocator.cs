namespace DyTox.Tensor;

/// <summary>Memory statistics of an allocator, in bytes.</summary>
public readonly record struct MemoryStats(long InUseBytes, long PeakInUseBytes, long CachedBytes, long AllocationCount);

/// <summary>
/// Hands out raw blocks for tensor storage and takes them back. Implementations cache freed blocks by
/// size so that a training step that allocates the same sizes every time touches the system allocator
/// only while warming up.
/// </summary>
public interface IStorageAllocator
{
    Device Device { get; }

    /// <summary>Returns an address of at least <paramref name="bytes"/> bytes (64-byte aligned or better)
    /// and the capacity actually reserved, which must be passed back to <see cref="Return"/>.</summary>
    ulong Rent(long bytes, out long capacity);

    void Return(ulong address, long capacity);

    /// <summary>Gives every cached (unused) block back to the system.</summary>
    void Trim();

    MemoryStats Stats { get; }
}
