namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>Block-size and grid-size rules shared by the launchers.</summary>
public static class LaunchPlan
{
    /// <summary>Threads per block for the grid-stride elementwise kernels.</summary>
    public const int ElementwiseBlock = 256;

    /// <summary>
    /// Blocks for a grid-stride loop over <paramref name="workItems"/>: one item per thread, capped at
    /// 16 blocks per SM (enough resident warps to saturate DRAM; more only adds scheduling).
    /// </summary>
    public static int GridStrideBlocks(long workItems, DeviceInfo device)
    {
        var cap = Math.Max(1, device.MultiprocessorCount) * 16L;
        var blocks = (workItems + ElementwiseBlock - 1) / ElementwiseBlock;
        return (int)Math.Clamp(blocks, 1, cap);
    }
}
