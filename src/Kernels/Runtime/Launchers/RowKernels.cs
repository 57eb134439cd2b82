namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>
/// Launchers for kernels/rows.cu: warp-per-row log-softmax and L2 normalisation (forward and backward)
/// over contiguous [rows, cols] float32, patch unfolding/folding, index select and deterministic index add.
/// </summary>
public sealed unsafe class RowKernels
{
    public const string Source = "rows.cu";
    private const int RowBlock = 256; // 8 rows (warps) per block

    private readonly ICudaDriver _driver;
    private readonly KernelCache _kernels;

    public RowKernels(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _kernels = new KernelCache(driver, Source);
    }

    private void LaunchRows(string kernel, int rows, void** args) =>
        _driver.Launch(_kernels[kernel], new Dim3((rows + RowBlock / 32 - 1) / (RowBlock / 32)), new Dim3(RowBlock), 0, args);

    private void LaunchGridStride(string kernel, long n, void** args) =>
        _driver.Launch(_kernels[kernel], new Dim3(LaunchPlan.GridStrideBlocks(n, _driver.Device)), new Dim3(LaunchPlan.ElementwiseBlock), 0, args);

    public void LogSoftmaxForward(ulong output, ulong input, int rows, int cols)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        if (rows <= 0 || cols <= 0) return;
        void** args = stackalloc void*[] { &output, &input, &rows, &cols };
        LaunchRows("log_softmax_forward_f32", rows, args);
    }

    public void LogSoftmaxBackward(ulong dinp, ulong output, ulong dout, int rows, int cols)
    {
        ShapeChecks.Pointer(dinp, nameof(dinp)); ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(dout, nameof(dout));
        if (rows <= 0 || cols <= 0) return;
        void** args = stackalloc void*[] { &dinp, &output, &dout, &rows, &cols };
        LaunchRows("log_softmax_backward_f32", rows, args);
    }

    public void L2NormalizeForward(ulong output, ulong input, int rows, int cols, float eps)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        if (rows <= 0 || cols <= 0) return;
        void** args = stackalloc void*[] { &output, &input, &rows, &cols, &eps };
        LaunchRows("l2norm_forward_f32", rows, args);
    }

    public void L2NormalizeBackward(ulong dinp, ulong input, ulong dout, int rows, int cols, float eps)
    {
        ShapeChecks.Pointer(dinp, nameof(dinp)); ShapeChecks.Pointer(input, nameof(input)); ShapeChecks.Pointer(dout, nameof(dout));
        if (rows <= 0 || cols <= 0) return;
        void** args = stackalloc void*[] { &dinp, &input, &dout, &rows, &cols, &eps };
        LaunchRows("l2norm_backward_f32", rows, args);
    }

    /// <summary>patches [B, (H/p)(W/p), C·p·p] from images [B, C, H, W].</summary>
    public void Im2Patch(ulong patches, ulong images, int B, int C, int H, int W, int p)
    {
        ShapeChecks.Pointer(patches, nameof(patches)); ShapeChecks.Pointer(images, nameof(images));
        long n = (long)B * C * H * W;
        if (n <= 0) return;
        void** args = stackalloc void*[] { &patches, &images, &B, &C, &H, &W, &p };
        LaunchGridStride("im2patch_f32", n, args);
    }

    /// <summary>images [B, C, H, W] (assigned) from patches.</summary>
    public void Patch2Im(ulong images, ulong patches, int B, int C, int H, int W, int p)
    {
        ShapeChecks.Pointer(patches, nameof(patches)); ShapeChecks.Pointer(images, nameof(images));
        long n = (long)B * C * H * W;
        if (n <= 0) return;
        void** args = stackalloc void*[] { &images, &patches, &B, &C, &H, &W, &p };
        LaunchGridStride("patch2im_f32", n, args);
    }

    /// <summary>4-byte elements: output [outer, K, inner] = input [outer, extent, inner] at indices [K] (validated by the caller).</summary>
    public void IndexSelect(ulong output, ulong input, ulong indices, long outer, int extent, int K, long inner)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input)); ShapeChecks.Pointer(indices, nameof(indices));
        long n = outer * K * inner;
        if (n <= 0) return;
        void** args = stackalloc void*[] { &output, &input, &indices, &outer, &extent, &K, &inner };
        LaunchGridStride("index_select_u32", n, args);
    }

    /// <summary>destination [outer, extent, inner] += source [outer, K, inner] at indices [K], in increasing k.</summary>
    public void IndexAdd(ulong destination, ulong source, ulong indices, long outer, int extent, int K, long inner)
    {
        ShapeChecks.Pointer(destination, nameof(destination)); ShapeChecks.Pointer(source, nameof(source)); ShapeChecks.Pointer(indices, nameof(indices));
        long n = outer * extent * inner;
        if (n <= 0 || K <= 0) return;
        void** args = stackalloc void*[] { &destination, &source, &indices, &outer, &extent, &K, &inner };
        LaunchGridStride("index_add_f32", n, args);
    }
}
