namespace DyTox.Kernels.Interop;

/// <summary>A CUDA driver call failed; the message names the call and the CUDA error (cuGetErrorName/String).</summary>
public class CudaException : Exception
{
    public string Call { get; }
    public int Result { get; }

    public CudaException(string call, int result, string message) : base(message)
    {
        Call = call;
        Result = result;
    }
}

/// <summary>
/// The device ran out of memory (CUDA_ERROR_OUT_OF_MEMORY). Derives from <see cref="OutOfMemoryException"/>
/// so allocators above ICudaDriver can catch one type for the real driver and the emulator.
/// </summary>
public sealed class CudaOutOfMemoryException : OutOfMemoryException
{
    public string Call { get; }
    public int Result { get; }

    public CudaOutOfMemoryException(string call, int result, string message) : base(message)
    {
        Call = call;
        Result = result;
    }
}
