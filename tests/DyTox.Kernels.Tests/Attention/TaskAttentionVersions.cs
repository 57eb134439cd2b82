using DyTox.Kernels.Runtime;
using DyTox.Kernels.Runtime.Launchers;

namespace DyTox.Kernels.Tests.Attention;

/// <summary>One numbered version of the task-attention kernels, launched at a given block size.</summary>
internal interface ITaskAttentionVersion
{
    string Name { get; }
    void Forward(ICudaDriver driver, int threads, ulong q, ulong kTok, ulong vTok, ulong kPatch, ulong vPatch, ulong attn, ulong output,
                 int tasks, int batch, int n, int dim, int heads, float scale);
    void Backward(ICudaDriver driver, int threads, ulong dOut, ulong q, ulong kTok, ulong vTok, ulong kPatch, ulong vPatch, ulong attn,
                  ulong dq, ulong dkTok, ulong dvTok, ulong dkPatch, ulong dvPatch, int tasks, int batch, int n, int dim, int heads, float scale, ulong scratch);
    long ScratchBytes(int tasks, int batch, int n, int heads);
}

/// <summary>v2, the promoted kernels/task_attention.cu through the production launcher.</summary>
internal sealed class TaskAttentionV2 : ITaskAttentionVersion
{
    public string Name => "v2";

    public void Forward(ICudaDriver driver, int threads, ulong q, ulong kTok, ulong vTok, ulong kPatch, ulong vPatch, ulong attn, ulong output,
                        int tasks, int batch, int n, int dim, int heads, float scale) =>
        new TaskAttentionKernels(driver) { BlockThreads = threads }.Forward(q, kTok, vTok, kPatch, vPatch, attn, output, tasks, batch, n, dim, heads, scale);

    public void Backward(ICudaDriver driver, int threads, ulong dOut, ulong q, ulong kTok, ulong vTok, ulong kPatch, ulong vPatch, ulong attn,
                         ulong dq, ulong dkTok, ulong dvTok, ulong dkPatch, ulong dvPatch, int tasks, int batch, int n, int dim, int heads, float scale, ulong scratch) =>
        new TaskAttentionKernels(driver) { BlockThreads = threads }.Backward(dOut, q, kTok, vTok, kPatch, vPatch, attn, dq, dkTok, dvTok, dkPatch, dvPatch,
                                                                              tasks, batch, n, dim, heads, scale, scratch);

    public long ScratchBytes(int tasks, int batch, int n, int heads) => TaskAttentionKernels.BackwardScratchBytes(tasks, batch, n, heads);
}

/// <summary>v3, kernels/task_attention_v3.cu (one block per (b, h), all tasks) through the production launcher.</summary>
internal sealed class TaskAttentionV3 : ITaskAttentionVersion
{
    public string Name => "v3";

    private static TaskAttentionKernels Launcher(ICudaDriver driver, int threads) => new(driver) { BlockThreads = threads, Version = 3 };

    public void Forward(ICudaDriver driver, int threads, ulong q, ulong kTok, ulong vTok, ulong kPatch, ulong vPatch, ulong attn, ulong output,
                        int tasks, int batch, int n, int dim, int heads, float scale)
    {
        var launcher = Launcher(driver, threads);
        if (launcher.Runs(tasks, n, dim / heads) != 3)
            throw new InvalidOperationException($"v3 does not fit T={tasks}, N={n}, head dim {dim / heads} on this device; v2 would run instead.");
        launcher.Forward(q, kTok, vTok, kPatch, vPatch, attn, output, tasks, batch, n, dim, heads, scale);
    }

    public void Backward(ICudaDriver driver, int threads, ulong dOut, ulong q, ulong kTok, ulong vTok, ulong kPatch, ulong vPatch, ulong attn,
                         ulong dq, ulong dkTok, ulong dvTok, ulong dkPatch, ulong dvPatch, int tasks, int batch, int n, int dim, int heads, float scale, ulong scratch) =>
        Launcher(driver, threads).Backward(dOut, q, kTok, vTok, kPatch, vPatch, attn, dq, dkTok, dvTok, dkPatch, dvPatch, tasks, batch, n, dim, heads, scale, 0);

    public long ScratchBytes(int tasks, int batch, int n, int heads) => 4;
}

/// <summary>v1, the naive kernels/dev/task_attention_v1.cu (one thread per (t, b, h)), launched directly.</summary>
internal sealed unsafe class TaskAttentionV1 : ITaskAttentionVersion
{
    public const string Source = "task_attention_v1.cu";
    public string Name => "v1";

    private static Dim3 Grid(long items, int threads) => new(checked((int)((items + threads - 1) / threads)));

    public void Forward(ICudaDriver driver, int threads, ulong q, ulong kTok, ulong vTok, ulong kPatch, ulong vPatch, ulong attn, ulong output,
                        int tasks, int batch, int n, int dim, int heads, float scale)
    {
        void** args = stackalloc void*[] { &q, &kTok, &vTok, &kPatch, &vPatch, &attn, &output, &tasks, &batch, &n, &dim, &heads, &scale };
        driver.Launch(driver.GetFunction(Source, "task_attention_forward_v1_f32"), Grid((long)tasks * batch * heads, threads), new Dim3(threads), 0, args);
    }

    public void Backward(ICudaDriver driver, int threads, ulong dOut, ulong q, ulong kTok, ulong vTok, ulong kPatch, ulong vPatch, ulong attn,
                         ulong dq, ulong dkTok, ulong dvTok, ulong dkPatch, ulong dvPatch, int tasks, int batch, int n, int dim, int heads, float scale, ulong scratch)
    {
        void** rows = stackalloc void*[] { &dOut, &q, &kTok, &vTok, &kPatch, &vPatch, &attn, &dq, &dkTok, &dvTok, &scratch, &tasks, &batch, &n, &dim, &heads, &scale };
        driver.Launch(driver.GetFunction(Source, "task_attention_backward_rows_v1_f32"), Grid((long)tasks * batch * heads, threads), new Dim3(threads), 0, rows);
        void** patches = stackalloc void*[] { &dOut, &q, &attn, &scratch, &dkPatch, &dvPatch, &tasks, &batch, &n, &dim, &heads, &scale };
        driver.Launch(driver.GetFunction(Source, "task_attention_backward_patches_v1_f32"), Grid((long)batch * n * dim, threads), new Dim3(threads), 0, patches);
    }

    public long ScratchBytes(int tasks, int batch, int n, int heads) => (long)tasks * batch * heads * (n + 1) * sizeof(float);
}
