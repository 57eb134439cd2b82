using System.Buffers;
using DyTox.Kernels.Runtime.Launchers;
using DyTox.Tensor;

namespace DyTox.Kernels.Backend;

using Tensor = DyTox.Tensor.Tensor;

// Optimiser steps: element-wise kernels with torch's order of operations (see optimizers.cu).
public sealed unsafe partial class CudaBackend
{
    public void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWHyper hyper)
    {
        const string op = "AdamWStep";
        CheckAdamWGroup(op, param, grad, m, v, "");
        var scalars = AdamWScalars.From(hyper);
        _optimizers.AdamW(param.Address, grad.Address, m.Address, v.Address, param.Numel, scalars);
    }

    /// <summary>
    /// One AdamW step on many parameters with one kernel launch: a device-side table of
    /// (param, grad, m, v, count) entries drives <c>adamw_multi_f32</c>. Same bits as calling
    /// <see cref="AdamWStep"/> on each group.
    /// </summary>
    public void AdamWStepMany(IReadOnlyList<(Tensor Param, Tensor Grad, Tensor M, Tensor V)> groups, AdamWHyper hyper)
    {
        const string op = "AdamWStepMany";
        ArgumentNullException.ThrowIfNull(groups);
        var scalars = AdamWScalars.From(hyper);
        int count = groups.Count;
        if (count == 0) return;
        var entries = ArrayPool<AdamWTableEntry>.Shared.Rent(Math.Min(count, OptimizerKernels.MaxTableEntries));
        try
        {
            for (int start = 0; start < count; start += OptimizerKernels.MaxTableEntries)
            {
                int n = Math.Min(OptimizerKernels.MaxTableEntries, count - start);
                long largest = 0;
                int used = 0;
                for (int i = 0; i < n; i++)
                {
                    var (p, g, m, v) = groups[start + i];
                    CheckAdamWGroup(op, p, g, m, v, $"[{start + i}]");
                    if (p.Numel == 0) continue;
                    entries[used++] = new AdamWTableEntry { Param = p.Address, Grad = g.Address, M = m.Address, V = v.Address, Count = p.Numel };
                    largest = Math.Max(largest, p.Numel);
                }
                if (used == 0) continue;
                long bytes = (long)used * sizeof(AdamWTableEntry);
                using var table = Scratch(bytes);
                fixed (AdamWTableEntry* e = entries) _driver.CopyHostToDevice(table.Pointer, e, bytes);
                _optimizers.AdamWMany(table.Pointer, used, largest, scalars);
            }
        }
        finally
        {
            ArrayPool<AdamWTableEntry>.Shared.Return(entries);
        }
    }

    private void CheckAdamWGroup(string op, Tensor param, Tensor grad, Tensor m, Tensor v, string suffix)
    {
        RequireF32(param, op, "param" + suffix);
        RequireF32(grad, op, "grad" + suffix);
        RequireF32(m, op, "m" + suffix);
        RequireF32(v, op, "v" + suffix);
        RequireSameShape(op, param, "param" + suffix, grad, "grad" + suffix);
        RequireSameShape(op, param, "param" + suffix, m, "m" + suffix);
        RequireSameShape(op, param, "param" + suffix, v, "v" + suffix);
    }

    public void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, SgdHyper hyper)
    {
        const string op = "SgdStep";
        RequireF32(param, op, nameof(param));
        RequireF32(grad, op, nameof(grad));
        RequireF32(momentumBuffer, op, nameof(momentumBuffer));
        RequireSameShape(op, param, nameof(param), grad, nameof(grad));
        if (momentumBuffer is not null) RequireSameShape(op, param, nameof(param), momentumBuffer, nameof(momentumBuffer));
        else if (hyper.Momentum != 0)
            throw new ArgumentNullException(nameof(momentumBuffer), $"{op}: momentum is {hyper.Momentum}, which needs a momentum buffer shaped like param {Shape.Format(param.Shape)}.");
        _optimizers.Sgd(param.Address, grad.Address, momentumBuffer?.Address ?? 0, param.Numel, hyper);
    }
}
