namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>
/// Launchers for kernels/task_attention.cu: DyTox task attention (IBackend.TaskAttentionForward/Backward) on
/// device pointers, float32. q, kTok, vTok, output [T, B, D]; kPatch, vPatch [B, N, D]; attn [T, B, H, 1+N]
/// (token key first). One warp per (t, b, h) row; dkPatch/dvPatch summed over tasks in increasing t by a
/// second kernel (no atomics, bitwise reproducible).
/// </summary>
public sealed unsafe class TaskAttentionKernels
{
    public const string Source = "task_attention.cu";
    public const int DefaultBlockThreads = 128;   // 4 (t, b, h) rows per block
    private const int PatchThreads = 256;

    private readonly ICudaDriver _driver;
    private readonly KernelCache _kernels;

    public TaskAttentionKernels(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _kernels = new KernelCache(driver, Source);
    }

    /// <summary>Threads per block of the row kernels (a multiple of 32, 32–1024; one warp per row).</summary>
    public int BlockThreads
    {
        get;
        set => field = value is >= 32 and <= 1024 && value % 32 == 0
            ? value
            : throw new ArgumentOutOfRangeException(nameof(BlockThreads), value, "BlockThreads must be a multiple of 32 between 32 and 1024.");
    } = DefaultBlockThreads;

    /// <summary>Dynamic shared memory of the row kernels: per warp one head row (d) and one key row (1+N).</summary>
    public static int SharedBytes(int n, int headDim, int threads) => checked(threads / 32 * (headDim + n + 1) * sizeof(float));

    /// <summary>attn [T, B, H, 1+N] = softmax(scale·q·[kTok ; kPatch]ᵀ); output [T, B, D] = attn·[vTok ; vPatch].</summary>
    public void Forward(ulong q, ulong kTok, ulong vTok, ulong kPatch, ulong vPatch, ulong attn, ulong output,
                        int tasks, int batch, int n, int dim, int heads, float scale)
    {
        ShapeChecks.Pointer(q, nameof(q)); ShapeChecks.Pointer(kTok, nameof(kTok)); ShapeChecks.Pointer(vTok, nameof(vTok));
        ShapeChecks.Pointer(kPatch, nameof(kPatch)); ShapeChecks.Pointer(vPatch, nameof(vPatch));
        ShapeChecks.Pointer(attn, nameof(attn)); ShapeChecks.Pointer(output, nameof(output));
        var (grid, shared) = RowLaunch(tasks, batch, n, dim, heads, scale);
        void** args = stackalloc void*[] { &q, &kTok, &vTok, &kPatch, &vPatch, &attn, &output, &tasks, &batch, &n, &dim, &heads, &scale };
        _driver.Launch(_kernels["task_attention_forward_f32"], grid, new Dim3(BlockThreads), shared, args);
    }

    /// <summary>
    /// dq, dkTok, dvTok [T, B, D] and dkPatch, dvPatch [B, N, D] (summed over tasks). <paramref name="scratch"/> must
    /// hold <see cref="BackwardScratchBytes"/> bytes.
    /// </summary>
    public void Backward(ulong dOut, ulong q, ulong kTok, ulong vTok, ulong kPatch, ulong vPatch, ulong attn,
                         ulong dq, ulong dkTok, ulong dvTok, ulong dkPatch, ulong dvPatch,
                         int tasks, int batch, int n, int dim, int heads, float scale, ulong scratch)
    {
        ShapeChecks.Pointer(dOut, nameof(dOut)); ShapeChecks.Pointer(q, nameof(q)); ShapeChecks.Pointer(kTok, nameof(kTok));
        ShapeChecks.Pointer(vTok, nameof(vTok)); ShapeChecks.Pointer(kPatch, nameof(kPatch)); ShapeChecks.Pointer(vPatch, nameof(vPatch));
        ShapeChecks.Pointer(attn, nameof(attn)); ShapeChecks.Pointer(dq, nameof(dq)); ShapeChecks.Pointer(dkTok, nameof(dkTok));
        ShapeChecks.Pointer(dvTok, nameof(dvTok)); ShapeChecks.Pointer(dkPatch, nameof(dkPatch)); ShapeChecks.Pointer(dvPatch, nameof(dvPatch));
        ShapeChecks.Pointer(scratch, nameof(scratch));
        var (grid, shared) = RowLaunch(tasks, batch, n, dim, heads, scale);
        void** args = stackalloc void*[] { &dOut, &q, &kTok, &vTok, &kPatch, &vPatch, &attn, &dq, &dkTok, &dvTok, &scratch,
                                           &tasks, &batch, &n, &dim, &heads, &scale };
        _driver.Launch(_kernels["task_attention_backward_rows_f32"], grid, new Dim3(BlockThreads), shared, args);

        void** patchArgs = stackalloc void*[] { &dOut, &q, &attn, &scratch, &dkPatch, &dvPatch, &tasks, &batch, &n, &dim, &heads, &scale };
        var total = (long)batch * n * dim;
        var blocks = (int)Math.Clamp((total + PatchThreads - 1) / PatchThreads, 1, Math.Max(1, _driver.Device.MultiprocessorCount) * 16L);
        _driver.Launch(_kernels["task_attention_backward_patches_f32"], new Dim3(blocks), new Dim3(PatchThreads), 0, patchArgs);
    }

    /// <summary>Scratch of <see cref="Backward"/>: the softmax-backward rows z [T, B, H, 1+N].</summary>
    public static long BackwardScratchBytes(int tasks, int batch, int n, int heads)
    {
        ShapeChecks.Positive(tasks, nameof(tasks)); ShapeChecks.Positive(batch, nameof(batch));
        ShapeChecks.Positive(n, nameof(n)); ShapeChecks.Positive(heads, nameof(heads));
        return checked((long)tasks * batch * heads * (n + 1) * sizeof(float));
    }

    private (Dim3 Grid, int Shared) RowLaunch(int tasks, int batch, int n, int dim, int heads, float scale)
    {
        ShapeChecks.Positive(tasks, nameof(tasks)); ShapeChecks.Positive(batch, nameof(batch)); ShapeChecks.Positive(n, nameof(n));
        ShapeChecks.Positive(dim, nameof(dim)); ShapeChecks.Positive(heads, nameof(heads));
        if (dim % heads != 0)
            throw new ArgumentException($"dim {dim} must be a multiple of heads {heads}.", nameof(dim));
        if (!float.IsFinite(scale) || scale <= 0)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be positive and finite.");
        var rows = (long)tasks * batch * heads;
        if (rows > int.MaxValue)
            throw new ArgumentException($"tasks·batch·heads = {rows} exceeds the kernel's int indexing.", nameof(tasks));
        var warps = BlockThreads / 32;
        var shared = SharedBytes(n, dim / heads, BlockThreads);
        var limit = Math.Max(_driver.Device.MaxSharedMemoryPerBlockOptin, _driver.Device.MaxSharedMemoryPerBlock);
        if (shared > limit)
            throw new ArgumentException($"task attention with n={n}, head dim {dim / heads}, {BlockThreads} threads needs {shared} bytes of shared memory; the device allows {limit}.", nameof(n));
        return (new Dim3(checked((int)((rows + warps - 1) / warps))), shared);
    }
}
