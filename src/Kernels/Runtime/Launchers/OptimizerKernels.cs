using System.Runtime.InteropServices;
using DyTox.Tensor;

namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>Mirror of optimizers.cu's AdamWScalars (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AdamWScalars
{
    public float Decay, W1, B2, W2, NegStep, Bc2Sqrt, Eps;
    public int LerpLow;

    /// <summary>torch.optim.AdamW's scalars for one step, formed in double and rounded once.</summary>
    public static AdamWScalars From(AdamWHyper h)
    {
        if (h.Step < 1) throw new ArgumentOutOfRangeException(nameof(h), $"AdamW Step is {h.Step}; expected the 1-based count of steps taken including this one.");
        double bc1 = 1 - Math.Pow(h.Beta1, h.Step), bc2 = 1 - Math.Pow(h.Beta2, h.Step);
        return new AdamWScalars
        {
            Decay = (float)(1 - h.LearningRate * h.WeightDecay),
            W1 = (float)(1 - h.Beta1),
            B2 = (float)h.Beta2,
            W2 = (float)(1 - h.Beta2),
            NegStep = (float)(-(h.LearningRate / bc1)),
            Bc2Sqrt = (float)Math.Sqrt(bc2),
            Eps = (float)h.Epsilon,
            LerpLow = 1 - h.Beta1 < 0.5 ? 1 : 0,
        };
    }
}

/// <summary>Mirror of optimizers.cu's AdamWEntry: one tensor of a multi-tensor AdamW launch (40 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct AdamWTableEntry
{
    public ulong Param, Grad, M, V;
    public long Count;
}

/// <summary>Launchers for kernels/optimizers.cu.</summary>
public sealed unsafe class OptimizerKernels
{
    public const string Source = "optimizers.cu";
    /// <summary>Most tensors one multi-tensor launch takes (grid.y limit).</summary>
    public const int MaxTableEntries = 65535;

    private readonly ICudaDriver _driver;
    private readonly KernelCache _kernels;

    public OptimizerKernels(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _kernels = new KernelCache(driver, Source);
    }

    public void AdamW(ulong param, ulong grad, ulong m, ulong v, long n, in AdamWScalars scalars)
    {
        ShapeChecks.Pointer(param, nameof(param)); ShapeChecks.Pointer(grad, nameof(grad)); ShapeChecks.Pointer(m, nameof(m)); ShapeChecks.Pointer(v, nameof(v));
        if (n <= 0) return;
        var h = scalars;
        void** args = stackalloc void*[] { &param, &grad, &m, &v, &n, &h };
        _driver.Launch(_kernels["adamw_f32"], new Dim3(LaunchPlan.GridStrideBlocks(n, _driver.Device)), new Dim3(LaunchPlan.ElementwiseBlock), 0, args);
    }

    /// <summary>
    /// Updates <paramref name="count"/> tensors described by the device table at <paramref name="table"/>
    /// (<see cref="AdamWTableEntry"/>s) in one launch; <paramref name="largest"/> sizes grid.x.
    /// </summary>
    public void AdamWMany(ulong table, int count, long largest, in AdamWScalars scalars)
    {
        ShapeChecks.Pointer(table, nameof(table));
        if (count <= 0) return;
        if (count > MaxTableEntries) throw new ArgumentOutOfRangeException(nameof(count), count, $"At most {MaxTableEntries} tensors per launch.");
        var h = scalars;
        void** args = stackalloc void*[] { &table, &count, &h };
        var blocks = LaunchPlan.GridStrideBlocks(Math.Max(1, largest), _driver.Device);
        _driver.Launch(_kernels["adamw_multi_f32"], new Dim3(blocks, count), new Dim3(LaunchPlan.ElementwiseBlock), 0, args);
    }

    public void Sgd(ulong param, ulong grad, ulong momentumBuffer, long n, SgdHyper h)
    {
        ShapeChecks.Pointer(param, nameof(param)); ShapeChecks.Pointer(grad, nameof(grad));
        if (n <= 0) return;
        float wd = (float)h.WeightDecay, mom = (float)h.Momentum, negLr = (float)-h.LearningRate;
        int flags = (h.WeightDecay != 0 ? 1 : 0) | (h.Momentum != 0 ? 2 : 0) | (h.FirstStep ? 4 : 0) | (h.Nesterov ? 8 : 0);
        if ((flags & 2) != 0) ShapeChecks.Pointer(momentumBuffer, nameof(momentumBuffer));
        void** args = stackalloc void*[] { &param, &grad, &momentumBuffer, &n, &wd, &mom, &negLr, &flags };
        _driver.Launch(_kernels["sgd_f32"], new Dim3(LaunchPlan.GridStrideBlocks(n, _driver.Device)), new Dim3(LaunchPlan.ElementwiseBlock), 0, args);
    }
}
