namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>Launchers for kernels/layernorm.cu: LayerNorm over the last dim C of contiguous [rows, C] float32.</summary>
public sealed unsafe class LayerNormKernels
{
    public const string Source = "layernorm.cu";
    /// <summary>Rows summed by one partial of the deterministic dweight/dbias reduction (fixed, so results do not depend on the device).</summary>
    public const int RowsPerChunk = 64;
    private const int RowBlockThreads = 256;     // 8 rows (warps) per block
    private const int ParamRows = 8;             // blockDim.y of the partial pass (DYTOX_LN_PARAM_ROWS)

    private readonly ICudaDriver _driver;
    private readonly KernelCache _kernels;

    public LayerNormKernels(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _kernels = new KernelCache(driver, Source);
    }

    /// <summary>Row chunks of the parameter-gradient reduction; each partial buffer holds ParamChunks(rows)·C floats.</summary>
    public static int ParamChunks(int rows) => (rows + RowsPerChunk - 1) / RowsPerChunk;

    private static Dim3 RowGrid(int rows) => new((rows + RowBlockThreads / 32 - 1) / (RowBlockThreads / 32));

    /// <summary>output = LN(input)·weight + bias; writes mean[rows] and rstd[rows] for backward.</summary>
    public void Forward(ulong output, ulong mean, ulong rstd, ulong input, ulong weight, ulong bias, int rows, int C, float eps)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(mean, nameof(mean)); ShapeChecks.Pointer(rstd, nameof(rstd));
        ShapeChecks.Pointer(input, nameof(input)); ShapeChecks.Pointer(weight, nameof(weight)); ShapeChecks.Pointer(bias, nameof(bias));
        ShapeChecks.Positive(rows, nameof(rows)); ShapeChecks.Positive(C, nameof(C));
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be positive.");
        void** args = stackalloc void*[] { &output, &mean, &rstd, &input, &weight, &bias, &rows, &C, &eps };
        _driver.Launch(_kernels["layernorm_forward_f32"], RowGrid(rows), new Dim3(RowBlockThreads), 0, args);
    }

    /// <summary>dinp (assigned) from dout, the forward input, weight and the saved mean/rstd.</summary>
    public void BackwardInput(ulong dinp, ulong dout, ulong input, ulong weight, ulong mean, ulong rstd, int rows, int C)
    {
        ShapeChecks.Pointer(dinp, nameof(dinp)); ShapeChecks.Pointer(dout, nameof(dout)); ShapeChecks.Pointer(input, nameof(input));
        ShapeChecks.Pointer(weight, nameof(weight)); ShapeChecks.Pointer(mean, nameof(mean)); ShapeChecks.Pointer(rstd, nameof(rstd));
        ShapeChecks.Positive(rows, nameof(rows)); ShapeChecks.Positive(C, nameof(C));
        void** args = stackalloc void*[] { &dinp, &dout, &input, &weight, &mean, &rstd, &rows, &C };
        _driver.Launch(_kernels["layernorm_backward_input_f32"], RowGrid(rows), new Dim3(RowBlockThreads), 0, args);
    }

    /// <summary>
    /// dweight = Σ dout·x̂ and dbias = Σ dout over rows (assigned, or added when <paramref name="accumulate"/>),
    /// deterministically through <paramref name="partialWeight"/>/<paramref name="partialBias"/> scratch of
    /// <see cref="ParamChunks"/>(rows)·C floats each.
    /// </summary>
    public void BackwardParams(ulong dweight, ulong dbias, ulong partialWeight, ulong partialBias,
                               ulong dout, ulong input, ulong mean, ulong rstd, int rows, int C, bool accumulate)
    {
        ShapeChecks.Pointer(dweight, nameof(dweight)); ShapeChecks.Pointer(dbias, nameof(dbias));
        ShapeChecks.Pointer(partialWeight, nameof(partialWeight)); ShapeChecks.Pointer(partialBias, nameof(partialBias));
        ShapeChecks.Pointer(dout, nameof(dout)); ShapeChecks.Pointer(input, nameof(input));
        ShapeChecks.Pointer(mean, nameof(mean)); ShapeChecks.Pointer(rstd, nameof(rstd));
        ShapeChecks.Positive(rows, nameof(rows)); ShapeChecks.Positive(C, nameof(C));
        var chunks = ParamChunks(rows);
        if (chunks > 65535) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"At most {65535 * RowsPerChunk} rows.");
        var rowsPerChunk = RowsPerChunk;
        void** partialArgs = stackalloc void*[] { &partialWeight, &partialBias, &dout, &input, &mean, &rstd, &rows, &C, &rowsPerChunk };
        _driver.Launch(_kernels["layernorm_backward_params_partial_f32"], new Dim3((C + 31) / 32, chunks), new Dim3(32, ParamRows), 0, partialArgs);

        var acc = accumulate ? 1 : 0;
        void** finalArgs = stackalloc void*[] { &dweight, &dbias, &partialWeight, &partialBias, &chunks, &C, &acc };
        _driver.Launch(_kernels["layernorm_backward_params_finalize_f32"], new Dim3((C + 255) / 256), new Dim3(256), 0, finalArgs);
    }
}
