using System.Runtime.Intrinsics;

namespace DyTox.Tensor.Cpu.Attention;

/// <summary>Register widths the attention kernels can be instantiated with.</summary>
internal enum SimdWidth
{
    Auto,
    Vector512,
    Vector256,
    Scalar,
}

/// <summary>Chooses the widest accelerated register width (tests force narrower ones to cover every path).</summary>
internal static class AttentionSimd
{
    /// <summary>Auto = widest accelerated; a forced width that the hardware lacks falls back to a narrower one.</summary>
    internal static SimdWidth Forced { get; set; } = SimdWidth.Auto;

    public static SimdWidth Select()
    {
        bool has512 = Vector512.IsHardwareAccelerated, has256 = Vector256.IsHardwareAccelerated;
        return Forced switch
        {
            SimdWidth.Scalar => SimdWidth.Scalar,
            SimdWidth.Vector256 => has256 ? SimdWidth.Vector256 : SimdWidth.Scalar,
            _ => has512 ? SimdWidth.Vector512 : has256 ? SimdWidth.Vector256 : SimdWidth.Scalar,
        };
    }
}
