using DyTox.Kernels.Runtime;
using DyTox.Kernels.Runtime.Launchers;

namespace DyTox.Kernels.Tests.Attention;

/// <summary>One numbered version of the GPSA kernels (llm.c dev/cuda style), launched at a given block size.</summary>
internal interface IGpsaVersion
{
    string Name { get; }
    void Positional(ICudaDriver driver, int threads, ulong rel, ulong w, ulong b, ulong pos, int heads, int n);
    void PositionalBackward(ICudaDriver driver, int threads, ulong dPos, ulong pos, ulong rel, ulong dW, ulong dB, int heads, int n);
    void Forward(ICudaDriver driver, int threads, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn, ulong output,
                 int batch, int n, int dim, int heads, float scale);
    void Backward(ICudaDriver driver, int threads, ulong dOut, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn,
                  ulong dqk, ulong dv, ulong dPos, ulong dGates, int batch, int n, int dim, int heads, float scale, ulong scratch);
    long ScratchBytes(int batch, int n, int heads);
}

/// <summary>v3, the promoted kernels/gpsa_attention.cu through the production launcher.</summary>
internal sealed class GpsaV3 : IGpsaVersion
{
    public string Name => "v3";

    private static GpsaKernels Kernels(ICudaDriver driver, int threads) => new(driver) { BlockThreads = threads };

    public void Positional(ICudaDriver driver, int threads, ulong rel, ulong w, ulong b, ulong pos, int heads, int n) =>
        Kernels(driver, threads).Positional(rel, w, b, pos, heads, n);

    public void PositionalBackward(ICudaDriver driver, int threads, ulong dPos, ulong pos, ulong rel, ulong dW, ulong dB, int heads, int n) =>
        Kernels(driver, threads).PositionalBackward(dPos, pos, rel, dW, dB, heads, n);

    public void Forward(ICudaDriver driver, int threads, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn, ulong output,
                        int batch, int n, int dim, int heads, float scale) =>
        Kernels(driver, threads).Forward(qk, v, pos, gates, content, attn, output, batch, n, dim, heads, scale);

    public void Backward(ICudaDriver driver, int threads, ulong dOut, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn,
                         ulong dqk, ulong dv, ulong dPos, ulong dGates, int batch, int n, int dim, int heads, float scale, ulong scratch) =>
        Kernels(driver, threads).Backward(dOut, qk, v, pos, gates, content, attn, dqk, dv, dPos, dGates, batch, n, dim, heads, scale, scratch);

    public long ScratchBytes(int batch, int n, int heads) => GpsaKernels.BackwardScratchBytes(batch, n, heads);
}

/// <summary>
/// v4, kernels/gpsa_attention_v4.cu (tensor cores, 3xTF32; under the emulator the portable mma of mma_tf32.cuh)
/// through the production launcher with <see cref="GpsaKernels.TensorCores"/> on; refuses to fall back silently.
/// </summary>
internal sealed class GpsaV4 : IGpsaVersion
{
    public string Name => "v4";

    private static GpsaKernels Kernels(ICudaDriver driver, int threads, int n, int headDim)
    {
        var k = new GpsaKernels(driver) { TensorCores = true, TensorCoreBlockThreads = threads };
        if (!k.UsesTensorCores(n, headDim))
            throw new InvalidOperationException($"v4 does not apply at N={n}, head dim {headDim} on {driver.Device.Name}.");
        return k;
    }

    public void Positional(ICudaDriver driver, int threads, ulong rel, ulong w, ulong b, ulong pos, int heads, int n) =>
        new GpsaKernels(driver).Positional(rel, w, b, pos, heads, n);

    public void PositionalBackward(ICudaDriver driver, int threads, ulong dPos, ulong pos, ulong rel, ulong dW, ulong dB, int heads, int n) =>
        new GpsaKernels(driver).PositionalBackward(dPos, pos, rel, dW, dB, heads, n);

    public void Forward(ICudaDriver driver, int threads, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn, ulong output,
                        int batch, int n, int dim, int heads, float scale) =>
        Kernels(driver, threads, n, dim / heads).Forward(qk, v, pos, gates, content, attn, output, batch, n, dim, heads, scale);

    public void Backward(ICudaDriver driver, int threads, ulong dOut, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn,
                         ulong dqk, ulong dv, ulong dPos, ulong dGates, int batch, int n, int dim, int heads, float scale, ulong scratch) =>
        Kernels(driver, threads, n, dim / heads).Backward(dOut, qk, v, pos, gates, content, attn, dqk, dv, dPos, dGates, batch, n, dim, heads, scale, scratch);

    public long ScratchBytes(int batch, int n, int heads) => GpsaKernels.BackwardScratchBytes(batch, n, heads);
}

/// <summary>
/// v6, kernels/gpsa_attention_v6.cu (tensor cores for 64 &lt; N ≤ 256: keys in chunks of 64, two passes) through the
/// production launcher with <see cref="GpsaKernels.TensorCores"/> on; refuses to run at a shape v6 does not take.
/// </summary>
internal sealed class GpsaV6 : IGpsaVersion
{
    public string Name => "v6";

    private static GpsaKernels Kernels(ICudaDriver driver, int threads, int n, int headDim)
    {
        var k = new GpsaKernels(driver) { TensorCores = true, TensorCoreBlockThreads = threads };
        if (!k.UsesTensorCores(n, headDim) || GpsaKernels.TensorCoreVersion(n) != "v6")
            throw new InvalidOperationException($"v6 does not apply at N={n}, head dim {headDim} on {driver.Device.Name}.");
        return k;
    }

    public void Positional(ICudaDriver driver, int threads, ulong rel, ulong w, ulong b, ulong pos, int heads, int n) =>
        new GpsaKernels(driver).Positional(rel, w, b, pos, heads, n);

    public void PositionalBackward(ICudaDriver driver, int threads, ulong dPos, ulong pos, ulong rel, ulong dW, ulong dB, int heads, int n) =>
        new GpsaKernels(driver).PositionalBackward(dPos, pos, rel, dW, dB, heads, n);

    public void Forward(ICudaDriver driver, int threads, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn, ulong output,
                        int batch, int n, int dim, int heads, float scale) =>
        Kernels(driver, threads, n, dim / heads).Forward(qk, v, pos, gates, content, attn, output, batch, n, dim, heads, scale);

    public void Backward(ICudaDriver driver, int threads, ulong dOut, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn,
                         ulong dqk, ulong dv, ulong dPos, ulong dGates, int batch, int n, int dim, int heads, float scale, ulong scratch) =>
        Kernels(driver, threads, n, dim / heads).Backward(dOut, qk, v, pos, gates, content, attn, dqk, dv, dPos, dGates, batch, n, dim, heads, scale, scratch);

    public long ScratchBytes(int batch, int n, int heads) => GpsaKernels.BackwardScratchBytes(batch, n, heads);
}

/// <summary>
/// v5, kernels/dev/gpsa_attention_v5.cu (tensor cores with operands pre-split in shared memory; not promoted, see
/// kernels/README.md), launched directly with its own shared-memory sizes; positional kernels and the batch
/// reduction are the production ones.
/// </summary>
internal sealed unsafe class GpsaV5 : IGpsaVersion
{
    public const string Source = "gpsa_attention_v5.cu";
    public string Name => "v5";

    private static int RoundUp(int x, int m) => (x + m - 1) / m * m;

    // Q, K, V as (big, small) pairs at rows of round8(d) + 4, + 4, + 2 pairs.
    public static int ForwardSharedBytes(int n, int headDim)
    {
        int np = RoundUp(n, 16), dk = RoundUp(headDim, 8);
        return np * (2 * (dk + 4) + dk + 2) * 8;
    }

    // max(phase-1 dO, V, K pairs; phase-2 Q, dO pairs at rows ≡ 4 mod 16) + attn and dS floats at rows ≡ 8 mod 32.
    public static int BackwardSharedBytes(int n, int headDim)
    {
        int np = RoundUp(n, 16), dk = RoundUp(headDim, 8);
        int ld2 = dk + (((4 - dk) % 16) + 16) % 16, ldp = np + ((40 - (np & 31)) & 31);
        return Math.Max(np * (2 * (dk + 4) + dk + 2), 2 * np * ld2) * 8 + 2 * np * ldp * 4;
    }

    public void Positional(ICudaDriver driver, int threads, ulong rel, ulong w, ulong b, ulong pos, int heads, int n) =>
        new GpsaKernels(driver).Positional(rel, w, b, pos, heads, n);

    public void PositionalBackward(ICudaDriver driver, int threads, ulong dPos, ulong pos, ulong rel, ulong dW, ulong dB, int heads, int n) =>
        new GpsaKernels(driver).PositionalBackward(dPos, pos, rel, dW, dB, heads, n);

    public void Forward(ICudaDriver driver, int threads, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn, ulong output,
                        int batch, int n, int dim, int heads, float scale)
    {
        void** args = stackalloc void*[] { &qk, &v, &pos, &gates, &content, &attn, &output, &batch, &n, &dim, &heads, &scale };
        driver.Launch(driver.GetFunction(Source, "gpsa_forward_v5_f32"), new Dim3(batch * heads), new Dim3(threads), ForwardSharedBytes(n, dim / heads), args);
    }

    public void Backward(ICudaDriver driver, int threads, ulong dOut, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn,
                         ulong dqk, ulong dv, ulong dPos, ulong dGates, int batch, int n, int dim, int heads, float scale, ulong scratch)
    {
        void** args = stackalloc void*[] { &dOut, &qk, &v, &pos, &gates, &content, &attn, &dqk, &dv, &scratch, &batch, &n, &dim, &heads, &scale };
        driver.Launch(driver.GetFunction(Source, "gpsa_backward_v5_f32"), new Dim3(batch * heads), new Dim3(threads), BackwardSharedBytes(n, dim / heads), args);
        void** reduce = stackalloc void*[] { &dPos, &dGates, &scratch, &gates, &batch, &n, &heads };
        var grid = new Dim3(checked((int)((Math.Max((long)heads * n * n, heads) + threads - 1) / threads)));
        driver.Launch(driver.GetFunction(GpsaKernels.Source, "gpsa_backward_reduce_f32"), grid, new Dim3(threads), 0, reduce);
    }

    public long ScratchBytes(int batch, int n, int heads) => GpsaKernels.BackwardScratchBytes(batch, n, heads);
}

/// <summary>
/// v2, kernels/gpsa_attention_v2.cu (embedded: its backward serves N > 128 in production) (warp per query row, one shared load per FMA operand), launched directly
/// with its own shared-memory size; the positional kernels and the batch reduction are v2's copies.
/// </summary>
internal sealed unsafe class GpsaV2 : IGpsaVersion
{
    public const string Source = "gpsa_attention_v2.cu";
    public string Name => "v2";

    // K and V rows padded to d+1 words plus one row buffer (N + d + 1 floats) per warp.
    public static int SharedBytes(int n, int headDim, int threads) => GpsaKernels.LongSequenceBackwardSharedBytes(n, headDim, threads);

    private static Dim3 Grid(long items, int perBlock) => new(checked((int)((items + perBlock - 1) / perBlock)));

    public void Positional(ICudaDriver driver, int threads, ulong rel, ulong w, ulong b, ulong pos, int heads, int n)
    {
        // v2 shares v3's positional kernels (kernels/gpsa_attention.cu), launched here at the tested block size.
        void** args = stackalloc void*[] { &pos, &rel, &w, &b, &heads, &n };
        driver.Launch(driver.GetFunction(GpsaKernels.Source, "gpsa_positional_forward_f32"), Grid((long)heads * n, threads / 32), new Dim3(threads), 0, args);
    }

    public void PositionalBackward(ICudaDriver driver, int threads, ulong dPos, ulong pos, ulong rel, ulong dW, ulong dB, int heads, int n)
    {
        void** args = stackalloc void*[] { &dW, &dB, &dPos, &pos, &rel, &heads, &n };
        driver.Launch(driver.GetFunction(GpsaKernels.Source, "gpsa_positional_backward_f32"), new Dim3(heads), new Dim3(threads), 0, args);
    }

    public void Forward(ICudaDriver driver, int threads, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn, ulong output,
                        int batch, int n, int dim, int heads, float scale)
    {
        void** args = stackalloc void*[] { &qk, &v, &pos, &gates, &content, &attn, &output, &batch, &n, &dim, &heads, &scale };
        driver.Launch(driver.GetFunction(Source, "gpsa_forward_v2_f32"), new Dim3(batch * heads), new Dim3(threads), SharedBytes(n, dim / heads, threads), args);
    }

    public void Backward(ICudaDriver driver, int threads, ulong dOut, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn,
                         ulong dqk, ulong dv, ulong dPos, ulong dGates, int batch, int n, int dim, int heads, float scale, ulong scratch)
    {
        void** args = stackalloc void*[] { &dOut, &qk, &v, &pos, &gates, &content, &attn, &dqk, &dv, &scratch, &batch, &n, &dim, &heads, &scale };
        driver.Launch(driver.GetFunction(Source, "gpsa_backward_v2_f32"), new Dim3(batch * heads), new Dim3(threads), SharedBytes(n, dim / heads, threads), args);
        void** reduce = stackalloc void*[] { &dPos, &dGates, &scratch, &gates, &batch, &n, &heads };
        driver.Launch(driver.GetFunction(GpsaKernels.Source, "gpsa_backward_reduce_f32"), Grid(Math.Max((long)heads * n * n, heads), threads), new Dim3(threads), 0, reduce);
    }

    // dS and dPos partials [B, H, N, N], gate partials [B, H] (the same layout as v3).
    public long ScratchBytes(int batch, int n, int heads) => (2L * batch * heads * n * n + (long)batch * heads) * sizeof(float);
}

/// <summary>v1, the naive kernels/dev/gpsa_attention_v1.cu (one thread per row), launched directly.</summary>
internal sealed unsafe class GpsaV1 : IGpsaVersion
{
    public const string Source = "gpsa_attention_v1.cu";
    public string Name => "v1";

    private static Dim3 Grid(long items, int threads) => new(checked((int)((items + threads - 1) / threads)));

    public void Positional(ICudaDriver driver, int threads, ulong rel, ulong w, ulong b, ulong pos, int heads, int n)
    {
        void** args = stackalloc void*[] { &pos, &rel, &w, &b, &heads, &n };
        driver.Launch(driver.GetFunction(Source, "gpsa_positional_forward_v1_f32"), Grid((long)heads * n, threads), new Dim3(threads), 0, args);
    }

    public void PositionalBackward(ICudaDriver driver, int threads, ulong dPos, ulong pos, ulong rel, ulong dW, ulong dB, int heads, int n)
    {
        void** args = stackalloc void*[] { &dW, &dB, &dPos, &pos, &rel, &heads, &n };
        driver.Launch(driver.GetFunction(Source, "gpsa_positional_backward_v1_f32"), Grid(heads, threads), new Dim3(threads), 0, args);
    }

    public void Forward(ICudaDriver driver, int threads, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn, ulong output,
                        int batch, int n, int dim, int heads, float scale)
    {
        void** args = stackalloc void*[] { &qk, &v, &pos, &gates, &content, &attn, &output, &batch, &n, &dim, &heads, &scale };
        driver.Launch(driver.GetFunction(Source, "gpsa_forward_v1_f32"), Grid((long)batch * heads * n, threads), new Dim3(threads), 0, args);
    }

    public void Backward(ICudaDriver driver, int threads, ulong dOut, ulong qk, ulong v, ulong pos, ulong gates, ulong content, ulong attn,
                         ulong dqk, ulong dv, ulong dPos, ulong dGates, int batch, int n, int dim, int heads, float scale, ulong scratch)
    {
        void** rows = stackalloc void*[] { &dOut, &qk, &v, &pos, &gates, &content, &attn, &dqk, &scratch, &batch, &n, &dim, &heads, &scale };
        driver.Launch(driver.GetFunction(Source, "gpsa_backward_rows_v1_f32"), Grid((long)batch * heads * n, threads), new Dim3(threads), 0, rows);
        void** cols = stackalloc void*[] { &dOut, &qk, &attn, &scratch, &dqk, &dv, &batch, &n, &dim, &heads, &scale };
        driver.Launch(driver.GetFunction(Source, "gpsa_backward_cols_v1_f32"), Grid((long)batch * n * dim, threads), new Dim3(threads), 0, cols);
        void** reduce = stackalloc void*[] { &dPos, &dGates, &scratch, &gates, &batch, &n, &heads };
        driver.Launch(driver.GetFunction(Source, "gpsa_backward_reduce_v1_f32"), Grid(Math.Max((long)heads * n * n, heads), threads), new Dim3(threads), 0, reduce);
    }

    // dS and dPos partials [B, H, N, N], gate partials per row [B, H, N].
    public long ScratchBytes(int batch, int n, int heads) => (2L * batch * heads * n * n + (long)batch * heads * n) * sizeof(float);
}
