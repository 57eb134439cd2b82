namespace DyTox.Kernels.Checks;

/// <summary>The outcome of one kernel check: pass/fail and the worst error found.</summary>
public sealed record CheckResult(string Name, bool Passed, string Detail)
{
    public override string ToString() => $"{(Passed ? "PASS" : "FAIL")} {Name}: {Detail}";
}

/// <summary>A named kernel check that runs on any ICudaDriver (real GPU or emulator).</summary>
public sealed record KernelCheck(string Name, Func<CheckContext, CheckResult> Run);
