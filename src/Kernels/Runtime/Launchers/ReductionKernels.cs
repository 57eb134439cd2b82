namespace DyTox.Kernels.Runtime.Launchers;

/// <summary>
/// Launchers for kernels/reduce.cu: deterministic segment sums/maxima (one block per output element),
/// argmax, and the two-pass flat sum. Block sizes are functions of the shape only, so results are
/// bitwise reproducible on any device.
/// </summary>
public sealed unsafe class ReductionKernels
{
    public const string Source = "reduce.cu";
    /// <summary>Elements per block of the first pass of a flat sum (fixed: the bits do not depend on the device).</summary>
    public const int Chunk = 4096;
    private const int FinalBlock = 256;

    private readonly ICudaDriver _driver;
    private readonly KernelCache _kernels;

    public ReductionKernels(ICudaDriver driver)
    {
        _driver = driver ?? throw new ArgumentNullException(nameof(driver));
        _kernels = new KernelCache(driver, Source);
    }

    /// <summary>Threads of a segment block: one warp for short segments, up to 256 for long ones.</summary>
    public static int SegmentBlock(long reduced) => reduced <= 64 ? 32 : reduced <= 1024 ? 128 : 256;

    /// <summary>Partials of a flat sum over n elements (the scratch the caller provides holds this many floats).</summary>
    public static int ChunkCount(long n) => (int)Math.Max(1, (n + Chunk - 1) / Chunk);

    /// <summary>output[o] = scale·Σ over the reduced space (see <see cref="SegmentDesc6"/>).</summary>
    public void SegmentSum(ulong output, ulong input, in SegmentDesc6 desc, float scale)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        var d = desc;
        long outputs = d.Outputs, reduced = d.Reduced;
        if (outputs <= 0) return;
        if (outputs > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(desc), outputs, "At most 2^31 − 1 output elements.");
        void** args = stackalloc void*[] { &output, &input, &d, &reduced, &scale };
        _driver.Launch(_kernels["segment_sum_f32"], new Dim3((int)outputs), new Dim3(SegmentBlock(reduced)), 0, args);
    }

    /// <summary>output[o] = max over the reduced space (NaN propagates); the reduced space must not be empty.</summary>
    public void SegmentMax(ulong output, ulong input, in SegmentDesc6 desc)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(input, nameof(input));
        var d = desc;
        long outputs = d.Outputs, reduced = d.Reduced;
        if (outputs <= 0) return;
        if (outputs > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(desc), outputs, "At most 2^31 − 1 output elements.");
        ShapeChecks.Positive(reduced, "reduced extent");
        void** args = stackalloc void*[] { &output, &input, &d, &reduced };
        _driver.Launch(_kernels["segment_max_f32"], new Dim3((int)outputs), new Dim3(SegmentBlock(reduced)), 0, args);
    }

    /// <summary>indices[o, i] = first argmax over the middle axis of x [outer, extent, inner].</summary>
    public void ArgMax(ulong indices, ulong x, long outer, int extent, long inner)
    {
        ShapeChecks.Pointer(indices, nameof(indices)); ShapeChecks.Pointer(x, nameof(x));
        ShapeChecks.Positive(extent, nameof(extent));
        long n = outer * inner;
        if (n <= 0) return;
        void** args = stackalloc void*[] { &indices, &x, &outer, &extent, &inner };
        _driver.Launch(_kernels["argmax_f32"], new Dim3(LaunchPlan.GridStrideBlocks(n, _driver.Device)), new Dim3(LaunchPlan.ElementwiseBlock), 0, args);
    }

    /// <summary>
    /// output[0] = scale·Σ x (or Σ x²) in two deterministic passes through <paramref name="partials"/>
    /// (<see cref="ChunkCount"/>(n) floats).
    /// </summary>
    public void FlatSum(ulong output, ulong x, long n, bool squares, float scale, ulong partials)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(x, nameof(x)); ShapeChecks.Pointer(partials, nameof(partials));
        int chunks = ChunkCount(n);
        if (n > 0)
        {
            int chunk = Chunk, sq = squares ? 1 : 0;
            void** args = stackalloc void*[] { &partials, &x, &n, &chunk, &sq };
            _driver.Launch(_kernels["chunk_sum_f32"], new Dim3(chunks), new Dim3(256), 0, args);
        }
        else
        {
            _driver.MemsetD8(partials, 0, sizeof(float));
        }
        FinalSum(output, partials, chunks, scale);
    }

    /// <summary>Rows summed by one partial of the column sum (fixed, so the bits do not depend on the device).</summary>
    public const int ColumnRowsPerChunk = 64;

    /// <summary>Chunks of the column sum over <paramref name="extent"/> rows; the partial scratch holds outer·chunks·inner floats.</summary>
    public static int ColumnChunks(int extent) => Math.Max(1, (extent + ColumnRowsPerChunk - 1) / ColumnRowsPerChunk);

    /// <summary>
    /// output[o, i] = scale·Σ_e x[o, e, i] for x [outer, extent, inner] with coalesced loads, in two
    /// deterministic passes through <paramref name="partials"/> (outer·<see cref="ColumnChunks"/>(extent)·inner floats).
    /// </summary>
    public void ColumnSum(ulong output, ulong x, int outer, int extent, int inner, float scale, ulong partials)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(x, nameof(x)); ShapeChecks.Pointer(partials, nameof(partials));
        ShapeChecks.Positive(outer, nameof(outer)); ShapeChecks.Positive(extent, nameof(extent)); ShapeChecks.Positive(inner, nameof(inner));
        int chunks = ColumnChunks(extent);
        if (chunks > 65535 || outer > 65535)
            throw new ArgumentOutOfRangeException(nameof(extent), $"column sum of [{outer}, {extent}, {inner}]: at most 65535 chunks of {ColumnRowsPerChunk} rows and 65535 outer slices.");
        int rowsPerChunk = ColumnRowsPerChunk;
        void** partialArgs = stackalloc void*[] { &partials, &x, &extent, &inner, &rowsPerChunk };
        _driver.Launch(_kernels["column_sum_partial_f32"], new Dim3((inner + 31) / 32, chunks, outer), new Dim3(32, 8), 0, partialArgs);
        long outerL = outer;
        void** finalArgs = stackalloc void*[] { &output, &partials, &outerL, &chunks, &inner, &scale };
        _driver.Launch(_kernels["column_sum_finalize_f32"], new Dim3(LaunchPlan.GridStrideBlocks((long)outer * inner, _driver.Device)),
                       new Dim3(LaunchPlan.ElementwiseBlock), 0, finalArgs);
    }

    /// <summary>output[0] = scale·Σ partials[0..count) (one block, fixed tree).</summary>
    public void FinalSum(ulong output, ulong partials, int count, float scale)
    {
        ShapeChecks.Pointer(output, nameof(output)); ShapeChecks.Pointer(partials, nameof(partials));
        ShapeChecks.Positive(count, nameof(count));
        void** args = stackalloc void*[] { &output, &partials, &count, &scale };
        _driver.Launch(_kernels["final_sum_f32"], new Dim3(1), new Dim3(FinalBlock), 0, args);
    }
}
