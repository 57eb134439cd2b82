using DyTox.Kernels.Checks;

namespace DyTox.Kernels.Tests.Attention;

/// <summary>
/// The attention comparison rule (engine guide §3.1 test rule + §8.2): against the float64 CpuBackend, a kernel's
/// max error may be at most 4× the max error of the float32 CpuBackend on the same inputs, plus a floor of
/// 8·eps32·√K·max|reference| (K the reduction length), so an exactly-rounded CPU result does not demand zero error
/// from the kernel. For results that cancel to ~0 (dB: each softmax row's gradient sums to zero) the floor adds
/// 4·eps32·Σ|terms|: summing K terms of random sign whose magnitudes total S rounds partial sums of size ~S/√K
/// K times, an error of order eps·S.
/// </summary>
internal static class Tolerance
{
    public static CheckResult Check(string name, ReadOnlySpan<float> kernel, ReadOnlySpan<double> reference, ReadOnlySpan<double> cpu32,
                                    double reductionLength, double termScale = 0)
    {
        if (kernel.Length != reference.Length || cpu32.Length != reference.Length)
            return new CheckResult(name, false, $"lengths kernel {kernel.Length}, reference {reference.Length}, cpu32 {cpu32.Length}");
        double errKernel = 0, errCpu = 0, scale = 0;
        var worst = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            var e = Math.Abs(kernel[i] - reference[i]);
            if (!double.IsFinite(kernel[i])) e = double.PositiveInfinity;
            if (e > errKernel) { errKernel = e; worst = i; }
            errCpu = Math.Max(errCpu, Math.Abs(cpu32[i] - reference[i]));
            scale = Math.Max(scale, Math.Abs(reference[i]));
        }
        var allowed = 4 * errCpu + 8 * Compare.Eps32 * Math.Sqrt(reductionLength) * scale + 4 * Compare.Eps32 * termScale;
        var passed = errKernel <= allowed;
        var detail = FormattableString.Invariant($"{name}: n={reference.Length} err {errKernel:G3} (cpu32 {errCpu:G3}, allowed {allowed:G3})") +
            (passed ? "" : FormattableString.Invariant($" worst [{worst}] got {kernel[worst]:G9} want {reference[worst]:G9}"));
        return new CheckResult(name, passed, detail);
    }
}
