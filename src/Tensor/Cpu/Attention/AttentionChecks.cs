namespace DyTox.Tensor.Cpu.Attention;

/// <summary>Argument validation shared by the fused attention ops: clear messages naming the input.</summary>
internal static class AttentionChecks
{
    /// <summary>CPU, contiguous, the given floating dtype, the given shape.</summary>
    public static void Require(Tensor t, string name, DType dtype, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        CpuBackend.RequireCpuContiguous(t, name);
        if (t.DType != dtype)
            throw new ArgumentException($"{name} is {t.DType}; every floating tensor of this op must be {dtype}.", name);
        CpuBackend.RequireShape(t, name, shape);
    }

    public static DType RequireFloating(Tensor t, string name)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (!t.DType.IsFloating()) throw new ArgumentException($"{name} is {t.DType}; expected Float32 or Float64.", name);
        return t.DType;
    }

    public static void RequireRank(Tensor t, string name, int rank, string layout)
    {
        ArgumentNullException.ThrowIfNull(t, name);
        if (t.Rank != rank) throw new ArgumentException($"{name} has shape {Shape.Format(t.Shape)}; expected {layout}.", name);
    }

    public static int RequireHeads(int heads, int dim, string dimName)
    {
        if (heads <= 0 || dim % heads != 0)
            throw new ArgumentOutOfRangeException(nameof(heads), $"heads = {heads} must be positive and divide {dimName} = {dim}.");
        return dim / heads;
    }

    public static void RequireScale(double scale)
    {
        if (!double.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), $"scale = {scale} must be finite.");
    }
}
