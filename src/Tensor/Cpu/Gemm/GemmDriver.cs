using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DyTox.Tensor.Cpu.Gemm;

/// <summary>Problem description shared by the managed driver's loops (row-major, op() already applied to the shapes).</summary>
internal readonly unsafe struct GemmProblem<T>(bool transA, bool transB, int m, int n, int k, T alpha, T* a, int lda,
                                               T* b, int ldb, T beta, T* c, int ldc) where T : unmanaged
{
    public bool TransA { get; init; } = transA;
    public bool TransB { get; init; } = transB;
    public int M { get; init; } = m;
    public int N { get; init; } = n;
    public int K { get; init; } = k;
    public T Alpha { get; init; } = alpha;
    public T* A { get; init; } = a;
    public int Lda { get; init; } = lda;
    public T* B { get; init; } = b;
    public int Ldb { get; init; } = ldb;
    public T Beta { get; init; } = beta;
    public T* C { get; init; } = c;
    public int Ldc { get; init; } = ldc;
}

/// <summary>
/// BLIS-style blocked GEMM over a register-tile kernel <typeparamref name="TK"/>: loop over column blocks (nc) and k
/// blocks (kc) → pack B once (shared) → tasks over (row block × column chunk), each packing its A block and running
/// the micro-kernel over its tiles. Blocking depends only on the shape, every C tile is computed by one task with a
/// fixed k order and there is no split-k, so results are bitwise identical for any thread count.
/// </summary>
internal static unsafe class GemmDriver<T, TK>
    where T : unmanaged, IFloatingPointIeee754<T>
    where TK : struct, IGemmMicroKernel<T>
{
    // kc: one B micro-panel (kc × NR) should live in L1 while A streams from L2; 384 floats × 32 = 48 KB, like BLIS.
    private static int KcMax => sizeof(T) == 4 ? 384 : 256;
    // mc: the packed A block (mc × kc) stays in L2 (≈ 300 KB here).
    private static int Mc => TK.MR * (sizeof(T) == 4 ? 16 : 16);
    // nc: the shared packed B block (kc × nc) targets ≈ 4 MB (L3).
    private static int NcMax(int kc) => Math.Max(TK.NR, (4 << 20) / (kc * sizeof(T)) / TK.NR * TK.NR);

    private const double ParallelFlopThreshold = 4e6;

    /// <summary>Fixed k blocking: ceil(k / KcMax) equal passes, a function of k only.</summary>
    private static int KcStep(int k)
    {
        int passes = (k + KcMax - 1) / KcMax;
        return (k + passes - 1) / passes;
    }

    private static int RoundUp(int x, int to) => (x + to - 1) / to * to;

    /// <summary>Elements of scratch one sequential GEMM needs (A block + B block), for callers that reuse a buffer.</summary>
    public static long WorkspaceElements(int m, int n, int k)
    {
        int kc = KcStep(k);
        int nc = Math.Min(RoundUp(n, TK.NR), NcMax(kc));
        return (long)RoundUp(Math.Min(m, Mc), TK.MR) * kc + (long)nc * kc;
    }

    public static void Run(in GemmProblem<T> p, int maxDegreeOfParallelism)
    {
        double flops = 2.0 * p.M * p.N * p.K;
        int dop = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount;
        if (dop <= 1 || flops < ParallelFlopThreshold)
        {
            long elements = WorkspaceElements(p.M, p.N, p.K);
            T* ws = (T*)NativeMemory.AlignedAlloc((nuint)(elements * sizeof(T)), 64);
            try { RunSequential(p, ws); }
            finally { NativeMemory.AlignedFree(ws); }
            return;
        }
        RunParallel(p, dop);
    }

    /// <summary>Whole GEMM on the calling thread using caller-provided scratch of <see cref="WorkspaceElements"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunSequential(in GemmProblem<T> p, T* workspace)
    {
        int kc = KcStep(p.K), mc = Mc;
        int ncMax = NcMax(kc);
        T* aPack = workspace;
        T* bPack = workspace + (long)RoundUp(Math.Min(p.M, mc), TK.MR) * kc;
        for (int jc = 0; jc < p.N; jc += ncMax)
        {
            int nc = Math.Min(ncMax, p.N - jc);
            int panels = (nc + TK.NR - 1) / TK.NR;
            for (int pc = 0; pc < p.K; pc += kc)
            {
                int kcCur = Math.Min(kc, p.K - pc);
                T beta = pc == 0 ? p.Beta : T.One;
                GemmPacking.PackB(p.TransB, p.B, p.Ldb, pc, kcCur, jc, nc, TK.NR, 0, panels, bPack);
                for (int ic = 0; ic < p.M; ic += mc)
                {
                    int mcCur = Math.Min(mc, p.M - ic);
                    GemmPacking.PackA(p.TransA, p.A, p.Lda, ic, mcCur, pc, kcCur, TK.MR, aPack);
                    MacroKernel(aPack, bPack, mcCur, nc, kcCur, 0, panels, p.C + (long)ic * p.Ldc + jc, p.Ldc, p.Alpha, beta);
                }
            }
        }
    }

    private static void RunParallel(GemmProblem<T> p, int dop)
    {
        int kc = KcStep(p.K);
        int ncMax = NcMax(kc);
        int rowBlocks = (p.M + Mc - 1) / Mc;
        // Equal row blocks (a multiple of MR each, at most Mc): M = 256 made 192 + 64 with Mc = 192, and the tasks of
        // the big block, one third of the work apart, often landed on one worker (half the rate in one run out of
        // two, FMNIST qk dW). The partition changes no bits: every C element keeps its k order and store formula.
        int mc = RoundUp((p.M + rowBlocks - 1) / rowBlocks, TK.MR);
        long aElements = (long)RoundUp(Math.Min(p.M, mc), TK.MR) * kc;
        T* bPack = (T*)NativeMemory.AlignedAlloc((nuint)((long)RoundUp(Math.Min(p.N, ncMax), TK.NR) * kc * sizeof(T)), 64);
        var options = new ParallelOptions { MaxDegreeOfParallelism = dop };
        try
        {
            for (int jc = 0; jc < p.N; jc += ncMax)
            {
                int nc = Math.Min(ncMax, p.N - jc);
                int panels = (nc + TK.NR - 1) / TK.NR;
                // Enough tasks to balance 'dop' workers; splitting columns re-packs A, so only when rows are scarce.
                int colChunks = rowBlocks >= 4 * dop ? 1 : Math.Min(panels, (4 * dop + rowBlocks - 1) / rowBlocks);
                int panelsPerChunk = (panels + colChunks - 1) / colChunks;
                colChunks = (panels + panelsPerChunk - 1) / panelsPerChunk;
                int tasks = rowBlocks * colChunks;
                for (int pc = 0; pc < p.K; pc += kc)
                {
                    int kcCur = Math.Min(kc, p.K - pc);
                    T beta = pc == 0 ? p.Beta : T.One;
                    int jcLocal = jc, ncLocal = nc, pcLocal = pc;
                    T* bLocal = bPack;
                    var prob = p;
                    // Pack B in parallel panel groups (it is a serial fraction otherwise when m is small).
                    int packGroups = Math.Min(panels, 4 * dop);
                    Parallel.For(0, packGroups, options, g =>
                    {
                        int p0 = (int)((long)panels * g / packGroups), p1 = (int)((long)panels * (g + 1) / packGroups);
                        GemmPacking.PackB(prob.TransB, prob.B, prob.Ldb, pcLocal, kcCur, jcLocal, ncLocal, TK.NR, p0, p1, bLocal);
                    });
                    Parallel.For(0, tasks, options,
                        () => (nint)NativeMemory.AlignedAlloc((nuint)(aElements * sizeof(T)), 64),
                        (t, _, aBuf) =>
                        {
                            int rb = t / colChunks, cb = t % colChunks;
                            int ic = rb * mc, mcCur = Math.Min(mc, prob.M - ic);
                            int p0 = cb * panelsPerChunk, p1 = Math.Min(panels, p0 + panelsPerChunk);
                            T* aPack = (T*)aBuf;
                            GemmPacking.PackA(prob.TransA, prob.A, prob.Lda, ic, mcCur, pcLocal, kcCur, TK.MR, aPack);
                            MacroKernel(aPack, bLocal, mcCur, ncLocal, kcCur, p0, p1, prob.C + (long)ic * prob.Ldc + jcLocal, prob.Ldc, prob.Alpha, beta);
                            return aBuf;
                        },
                        aBuf => NativeMemory.AlignedFree((void*)aBuf));
                }
            }
        }
        finally
        {
            NativeMemory.AlignedFree(bPack);
        }
    }

    /// <summary>Runs the micro-kernel over B panels [panel0, panel1) × all A panels of one packed block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit]
    private static void MacroKernel(T* aPack, T* bPack, int mc, int nc, int kc, int panel0, int panel1, T* c, int ldc, T alpha, T beta)
    {
        int mr = TK.MR, nr = TK.NR;
        T* edge = stackalloc T[mr * nr];
        for (int jp = panel0; jp < panel1; jp++)
        {
            int j = jp * nr;
            int nValid = Math.Min(nr, nc - j);
            T* bPanel = bPack + (long)j * kc;
            for (int i = 0; i < mc; i += mr)
            {
                int mValid = Math.Min(mr, mc - i);
                T* aPanel = aPack + (long)i * kc;
                T* cTile = c + (long)i * ldc + j;
                if (mValid == mr && nValid == nr)
                {
                    TK.Run(kc, aPanel, bPanel, cTile, ldc, alpha, beta);
                    continue;
                }
                // Ragged tile: full tile into scratch (alpha 1, beta 0 are exact), then the same
                // beta·C + alpha·acc formula as the kernel's store, so edge and interior round identically.
                TK.Run(kc, aPanel, bPanel, edge, nr, T.One, T.Zero);
                for (int r = 0; r < mValid; r++)
                {
                    T* cRow = cTile + (long)r * ldc;
                    T* eRow = edge + r * nr;
                    if (beta == T.Zero)
                        for (int q = 0; q < nValid; q++) cRow[q] = alpha * eRow[q];
                    else
                        for (int q = 0; q < nValid; q++) cRow[q] = T.FusedMultiplyAdd(cRow[q], beta, alpha * eRow[q]);
                }
            }
        }
    }
}
