using DyTox.Tensor;

namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>
/// Launchers for kernels/tensor_ops.cu: fill/strided copy of 4-byte elements, casts, broadcasting binary
/// ops, unary ops and their backward, affine and axpy. Argument arrays live on the stack; kernel handles
/// are cached: launches allocate nothing.
/// </summary>
public sealed unsafe class TensorOpKernels
{
    public const string Source = "tensor_ops.cu";
    private readonly ICudaDriver _driver;
    private readonly KernelCache _kernels;

    public TensorOpKernels(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _kernels = new KernelCache(driver, Source);
    }

    private void Launch(string kernel, long workItems, void** args) =>
        _driver.Launch(_kernels[kernel], new Dim3(LaunchPlan.GridStrideBlocks(workItems, _driver.Device)),
                       new Dim3(LaunchPlan.ElementwiseBlock), 0, args);

    /// <summary>Sets n 4-byte elements to the bit pattern <paramref name="bits"/>.</summary>
    public void Fill(ulong output, long n, uint bits)
    {
        ShapeChecks.Pointer(output, nameof(output));
        if (n <= 0) return;
        void** args = stackalloc void*[] { &output, &n, &bits };
        Launch("fill_u32", n, args);
    }

    /// <summary>4-byte elements: output[dst(i)] = input[src(i)] over the index space in <paramref name="desc"/>.</summary>
    public void StridedCopy(ulong output, ulong input, in CopyDesc6 desc, long n)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        if (n <= 0) return;
        var d = desc;
        void** args = stackalloc void*[] { &output, &input, &d, &n };
        Launch("strided_copy_u32", n, args);
    }

    public void CastInt32ToFloat32(ulong output, ulong input, long n) => Map("cast_i32_to_f32", output, input, n);

    public void CastFloat32ToInt32(ulong output, ulong input, long n) => Map("cast_f32_to_i32", output, input, n);

    private void Map(string kernel, ulong output, ulong input, long n)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        if (n <= 0) return;
        void** args = stackalloc void*[] { &output, &input, &n };
        Launch(kernel, n, args);
    }

    /// <summary>output (contiguous over desc's sizes) = a op b, operands read at desc's strides.</summary>
    public void Binary(DyTox.Tensor.BinaryOp op, ulong output, ulong a, ulong b, in BinaryDesc6 desc, long n)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(a, nameof(a)); ShapeChecks.Pointer(b, nameof(b));
        if (n <= 0) return;
        var d = desc;
        int code = (int)op;
        void** args = stackalloc void*[] { &output, &a, &b, &d, &n, &code };
        Launch("binary_broadcast_f32", n, args);
    }

    public void Unary(UnaryOp op, ulong output, ulong input, long n)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        if (n <= 0) return;
        int code = (int)op;
        void** args = stackalloc void*[] { &output, &input, &n, &code };
        Launch("unary_f32", n, args);
    }

    public void UnaryBackward(UnaryOp op, ulong dx, ulong x, ulong y, ulong dy, long n)
    {
        ShapeChecks.Pointer(dx, nameof(dx)); ShapeChecks.Pointer(x, nameof(x)); ShapeChecks.Pointer(y, nameof(y)); ShapeChecks.Pointer(dy, nameof(dy));
        if (n <= 0) return;
        int code = (int)op;
        void** args = stackalloc void*[] { &dx, &x, &y, &dy, &n, &code };
        Launch("unary_backward_f32", n, args);
    }

    /// <summary>output = alpha·input + beta.</summary>
    public void Affine(ulong output, ulong input, long n, float alpha, float beta)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        if (n <= 0) return;
        void** args = stackalloc void*[] { &output, &input, &n, &alpha, &beta };
        Launch("affine_f32", n, args);
    }

    /// <summary>y += alpha·x.</summary>
    public void Axpy(ulong y, ulong x, long n, float alpha)
    {
        ShapeChecks.Pointer(y, nameof(y)); ShapeChecks.Pointer(x, nameof(x));
        if (n <= 0) return;
        void** args = stackalloc void*[] { &y, &x, &n, &alpha };
        Launch("axpy_f32", n, args);
    }
}
