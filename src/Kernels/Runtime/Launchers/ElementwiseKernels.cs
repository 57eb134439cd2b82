namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>The binary operations of elementwise.cu.</summary>
public enum BinaryOp { Add, Sub, Mul, Div }

/// <summary>
/// Launchers for kernels/elementwise.cu on any <see cref="ICudaDriver"/>. Pointers are device addresses
/// of float32 data; counts are elements. Argument arrays live on the stack: launches allocate nothing.
/// </summary>
public sealed unsafe class ElementwiseKernels
{
    public const string Source = "elementwise.cu";
    private readonly ICudaDriver _driver;
    private readonly KernelCache _kernels;

    public ElementwiseKernels(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _kernels = new KernelCache(driver, Source);
    }

    private void LaunchGridStride(string kernel, long workItems, void** args) =>
        _driver.Launch(_kernels[kernel], new Dim3(LaunchPlan.GridStrideBlocks(workItems, _driver.Device)),
                       new Dim3(LaunchPlan.ElementwiseBlock), 0, args);

    // The vectorised kernels handle 4 elements per thread in their main loop.
    private static long VectorWork(long n) => (n + 3) / 4;

    public void Fill(ulong output, long n, float value)
    {
        ShapeChecks.Pointer(output, nameof(output));
        if (n <= 0) return;
        void** args = stackalloc void*[] { &output, &n, &value };
        LaunchGridStride("fill_f32", VectorWork(n), args);
    }

    public void Copy(ulong output, ulong input, long n)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        if (n <= 0) return;
        void** args = stackalloc void*[] { &output, &input, &n };
        LaunchGridStride("copy_f32", VectorWork(n), args);
    }

    /// <summary>output (contiguous) = the view of input with the given sizes and element strides (rank 1–4).</summary>
    public void StridedCopy(ulong output, ulong input, ReadOnlySpan<long> sizes, ReadOnlySpan<long> strides)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        var desc = StridedDesc4.Create(sizes, strides);
        var n = desc.Count;
        void** args = stackalloc void*[] { &output, &input, &desc };
        LaunchGridStride("strided_copy_f32", n, args);
    }

    /// <summary>Same-shape contiguous operands; output may alias a or b.</summary>
    public void Binary(BinaryOp op, ulong output, ulong a, ulong b, long n)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(a, nameof(a)); ShapeChecks.Pointer(b, nameof(b));
        if (n <= 0) return;
        void** args = stackalloc void*[] { &output, &a, &b, &n };
        LaunchGridStride(op switch
        {
            BinaryOp.Add => "add_f32",
            BinaryOp.Sub => "sub_f32",
            BinaryOp.Mul => "mul_f32",
            BinaryOp.Div => "div_f32",
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
        }, VectorWork(n), args);
    }

    /// <summary>
    /// Broadcasting: output is contiguous with shape <paramref name="outSizes"/>; a and b are read at their
    /// own element strides, with stride 0 along dimensions they broadcast over.
    /// </summary>
    public void BinaryBroadcast(BinaryOp op, ulong output, ReadOnlySpan<long> outSizes,
                                ulong a, ReadOnlySpan<long> aStrides, ulong b, ReadOnlySpan<long> bStrides)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(a, nameof(a)); ShapeChecks.Pointer(b, nameof(b));
        var desc = BroadcastDesc4.Create(outSizes, aStrides, bStrides);
        var n = desc.Count;
        void** args = stackalloc void*[] { &output, &a, &b, &desc };
        LaunchGridStride(op switch
        {
            BinaryOp.Add => "add_broadcast_f32",
            BinaryOp.Sub => "sub_broadcast_f32",
            BinaryOp.Mul => "mul_broadcast_f32",
            BinaryOp.Div => "div_broadcast_f32",
            _ => throw new ArgumentOutOfRangeException(nameof(op), op, null),
        }, n, args);
    }

    /// <summary>output = alpha · input (in place allowed).</summary>
    public void Scale(ulong output, ulong input, long n, float alpha)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        if (n <= 0) return;
        void** args = stackalloc void*[] { &output, &input, &n, &alpha };
        LaunchGridStride("scale_f32", VectorWork(n), args);
    }

    public void GeluForward(ulong output, ulong input, long n) => Unary("gelu_forward_f32", output, input, n);

    public void SigmoidForward(ulong output, ulong input, long n) => Unary("sigmoid_forward_f32", output, input, n);

    /// <summary>dinp = dout · GELU'(inp) (exact erf form).</summary>
    public void GeluBackward(ulong dinp, ulong inp, ulong dout, long n) => Backward("gelu_backward_f32", dinp, inp, dout, n);

    /// <summary>dinp = dout · y · (1 − y), y the sigmoid forward output.</summary>
    public void SigmoidBackward(ulong dinp, ulong output, ulong dout, long n) => Backward("sigmoid_backward_f32", dinp, output, dout, n);

    private void Unary(string kernel, ulong output, ulong input, long n)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        if (n <= 0) return;
        void** args = stackalloc void*[] { &output, &input, &n };
        LaunchGridStride(kernel, VectorWork(n), args);
    }

    private void Backward(string kernel, ulong dinp, ulong saved, ulong dout, long n)
    {
        ShapeChecks.Pointer(dinp, nameof(dinp)); ShapeChecks.Pointer(saved, nameof(saved)); ShapeChecks.Pointer(dout, nameof(dout));
        if (n <= 0) return;
        void** args = stackalloc void*[] { &dinp, &saved, &dout, &n };
        LaunchGridStride(kernel, VectorWork(n), args);
    }
}
