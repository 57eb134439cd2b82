namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>
/// A register-tile micro-kernel over packed panels. <c>a</c> holds kc steps of MR values (op(A) column slices),
/// <c>b</c> holds kc steps of NR values (op(B) row slices). It writes the full MR×NR tile:
/// C = alpha·(A·B) + beta·C, with beta == 0 never reading C (so NaN/garbage there is ignored).
/// Implemented as structs with static members so the generic driver is specialised and inlined per kernel.
/// </summary>
internal unsafe interface IGemmMicroKernel<T> where T : unmanaged
{
    static abstract int MR { get; }
    static abstract int NR { get; }
    static abstract void Run(int kc, T* a, T* b, T* c, int ldc, T alpha, T beta);
}
