namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>
/// Launchers for kernels/losses.cu: fused loss forward kernels writing per-row/per-chunk partial sums
/// (the caller finishes with <see cref="ReductionKernels.FinalSum"/>), and the backward kernels.
/// </summary>
public sealed unsafe class LossKernels
{
    public const string Source = "losses.cu";
    /// <summary>Elements per block of the BCE partial pass.</summary>
    public const int BceChunk = 4096;
    private const int RowBlock = 256;

    private readonly ICudaDriver _driver;
    private readonly KernelCache _kernels;

    public LossKernels(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _kernels = new KernelCache(driver, Source);
    }

    public static int BcePartials(long n) => (int)Math.Max(1, (n + BceChunk - 1) / BceChunk);

    private void LaunchRows(string kernel, int rows, void** args) =>
        _driver.Launch(_kernels[kernel], new Dim3((rows + RowBlock / 32 - 1) / (RowBlock / 32)), new Dim3(RowBlock), 0, args);

    /// <summary>partials[<see cref="BcePartials"/>(n)] = per-chunk Σ BCE terms.</summary>
    public void BcePartial(ulong partials, ulong logits, ulong targets, long n)
    {
        ShapeChecks.Pointer(partials, nameof(partials)); ShapeChecks.Pointer(logits, nameof(logits)); ShapeChecks.Pointer(targets, nameof(targets));
        ShapeChecks.Positive(n, nameof(n));
        int chunk = BceChunk;
        void** args = stackalloc void*[] { &partials, &logits, &targets, &n, &chunk };
        _driver.Launch(_kernels["bce_partial_f32"], new Dim3(BcePartials(n)), new Dim3(256), 0, args);
    }

    public void BceBackward(ulong dlogits, ulong logits, ulong targets, long n, float scale)
    {
        ShapeChecks.Pointer(dlogits, nameof(dlogits)); ShapeChecks.Pointer(logits, nameof(logits)); ShapeChecks.Pointer(targets, nameof(targets));
        if (n <= 0) return;
        void** args = stackalloc void*[] { &dlogits, &logits, &targets, &n, &scale };
        _driver.Launch(_kernels["bce_backward_f32"], new Dim3(LaunchPlan.GridStrideBlocks(n, _driver.Device)), new Dim3(LaunchPlan.ElementwiseBlock), 0, args);
    }

    public void CrossEntropyRows(ulong perRow, ulong logits, ulong labels, int rows, int cols, float smoothing)
    {
        ShapeChecks.Pointer(perRow, nameof(perRow)); ShapeChecks.Pointer(logits, nameof(logits)); ShapeChecks.Pointer(labels, nameof(labels));
        ShapeChecks.Positive(rows, nameof(rows)); ShapeChecks.Positive(cols, nameof(cols));
        void** args = stackalloc void*[] { &perRow, &logits, &labels, &rows, &cols, &smoothing };
        LaunchRows("cross_entropy_rows_f32", rows, args);
    }

    public void CrossEntropyBackward(ulong dlogits, ulong logits, ulong labels, int rows, int cols, float smoothing, float scale)
    {
        ShapeChecks.Pointer(dlogits, nameof(dlogits)); ShapeChecks.Pointer(logits, nameof(logits)); ShapeChecks.Pointer(labels, nameof(labels));
        ShapeChecks.Positive(rows, nameof(rows)); ShapeChecks.Positive(cols, nameof(cols));
        void** args = stackalloc void*[] { &dlogits, &logits, &labels, &rows, &cols, &smoothing, &scale };
        LaunchRows("cross_entropy_backward_f32", rows, args);
    }

    /// <summary>perRow[b] = Σ_c p_t(log p_t − log p_s) at inverse temperature <paramref name="invTemperature"/>.</summary>
    public void DistillationRows(ulong perRow, ulong student, ulong teacher, int rows, int cols, float invTemperature)
    {
        ShapeChecks.Pointer(perRow, nameof(perRow)); ShapeChecks.Pointer(student, nameof(student)); ShapeChecks.Pointer(teacher, nameof(teacher));
        ShapeChecks.Positive(rows, nameof(rows)); ShapeChecks.Positive(cols, nameof(cols));
        void** args = stackalloc void*[] { &perRow, &student, &teacher, &rows, &cols, &invTemperature };
        LaunchRows("distillation_rows_f32", rows, args);
    }

    public void DistillationBackward(ulong dstudent, ulong student, ulong teacher, int rows, int cols, float invTemperature, float scale)
    {
        ShapeChecks.Pointer(dstudent, nameof(dstudent)); ShapeChecks.Pointer(student, nameof(student)); ShapeChecks.Pointer(teacher, nameof(teacher));
        ShapeChecks.Positive(rows, nameof(rows)); ShapeChecks.Positive(cols, nameof(cols));
        void** args = stackalloc void*[] { &dstudent, &student, &teacher, &rows, &cols, &invTemperature, &scale };
        LaunchRows("distillation_backward_f32", rows, args);
    }
}
