namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>How batched calls use OpenBLAS.</summary>
internal enum OpenBlasBatchStrategy
{
    /// <summary>The measured winner on the target machine: <see cref="Loop"/>.</summary>
    Auto,
    /// <summary>One cblas call per batch, one after another (OpenBLAS threads inside each call).</summary>
    Loop,
    /// <summary>Parallel.For over batches; OpenBLAS runs small problems single-threaded in the calling thread.</summary>
    ParallelOverBatch,
}
