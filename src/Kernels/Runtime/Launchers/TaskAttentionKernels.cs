namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>
/// Launchers for the task-attention kernels: DyTox task attention (IBackend.TaskAttentionForward/Backward) on
/// device pointers, float32. q, kTok, vTok, output [T, B, D]; kPatch, vPatch [B, N, D]; attn [T, B, H, 1+N]
/// (token key first). Two versions, same results to the bit: v2 (kernels/task_attention.cu) runs one warp per
/// (t, b, h) row and sums dkPatch/dvPatch over tasks in a second kernel through scratch; v3
/// (kernels/task_attention_v3.cu) runs one block per (b, h) with the head's patch keys and values staged once in
/// shared memory for all tasks and sums over tasks in the same kernel. No atomics, bitwise reproducible.
/// </summary>
public sealed unsafe class TaskAttentionKernels
{
    public const string Source = "task_attention.cu";
    /// <summary>The block-per-(b, h) version (v3).</summary>
    public const string BlockPerHeadSource = "task_attention_v3.cu";
    public const int DefaultBlockThreads = 128;   // v2: 4 (t, b, h) rows per block; v3: 4 warps taking the tasks in turn
    private const int PatchThreads = 256;

    private readonly ICudaDriver _driver;
    private readonly KernelCache _kernels;
    private readonly KernelCache _blockPerHeadKernels;

    public TaskAttentionKernels(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _kernels = new KernelCache(driver, Source);
        _blockPerHeadKernels = new KernelCache(driver, BlockPerHeadSource);
    }

    /// <summary>
    /// The version <see cref="Forward"/> and <see cref="Backward"/> run: 2 (default until v3 is measured faster on a
    /// GPU, kernels/README.md) or 3 where its shared memory fits (<see cref="Runs"/>; v2 otherwise). The two give the
    /// same bits. DYTOX_TASK_ATTENTION_VERSION=3 selects v3 for new instances.
    /// </summary>
    public int Version
    {
        get;
        set => field = value is 2 or 3 ? value : throw new ArgumentOutOfRangeException(nameof(Version), value, "Version must be 2 or 3.");
    } = Environment.GetEnvironmentVariable("DYTOX_TASK_ATTENTION_VERSION") == "3" ? 3 : 2;

    /// <summary>The version that runs at this shape: v3 when selected and both of its kernels' shared memory fits the device, else v2.</summary>
    public int Runs(int tasks, int n, int headDim) =>
        Version == 3 && Math.Max(BlockPerHeadForwardSharedBytes(n, headDim, BlockThreads), BlockPerHeadBackwardSharedBytes(tasks, n, headDim)) <= SharedLimit
            ? 3 : 2;

    /// <summary>v3 forward: the head's K and V rows at d + 1 floats, and per warp one query row and one key row.</summary>
    public static int BlockPerHeadForwardSharedBytes(int n, int headDim, int threads) =>
        checked((2 * n * (headDim + 1) + threads / 32 * (headDim + n + 1)) * sizeof(float));

    /// <summary>v3 backward: the head's K and V rows at d + 1 floats, every task's q and dO rows, attn and z rows.</summary>
    public static int BlockPerHeadBackwardSharedBytes(int tasks, int n, int headDim) =>
        checked((2 * n * (headDim + 1) + 2 * tasks * headDim + 2 * tasks * (n + 1)) * sizeof(float));

    private int SharedLimit => Math.Max(_driver.Device.MaxSharedMemoryPerBlockOptin, _driver.Device.MaxSharedMemoryPerBlock);

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
        if (Runs(tasks, n, dim / heads) == 3)
        {
            void** args3 = stackalloc void*[] { &q, &kTok, &vTok, &kPatch, &vPatch, &attn, &output, &tasks, &batch, &n, &dim, &heads, &scale };
            _driver.Launch(_blockPerHeadKernels["task_attention_forward_v3_f32"], HeadGrid(batch, heads), new Dim3(BlockThreads),
                           BlockPerHeadForwardSharedBytes(n, dim / heads, BlockThreads), args3);
            return;
        }
        void** args = stackalloc void*[] { &q, &kTok, &vTok, &kPatch, &vPatch, &attn, &output, &tasks, &batch, &n, &dim, &heads, &scale };
        _driver.Launch(_kernels["task_attention_forward_f32"], grid, new Dim3(BlockThreads), shared, args);
    }

    /// <summary>
    /// dq, dkTok, dvTok [T, B, D] and dkPatch, dvPatch [B, N, D] (summed over tasks). <paramref name="scratch"/> must
    /// hold <see cref="BackwardScratchBytes"/> bytes when v2 runs (<see cref="Runs"/>); v3 needs none (pass 0).
    /// </summary>
    public void Backward(ulong dOut, ulong q, ulong kTok, ulong vTok, ulong kPatch, ulong vPatch, ulong attn,
                         ulong dq, ulong dkTok, ulong dvTok, ulong dkPatch, ulong dvPatch,
                         int tasks, int batch, int n, int dim, int heads, float scale, ulong scratch)
    {
        ShapeChecks.Pointer(dOut, nameof(dOut)); ShapeChecks.Pointer(q, nameof(q)); ShapeChecks.Pointer(kTok, nameof(kTok));
        ShapeChecks.Pointer(vTok, nameof(vTok)); ShapeChecks.Pointer(kPatch, nameof(kPatch)); ShapeChecks.Pointer(vPatch, nameof(vPatch));
        ShapeChecks.Pointer(attn, nameof(attn)); ShapeChecks.Pointer(dq, nameof(dq)); ShapeChecks.Pointer(dkTok, nameof(dkTok));
        ShapeChecks.Pointer(dvTok, nameof(dvTok)); ShapeChecks.Pointer(dkPatch, nameof(dkPatch)); ShapeChecks.Pointer(dvPatch, nameof(dvPatch));
        var (grid, shared) = RowLaunch(tasks, batch, n, dim, heads, scale);
        if (Runs(tasks, n, dim / heads) == 3)
        {
            void** args3 = stackalloc void*[] { &dOut, &q, &kTok, &vTok, &kPatch, &vPatch, &attn, &dq, &dkTok, &dvTok, &dkPatch, &dvPatch,
                                                &tasks, &batch, &n, &dim, &heads, &scale };
            _driver.Launch(_blockPerHeadKernels["task_attention_backward_v3_f32"], HeadGrid(batch, heads), new Dim3(BlockThreads),
                           BlockPerHeadBackwardSharedBytes(tasks, n, dim / heads), args3);
            return;
        }
        ShapeChecks.Pointer(scratch, nameof(scratch));
        void** args = stackalloc void*[] { &dOut, &q, &kTok, &vTok, &kPatch, &vPatch, &attn, &dq, &dkTok, &dvTok, &scratch,
                                           &tasks, &batch, &n, &dim, &heads, &scale };
        _driver.Launch(_kernels["task_attention_backward_rows_f32"], grid, new Dim3(BlockThreads), shared, args);

        void** patchArgs = stackalloc void*[] { &dOut, &q, &attn, &scratch, &dkPatch, &dvPatch, &tasks, &batch, &n, &dim, &heads, &scale };
        var total = (long)batch * n * dim;
        var blocks = (int)Math.Clamp((total + PatchThreads - 1) / PatchThreads, 1, Math.Max(1, _driver.Device.MultiprocessorCount) * 16L);
        _driver.Launch(_kernels["task_attention_backward_patches_f32"], new Dim3(blocks), new Dim3(PatchThreads), 0, patchArgs);
    }

    /// <summary>Scratch of v2's <see cref="Backward"/>: the softmax-backward rows z [T, B, H, 1+N].</summary>
    public static long BackwardScratchBytes(int tasks, int batch, int n, int heads)
    {
        ShapeChecks.Positive(tasks, nameof(tasks)); ShapeChecks.Positive(batch, nameof(batch));
        ShapeChecks.Positive(n, nameof(n)); ShapeChecks.Positive(heads, nameof(heads));
        return checked((long)tasks * batch * heads * (n + 1) * sizeof(float));
    }

    private static Dim3 HeadGrid(int batch, int heads) =>
        (long)batch * heads <= int.MaxValue ? new Dim3(batch * heads)
            : throw new ArgumentException($"batch·heads = {(long)batch * heads} exceeds the grid.", nameof(batch));

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
