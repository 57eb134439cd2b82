namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>Which softmax.cu kernel shape to use.</summary>
public enum SoftmaxPath { Auto, WarpPerRow, BlockPerRow }

/// <summary>Launchers for kernels/softmax.cu: row softmax over contiguous [rows, cols] float32.</summary>
public sealed unsafe class SoftmaxKernels
{
    public const string Source = "softmax.cu";
    /// <summary>Rows up to this length use one warp per row; longer rows use one block per row.</summary>
    public const int WarpPathMaxCols = 1024;
    private const int WarpBlockThreads = 256; // 8 rows per block

    private readonly ICudaDriver _driver;
    private readonly KernelCache _kernels;

    public SoftmaxKernels(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _kernels = new KernelCache(driver, Source);
    }

    public static SoftmaxPath Resolve(SoftmaxPath path, int cols) =>
        path != SoftmaxPath.Auto ? path : cols <= WarpPathMaxCols ? SoftmaxPath.WarpPerRow : SoftmaxPath.BlockPerRow;

    /// <summary>Threads per block of the block-per-row path for a row length.</summary>
    public static int BlockThreads(int cols) => cols >= 8192 ? 1024 : cols >= 2048 ? 512 : 256;

    /// <summary>output = softmax(input) per row (output may alias input).</summary>
    public void Forward(ulong output, ulong input, int rows, int cols, SoftmaxPath path = SoftmaxPath.Auto)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        ShapeChecks.Positive(rows, nameof(rows)); ShapeChecks.Positive(cols, nameof(cols));
        void** args = stackalloc void*[] { &output, &input, &rows, &cols };
        Launch(Resolve(path, cols), "softmax_forward_warp_f32", "softmax_forward_block_f32", rows, cols, args);
    }

    /// <summary>dinp = y · (dout − Σ dout·y) per row, from the forward output y.</summary>
    public void Backward(ulong dinp, ulong output, ulong dout, int rows, int cols, SoftmaxPath path = SoftmaxPath.Auto)
    {
        ShapeChecks.Pointer(dinp, nameof(dinp)); ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(dout, nameof(dout));
        ShapeChecks.Positive(rows, nameof(rows)); ShapeChecks.Positive(cols, nameof(cols));
        void** args = stackalloc void*[] { &dinp, &output, &dout, &rows, &cols };
        Launch(Resolve(path, cols), "softmax_backward_warp_f32", "softmax_backward_block_f32", rows, cols, args);
    }

    private void Launch(SoftmaxPath path, string warpKernel, string blockKernel, int rows, int cols, void** args)
    {
        if (path == SoftmaxPath.WarpPerRow)
        {
            const int rowsPerBlock = WarpBlockThreads / 32;
            _driver.Launch(_kernels[warpKernel], new Dim3((rows + rowsPerBlock - 1) / rowsPerBlock), new Dim3(WarpBlockThreads), 0, args);
        }
        else
        {
            _driver.Launch(_kernels[blockKernel], new Dim3(rows), new Dim3(BlockThreads(cols)), 0, args);
        }
    }
}
