namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>
/// Launchers for kernels/gpsa_attention.cu: the fused GPSA attention core (IBackend.GpsaPositional,
/// GpsaPositionalBackward, GpsaForward, GpsaBackward) on device pointers, float32, same layouts as the
/// IBackend contract. Forward and backward run one block per (sample, head); the backward's batch
/// reductions (dPosAttn, dGates) go through scratch and a fixed-order second kernel, so results are
/// bitwise reproducible.
/// </summary>
public sealed unsafe class GpsaKernels
{
    public const string Source = "gpsa_attention.cu";
    /// <summary>Threads per block of the fused forward/backward (8 warps: each warp owns groups of 4 query rows).</summary>
    public const int DefaultBlockThreads = 256;
    /// <summary>Largest block of the fused backward: its __launch_bounds__(768) register cap (80) leaves no room for 1024 threads.</summary>
    public const int MaxBackwardThreads = 768;
    private const int RowBlockThreads = 256;     // positional forward: 8 rows per block
    private const int ReduceThreads = 256;
    private const int PositionalBackwardThreads = 256;

    /// <summary>
    /// Sequences longer than this run the backward of v2 (kernels/gpsa_attention_v2.cu). Measured on the H200 at
    /// B=128, D=384, H=12: v3's register-tiled backward is 1.49× faster than v2 at N=64 but 0.80× at N=196 (its
    /// larger shared footprint fits 2 blocks per SM instead of 3), so each sequence length gets the faster one.
    /// Both read the same inputs and write the same scratch layout; the batch reduction is shared.
    /// </summary>
    public const int LongSequenceThreshold = 128;

    /// <summary>The source holding the long-sequence backward (v2).</summary>
    public const string LongSequenceSource = "gpsa_attention_v2.cu";

    /// <summary>The tensor-core version (v4, kernels/gpsa_attention_v4.cu): mma.sync TF32 tiles at float32 accuracy (3xTF32).</summary>
    public const string TensorCoreSource = "gpsa_attention_v4.cu";

    /// <summary>Longest sequence v4 handles (a row's scores live in registers: 8 key tiles of 8).</summary>
    public const int TensorCoreMaxSequence = 64;

    /// <summary>The tensor-core version for longer sequences (v6, kernels/gpsa_attention_v6.cu): keys in chunks of 64,
    /// two passes, scores recomputed on the tensor cores; 64 &lt; N ≤ <see cref="LongTensorCoreMaxSequence"/>.</summary>
    public const string LongTensorCoreSource = "gpsa_attention_v6.cu";

    /// <summary>Longest sequence v6 handles (GPSA6_MAX_N: the 256 tokens the fused kernels are specified for).</summary>
    public const int LongTensorCoreMaxSequence = 256;

    /// <summary>Widest head v6 handles (its accumulators hold 8 channel tiles of 8).</summary>
    public const int LongTensorCoreMaxHeadDim = 64;

    /// <summary>Threads per block of v4 by default: 4 warps, one 16-row tile each at N = 64.</summary>
    public const int DefaultTensorCoreBlockThreads = 128;

    /// <summary>Largest v4 block (its __launch_bounds__(256)).</summary>
    public const int MaxTensorCoreBlockThreads = 256;

    private readonly ICudaDriver _driver;
    private readonly KernelCache _kernels;
    private readonly KernelCache _longKernels;
    private readonly KernelCache _tensorCoreKernels;
    private readonly KernelCache _longTensorCoreKernels;

    public GpsaKernels(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _kernels = new KernelCache(driver, Source);
        _longKernels = new KernelCache(driver, LongSequenceSource);
        _tensorCoreKernels = new KernelCache(driver, TensorCoreSource);
        _longTensorCoreKernels = new KernelCache(driver, LongTensorCoreSource);
    }

    /// <summary>
    /// Run the tensor-core kernels (v4 for N ≤ 64, v6 above) where they apply (<see cref="UsesTensorCores"/>); otherwise
    /// v3 (and v2's backward above <see cref="LongSequenceThreshold"/>). Off by default until they are measured faster on a GPU
    /// (kernels/README.md); DYTOX_GPSA_TENSOR_CORES=1 turns it on for new instances.
    /// </summary>
    public bool TensorCores { get; set; } = Environment.GetEnvironmentVariable("DYTOX_GPSA_TENSOR_CORES") == "1";

    /// <summary>Threads per block of the tensor-core kernels, v4 and v6 (a multiple of 32, 32–256).</summary>
    public int TensorCoreBlockThreads
    {
        get;
        set => field = value is >= 32 and <= MaxTensorCoreBlockThreads && value % 32 == 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(TensorCoreBlockThreads), value,
                $"TensorCoreBlockThreads must be a multiple of 32 between 32 and {MaxTensorCoreBlockThreads}.");
    } = DefaultTensorCoreBlockThreads;

    /// <summary>
    /// Whether <see cref="Forward"/> and <see cref="Backward"/> run the tensor-core kernels at this shape:
    /// <see cref="TensorCores"/> on, a device with mma.sync TF32 (sm_80 or later; the emulator has its portable twin),
    /// v4 for N ≤ <see cref="TensorCoreMaxSequence"/>, v6 up to <see cref="LongTensorCoreMaxSequence"/> with heads at most
    /// <see cref="LongTensorCoreMaxHeadDim"/> wide, and the backward's shared memory within the device's opt-in limit.
    /// </summary>
    public bool UsesTensorCores(int n, int headDim) =>
        TensorCores && (_driver.Kind == "emulator" || _driver.Device.Major >= 8)
        && (n <= TensorCoreMaxSequence
            ? TensorCoreBackwardSharedBytes(n, headDim) <= SharedLimit
            : n <= LongTensorCoreMaxSequence && headDim <= LongTensorCoreMaxHeadDim && LongTensorCoreBackwardSharedBytes(n, headDim) <= SharedLimit);

    private int SharedLimit => Math.Max(_driver.Device.MaxSharedMemoryPerBlockOptin, _driver.Device.MaxSharedMemoryPerBlock);

    /// <summary>The v6 kernels a shape runs (forward, backward): N = 196 with heads 32 wide (DyTox ImageNet) has N and d
    /// fixed at compile time, heads 32 wide the head width only, every other shape the generic instance. Constant
    /// strings: the launch path allocates nothing.</summary>
    public static (string Forward, string Backward) LongTensorCoreKernels(int n, int headDim) =>
        n == 196 && headDim == 32 ? ("gpsa_forward_v6_n196_d32_f32", "gpsa_backward_v6_n196_d32_f32")
        : headDim == 32 ? ("gpsa_forward_v6_d32_f32", "gpsa_backward_v6_d32_f32")
        : ("gpsa_forward_v6_f32", "gpsa_backward_v6_f32");

    /// <summary>The tensor-core version <see cref="UsesTensorCores"/> runs at this sequence length: "v4" (N ≤ 64) or "v6".</summary>
    public static string TensorCoreVersion(int n) => n <= TensorCoreMaxSequence ? "v4" : "v6";

    /// <summary>The shape of v4's compile-time instance (DyTox CIFAR: 64 tokens, heads 32 wide); others take the generic one.</summary>
    public static bool IsTensorCoreSpecialized(int n, int headDim) => n == 64 && headDim == 32;

    /// <summary>v4 forward: Q, K, V of the head with rows of round8(d) + 4 floats, round16(N) rows.</summary>
    public static int TensorCoreForwardSharedBytes(int n, int headDim) =>
        checked(3 * RoundUp(n, 16) * (RoundUp(headDim, 8) + 4) * sizeof(float));

    /// <summary>v4 backward: max(dO, K, V at rows of round8(d) + 4; Q, dO at rows ≡ 8 mod 32) plus the attn and dS
    /// planes [round16(N), ≡ 8 mod 32].</summary>
    public static int TensorCoreBackwardSharedBytes(int n, int headDim)
    {
        var np = RoundUp(n, 16);
        var region = Math.Max(3 * np * (RoundUp(headDim, 8) + 4), 2 * np * Stride8Mod32(headDim));
        return checked((region + 2 * np * Stride8Mod32(np)) * sizeof(float));
    }

    /// <summary>v6 forward: Q, K, V of the head with rows of round8(d) + 4 floats, round16(N) rows (as v4).</summary>
    public static int LongTensorCoreForwardSharedBytes(int n, int headDim) => TensorCoreForwardSharedBytes(n, headDim);

    /// <summary>v6 backward: max(dO, K, V at rows of round8(d) + 4; Q, dO at rows ≡ 8 mod 32); the attn and dS planes
    /// stay in global memory.</summary>
    public static int LongTensorCoreBackwardSharedBytes(int n, int headDim)
    {
        var np = RoundUp(n, 16);
        return checked(Math.Max(3 * np * (RoundUp(headDim, 8) + 4), 2 * np * Stride8Mod32(headDim)) * sizeof(float));
    }

    // round8(cols) rounded up to ≡ 8 (mod 32): gpsa4_ld8 in gpsa_attention_v4.cu.
    private static int Stride8Mod32(int cols)
    {
        var c = RoundUp(cols, 8);
        return c + ((40 - (c & 31)) & 31);
    }

    /// <summary>Threads per block used by <see cref="Forward"/> and <see cref="Backward"/> (a multiple of 32, 32–1024; the backward at most <see cref="MaxBackwardThreads"/>).</summary>
    public int BlockThreads
    {
        get;
        set => field = value is >= 32 and <= 1024 && value % 32 == 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(BlockThreads), value, "BlockThreads must be a multiple of 32 between 32 and 1024.");
    } = DefaultBlockThreads;

    /// <summary>Query rows each warp of the fused kernels processes at once (GPSA_ROWS in gpsa_attention.cu).</summary>
    public const int RowsPerWarp = 4;
    private const int PhaseTwoChannels = 8;      // GPSA_CHANNELS: Q/dO rows of the backward's phase 2 padded to a multiple

    /// <summary>
    /// Dynamic shared memory of the fused kernels: the block region (K and V with rows padded to d+1 words, reused by
    /// the backward for Q and dO with rows padded to a multiple of 8 channels), rounded to 16 bytes, plus per warp
    /// its 4 rows of Q (or dO) channel-major and their 4 rows of scores/probabilities key-major: 4·(N + d) floats.
    /// </summary>
    public static int SharedBytes(int n, int headDim, int threads)
    {
        var row = Math.Max(headDim + 1, RoundUp(headDim, PhaseTwoChannels));
        return checked((RoundUp(2 * n * row, 4) + threads / 32 * RowsPerWarp * (n + headDim)) * sizeof(float));
    }

    /// <summary>Dynamic shared memory of the long-sequence (v2) backward: K and V rows padded to d+1 words plus one
    /// row buffer (N + d + 1 floats) per warp.</summary>
    public static int LongSequenceBackwardSharedBytes(int n, int headDim, int threads) =>
        checked((2 * n * (headDim + 1) + threads / 32 * (n + headDim + 1)) * sizeof(float));

    private static int RoundUp(int x, int m) => checked((x + m - 1) / m * m);

    /// <summary>posAttn [H, N, N] = softmax_j(w[h]·rel[i, j] + b[h]); rel [N, N, 3], w [H, 3], b [H].</summary>
    public void Positional(ulong rel, ulong w, ulong b, ulong posAttn, int heads, int n)
    {
        ShapeChecks.Pointer(rel, nameof(rel)); ShapeChecks.Pointer(w, nameof(w)); ShapeChecks.Pointer(b, nameof(b));
        ShapeChecks.Pointer(posAttn, nameof(posAttn));
        ShapeChecks.Positive(heads, nameof(heads)); ShapeChecks.Positive(n, nameof(n));
        void** args = stackalloc void*[] { &posAttn, &rel, &w, &b, &heads, &n };
        const int rowsPerBlock = RowBlockThreads / 32;
        var rows = (long)heads * n;
        _driver.Launch(_kernels["gpsa_positional_forward_f32"], new Dim3(checked((int)((rows + rowsPerBlock - 1) / rowsPerBlock))),
                       new Dim3(RowBlockThreads), 0, args);
    }

    /// <summary>dW [H, 3] and dB [H] from dPos [H, N, N] (already summed over the batch) and the forward's posAttn.</summary>
    public void PositionalBackward(ulong dPos, ulong posAttn, ulong rel, ulong dW, ulong dB, int heads, int n)
    {
        ShapeChecks.Pointer(dPos, nameof(dPos)); ShapeChecks.Pointer(posAttn, nameof(posAttn)); ShapeChecks.Pointer(rel, nameof(rel));
        ShapeChecks.Pointer(dW, nameof(dW)); ShapeChecks.Pointer(dB, nameof(dB));
        ShapeChecks.Positive(heads, nameof(heads)); ShapeChecks.Positive(n, nameof(n));
        void** args = stackalloc void*[] { &dW, &dB, &dPos, &posAttn, &rel, &heads, &n };
        _driver.Launch(_kernels["gpsa_positional_backward_f32"], new Dim3(heads), new Dim3(PositionalBackwardThreads), 0, args);
    }

    /// <summary>
    /// content, attn [B, H, N, N] and output [B, N, D] from qk [B, N, 2D], v [B, N, D], posAttn [H, N, N], gates [H].
    /// </summary>
    public void Forward(ulong qk, ulong v, ulong posAttn, ulong gates, ulong content, ulong attn, ulong output,
                        int batch, int n, int dim, int heads, float scale)
    {
        ShapeChecks.Pointer(qk, nameof(qk)); ShapeChecks.Pointer(v, nameof(v)); ShapeChecks.Pointer(posAttn, nameof(posAttn));
        ShapeChecks.Pointer(gates, nameof(gates)); ShapeChecks.Pointer(content, nameof(content));
        ShapeChecks.Pointer(attn, nameof(attn)); ShapeChecks.Pointer(output, nameof(output));
        var shared = CheckShape(batch, n, dim, heads, scale);
        void** args = stackalloc void*[] { &qk, &v, &posAttn, &gates, &content, &attn, &output, &batch, &n, &dim, &heads, &scale };
        if (UsesTensorCores(n, dim / heads) && n > TensorCoreMaxSequence)
            _driver.Launch(_longTensorCoreKernels[LongTensorCoreKernels(n, dim / heads).Forward],
                           new Dim3(batch * heads), new Dim3(TensorCoreBlockThreads), LongTensorCoreForwardSharedBytes(n, dim / heads), args);
        else if (UsesTensorCores(n, dim / heads))
            _driver.Launch(_tensorCoreKernels[IsTensorCoreSpecialized(n, dim / heads) ? "gpsa_forward_v4_n64_d32_f32" : "gpsa_forward_v4_f32"],
                           new Dim3(batch * heads), new Dim3(TensorCoreBlockThreads), TensorCoreForwardSharedBytes(n, dim / heads), args);
        else
            _driver.Launch(_kernels["gpsa_forward_f32"], new Dim3(batch * heads), new Dim3(BlockThreads), shared, args);
    }

    /// <summary>
    /// dqk [B, N, 2D], dv [B, N, D], dPos [H, N, N] and dGates [H] (both summed over the batch in increasing b).
    /// <paramref name="scratch"/> must hold <see cref="BackwardScratchBytes"/> bytes.
    /// </summary>
    public void Backward(ulong dOut, ulong qk, ulong v, ulong posAttn, ulong gates, ulong content, ulong attn,
                         ulong dqk, ulong dv, ulong dPos, ulong dGates,
                         int batch, int n, int dim, int heads, float scale, ulong scratch)
    {
        ShapeChecks.Pointer(dOut, nameof(dOut)); ShapeChecks.Pointer(qk, nameof(qk)); ShapeChecks.Pointer(v, nameof(v));
        ShapeChecks.Pointer(posAttn, nameof(posAttn)); ShapeChecks.Pointer(gates, nameof(gates));
        ShapeChecks.Pointer(content, nameof(content)); ShapeChecks.Pointer(attn, nameof(attn));
        ShapeChecks.Pointer(dqk, nameof(dqk)); ShapeChecks.Pointer(dv, nameof(dv));
        ShapeChecks.Pointer(dPos, nameof(dPos)); ShapeChecks.Pointer(dGates, nameof(dGates)); ShapeChecks.Pointer(scratch, nameof(scratch));
        var shared = CheckShape(batch, n, dim, heads, scale);
        if (BlockThreads > MaxBackwardThreads)
            throw new InvalidOperationException(
                $"GPSA backward runs at most {MaxBackwardThreads} threads per block (its register cap); BlockThreads is {BlockThreads}.");
        void** args = stackalloc void*[] { &dOut, &qk, &v, &posAttn, &gates, &content, &attn, &dqk, &dv, &scratch, &batch, &n, &dim, &heads, &scale };
        if (UsesTensorCores(n, dim / heads) && n > TensorCoreMaxSequence)
            _driver.Launch(_longTensorCoreKernels[LongTensorCoreKernels(n, dim / heads).Backward],
                           new Dim3(batch * heads), new Dim3(TensorCoreBlockThreads), LongTensorCoreBackwardSharedBytes(n, dim / heads), args);
        else if (UsesTensorCores(n, dim / heads))
            _driver.Launch(_tensorCoreKernels[IsTensorCoreSpecialized(n, dim / heads) ? "gpsa_backward_v4_n64_d32_f32" : "gpsa_backward_v4_f32"],
                           new Dim3(batch * heads), new Dim3(TensorCoreBlockThreads), TensorCoreBackwardSharedBytes(n, dim / heads), args);
        else if (n > LongSequenceThreshold)
            _driver.Launch(_longKernels["gpsa_backward_v2_f32"], new Dim3(batch * heads), new Dim3(BlockThreads),
                           LongSequenceBackwardSharedBytes(n, dim / heads, BlockThreads), args);
        else
            _driver.Launch(_kernels["gpsa_backward_f32"], new Dim3(batch * heads), new Dim3(BlockThreads), shared, args);

        void** reduceArgs = stackalloc void*[] { &dPos, &dGates, &scratch, &gates, &batch, &n, &heads };
        var plane = (long)heads * n * n;
        var blocks = (int)Math.Clamp((plane + ReduceThreads - 1) / ReduceThreads, 1, Math.Max(1, _driver.Device.MultiprocessorCount) * 16L);
        _driver.Launch(_kernels["gpsa_backward_reduce_f32"], new Dim3(blocks), new Dim3(ReduceThreads), 0, reduceArgs);
    }

    /// <summary>Scratch of <see cref="Backward"/>: dS and dPos partials [B, H, N, N] each, gate partials [B, H].</summary>
    public static long BackwardScratchBytes(int batch, int n, int heads)
    {
        ShapeChecks.Positive(batch, nameof(batch)); ShapeChecks.Positive(n, nameof(n)); ShapeChecks.Positive(heads, nameof(heads));
        return checked((2L * batch * heads * n * n + (long)batch * heads) * sizeof(float));
    }

    private int CheckShape(int batch, int n, int dim, int heads, float scale)
    {
        ShapeChecks.Positive(batch, nameof(batch)); ShapeChecks.Positive(n, nameof(n));
        ShapeChecks.Positive(dim, nameof(dim)); ShapeChecks.Positive(heads, nameof(heads));
        if (dim % heads != 0)
            throw new ArgumentException($"dim {dim} must be a multiple of heads {heads}.", nameof(dim));
        if (!float.IsFinite(scale) || scale <= 0)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be positive and finite.");
        if ((long)batch * heads > int.MaxValue)
            throw new ArgumentException($"batch·heads = {(long)batch * heads} exceeds the grid limit.", nameof(batch));
        var shared = SharedBytes(n, dim / heads, BlockThreads);
        var limit = Math.Max(_driver.Device.MaxSharedMemoryPerBlockOptin, _driver.Device.MaxSharedMemoryPerBlock);
        if (shared > limit)
            throw new ArgumentException(
                $"GPSA with n={n}, head dim {dim / heads}, {BlockThreads} threads needs {shared} bytes of shared memory; the device allows {limit}.", nameof(n));
        return shared;
    }
}
