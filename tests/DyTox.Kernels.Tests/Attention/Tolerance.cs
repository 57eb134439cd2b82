using DyTox.Kernels.Checks;

namespace DyTox.Kernels.Tests.Attention;

/// <summary>
/// The attention comparison rule (engine guide §3.1 test rule + §8.2): against the float64 CpuBackend, a kernel's
/// max error may be at most 4× the max error of the float32 CpuBackend on the same inputs, plus a floor of
/// 8·eps32·√K·scale (K the reduction length, scale max |reference| or the L1 size of the summed terms when the
/// result itself cancels to ~0), so an exactly-rounded CPU result does not demand zero error from the kernel.
/// </summary>
internal static class Tolerance
{
    public static CheckResult Check(string name, ReadOnlySpan<float> kernel, ReadOnlySpan<double> reference, ReadOnlySpan<double> cpu32,
                                    double reductionLength, double termScale = 0)
    {
        if (kernel.Length != reference.Length || cpu32.Length != reference.Length)
            return new CheckResult(name, false, $"lengths kernel {kernel.Length}, reference {reference.Length}, cpu32 {cpu32.Length}");
        double errKernel = 0, errCpu = 0, scale = termScale;
        var worst = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            var e = Math.Abs(kernel[i] - reference[i]);
            if (!double.IsFinite(kernel[i])) e = double.PositiveInfinity;
            if (e > errKernel) { errKernel = e; worst = i; }
            errCpu = Math.Max(errCpu, Math.Abs(cpu32[i] - reference[i]));
            scale = Math.Max(scale, Math.Abs(reference[i]));
        }
        var allowed = 4 * errCpu + 8 * Compare.Eps32 * Math.Sqrt(reductionLength) * scale;
        var passed = errKernel <= allowed;
        var detail = FormattableString.Invariant($"{name}: n={reference.Length} err {errKernel:G3} (cpu32 {errCpu:G3}, allowed {allowed:G3})") +
            (passed ? "" : FormattableString.Invariant($" worst [{worst}] got {kernel[worst]:G9} want {reference[worst]:G9}"));
        return new CheckResult(name, passed, detail);
    }
}
