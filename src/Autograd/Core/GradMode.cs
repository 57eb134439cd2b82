namespace DyTox.Autograd;

/// <summary>Whether ops record onto the tape (per thread). <c>using (GradMode.NoGrad())</c> turns recording
/// off for a block (evaluation, teacher forwards, optimizer updates).</summary>
public static class GradMode
{
    [ThreadStatic] private static bool disabled;

    public static bool IsEnabled => !disabled;

    /// <summary>Disables gradient recording until the returned guard is disposed.</summary>
    public static Guard NoGrad() => new(enable: false);

    /// <summary>Re-enables recording inside a no-grad block until the guard is disposed.</summary>
    public static Guard EnableGrad() => new(enable: true);

    /// <summary>Restores the previous grad mode on dispose. A struct: no allocation.</summary>
    public readonly struct Guard : IDisposable
    {
        private readonly bool previousDisabled;

        internal Guard(bool enable)
        {
            previousDisabled = disabled;
            disabled = !enable;
        }

        public void Dispose() => disabled = previousDisabled;
    }
}
