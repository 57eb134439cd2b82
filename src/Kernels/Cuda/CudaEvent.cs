namespace DyTox.Kernels.Cuda;

/// <summary>A CUDA event on a <see cref="CudaDriver"/>'s stream, for GPU-side timing.</summary>
public sealed class CudaEvent : IDisposable
{
    private readonly CudaDriver _driver;
    private nint _handle;

    internal CudaEvent(CudaDriver driver, nint handle)
    {
        _driver = driver;
        _handle = handle;
    }

    /// <summary>Queues the event on the stream: it completes when all earlier work has.</summary>
    public void Record()
    {
        ObjectDisposedException.ThrowIf(_handle == 0, this);
        _driver.RecordEvent(_handle);
    }

    /// <summary>Milliseconds between <paramref name="start"/> and this event (waits for this event).</summary>
    public float ElapsedMillisecondsSince(CudaEvent start)
    {
        ArgumentNullException.ThrowIfNull(start);
        ObjectDisposedException.ThrowIf(_handle == 0 || start._handle == 0, this);
        return _driver.ElapsedMilliseconds(start._handle, _handle);
    }

    public void Dispose()
    {
        if (_handle == 0) return;
        _driver.DestroyEvent(_handle);
        _handle = 0;
    }
}
