using DyTox.Kernels.Backend;
using DyTox.Tensor;
using DyTox.Tensor.Cpu;

namespace DyTox.Kernels.Checks;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>
/// The shapes the backend checks run at: small and ragged on the CPU emulator (the whole set in well under a
/// minute), DyTox widths on a real GPU. Every extent is odd or off a power of two somewhere so tails are exercised.
/// </summary>
/// <param name="Rows">rows of the row ops (N = 65-like: not a multiple of a warp)</param>
/// <param name="Width">an odd feature width</param>
/// <param name="LongRow">a row longer than one block's tile (multi-chunk reductions, block-per-row softmax)</param>
/// <param name="Hidden">the output width of the Linear checks</param>
/// <param name="Batch">attention batch</param>
/// <param name="Tokens">attention tokens (N)</param>
/// <param name="Dim">attention model width (D, heads concatenated)</param>
/// <param name="Heads">attention heads</param>
/// <param name="Tasks">task tokens of the task-attention checks</param>
public sealed record BackendShapes(string Name, int Rows, int Width, int LongRow, int Hidden, int Batch, int Tokens, int Dim, int Heads, int Tasks)
{
    /// <summary>For the emulator: every check at N = 65 or 25 tokens, width 37, 3 heads of 12.</summary>
    public static BackendShapes Emulator { get; } = new("emulator", 65, 37, 1300, 11, 2, 25, 36, 3, 3);

    /// <summary>For a GPU: DyTox CIFAR widths (D = 384, 12 heads, N = 65, 10 tasks), ragged row counts, a 20k row.</summary>
    public static BackendShapes Gpu { get; } = new("gpu", 1025, 385, 20011, 1537, 4, 65, 384, 12, 10);

    public override string ToString() =>
        $"{Name}: rows {Rows}, width {Width}, long row {LongRow}, hidden {Hidden}, attention B{Batch}-N{Tokens}-D{Dim}-H{Heads}, T{Tasks}";
}

/// <summary>One named comparison of CudaBackend against CpuBackend (or of CudaBackend against itself).</summary>
public sealed record BackendCheck(string Name, Func<BackendCheckContext, CheckResult> Run);

/// <summary>
/// What a backend check runs with: the CUDA backend under test, the CPU backend as reference, the shapes,
/// and helpers that put the same data on both.
/// </summary>
public sealed class BackendCheckContext(CudaBackend gpu, BackendShapes shapes)
{
    public CudaBackend Gpu { get; } = gpu;
    public CpuBackend Cpu => CpuBackend.Instance;
    public BackendShapes Shapes { get; } = shapes;

    public (Tensor Cpu, Tensor Gpu) Both(float[] data, params int[] shape) =>
        (BackendData.Upload(Cpu, data, shape), BackendData.Upload(Gpu, data, shape));

    public (Tensor Cpu, Tensor Gpu) BothRandom(int seed, params int[] shape) =>
        Both(BackendData.Random(checked((int)DyTox.Tensor.Shape.Numel(shape)), seed), shape);

    public (Tensor Cpu, Tensor Gpu) BothInt(int[] data, params int[] shape) =>
        (BackendData.UploadInt(Cpu, data, shape), BackendData.UploadInt(Gpu, data, shape));

    public (Tensor Cpu, Tensor Gpu) BothEmpty(params int[] shape) =>
        (Cpu.Empty(DType.Float32, shape), Gpu.Empty(DType.Float32, shape));

    /// <summary>Runs <paramref name="body"/> with the CUDA backend's attention on <paramref name="path"/>, then restores it.</summary>
    public T WithPath<T>(AttentionPath path, Func<T> body)
    {
        var saved = Gpu.AttentionPath;
        Gpu.AttentionPath = path;
        try { return body(); }
        finally { Gpu.AttentionPath = saved; }
    }
}
