using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace DyTox.Tensor;

/// <summary>
/// An opt-in profiler: a decorator around any backend that times every op call (Stopwatch, wall clock) and
/// reports a table of time per op, largest first. Tensors it allocates refer to the decorator, so ops reached
/// through <c>tensor.Backend</c> (autograd, optimisers) are timed too. Keys are the op name plus, where it
/// tells ops apart, the op kind and shapes (e.g. <c>MatMul 384x128x1536 NT</c>, <c>Unary Gelu</c>).
/// Timings of an asynchronous backend (CUDA) measure launch cost only unless <see cref="Synchronize"/> is set: then every
/// op waits for the device, so a row is the op's launch plus device time (plus one synchronisation), the ops no longer
/// overlap, and the table ranks where a step's device time goes.
/// Not thread safe: profile one model step on one thread.
/// <code>
/// using var profiler = new ProfilingBackend(CpuBackend.Instance);
/// var model = new DyToxModel(config, profiler, DType.Float32, rng);   // build on the profiler
/// ... run steps ...; profiler.Reset(); ... run one step ...
/// Console.WriteLine(profiler.Report());
/// </code>
/// </summary>
public sealed class ProfilingBackend : IBackend
{
    private readonly IBackend inner;
    private readonly Dictionary<string, Entry> entries = new();
    private readonly Stopwatch total = new();

    public ProfilingBackend(IBackend inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        this.inner = inner;
    }

    /// <summary>The decorated backend.</summary>
    public IBackend Inner => inner;

    /// <summary>When false, calls pass through untimed (e.g. during warm-up).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Waits for an asynchronous backend's device (e.g. the CUDA driver's Synchronize); called after each timed op.</summary>
    public Action? Synchronize { get; init; }

    public string Name => $"profiling({inner.Name})";
    public Device Device => inner.Device;
    public IStorageAllocator Allocator => inner.Allocator;

    /// <summary>Forgets all timings.</summary>
    public void Reset()
    {
        entries.Clear();
    }

    /// <summary>Per-key (calls, total time) snapshot.</summary>
    public IReadOnlyDictionary<string, (long Calls, TimeSpan Time)> Timings =>
        entries.ToDictionary(e => e.Key, e => (e.Value.Calls, TimeSpan.FromSeconds(e.Value.Ticks / (double)Stopwatch.Frequency)));

    /// <summary>A table of the recorded ops, largest total time first; <paramref name="top"/> rows at most.</summary>
    public string Report(int top = 40)
    {
        long sum = entries.Values.Sum(e => e.Ticks);
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"op",-52} {"calls",7} {"total ms",10} {"µs/call",10} {"%",6}");
        foreach (var (key, e) in entries.OrderByDescending(e => e.Value.Ticks).Take(top))
        {
            double ms = e.Ticks * 1000.0 / Stopwatch.Frequency;
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{Truncate(key, 52),-52} {e.Calls,7} {ms,10:F3} {ms * 1000 / e.Calls,10:F1} {100.0 * e.Ticks / Math.Max(1, sum),6:F1}");
        }
        sb.AppendLine(CultureInfo.InvariantCulture, $"{"total (all ops)",-52} {entries.Values.Sum(e => e.Calls),7} {sum * 1000.0 / Stopwatch.Frequency,10:F3}");
        return sb.ToString();
    }

    private static string Truncate(string s, int n) => s.Length <= n ? s : s[..n];

    private static string Dims(Tensor t) => string.Join("x", t.Shape.ToArray());

    private void Time(string key, Action op)
    {
        if (!Enabled)
        {
            op();
            return;
        }
        long start = Stopwatch.GetTimestamp();
        op();
        Synchronize?.Invoke();
        long elapsed = Stopwatch.GetTimestamp() - start;
        if (!entries.TryGetValue(key, out var e)) entries[key] = e = new Entry();
        e.Calls++;
        e.Ticks += elapsed;
    }

    private sealed class Entry
    {
        public long Calls;
        public long Ticks;
    }

    public Tensor Empty(DType dtype, ReadOnlySpan<int> shape)
    {
        // Allocate through the inner backend's allocator but bind the storage to this decorator so that
        // every later op on the tensor is timed.
        Shape.Validate(shape);
        var dims = shape.ToArray();
        Tensor result = null!;
        Time("Empty", () => result = Tensor.OnNewStorage(new Storage(this, inner.Allocator, dtype, Shape.Numel(dims)), dims));
        return result;
    }

    public void CopyFromHost(ReadOnlySpan<byte> source, Tensor destination)
    {
        long start = Stopwatch.GetTimestamp();
        inner.CopyFromHost(source, destination);
        Record("CopyFromHost", start);
    }

    public void CopyToHost(Tensor source, Span<byte> destination)
    {
        long start = Stopwatch.GetTimestamp();
        inner.CopyToHost(source, destination);
        Record("CopyToHost", start);
    }

    private void Record(string key, long start)
    {
        if (!Enabled) return;
        Synchronize?.Invoke();
        long elapsed = Stopwatch.GetTimestamp() - start;
        if (!entries.TryGetValue(key, out var e)) entries[key] = e = new Entry();
        e.Calls++;
        e.Ticks += elapsed;
    }

    public void Fill(Tensor destination, double value) => Time("Fill", () => inner.Fill(destination, value));
    public void Copy(Tensor source, Tensor destination) =>
        Time($"Copy {Dims(source)}{(source.IsContiguous ? "" : " strided")}", () => inner.Copy(source, destination));
    public void Cast(Tensor source, Tensor destination) => Time("Cast", () => inner.Cast(source, destination));
    public void Binary(BinaryOp op, Tensor a, Tensor b, Tensor destination) =>
        Time($"Binary {op} {Dims(a)},{Dims(b)}", () => inner.Binary(op, a, b, destination));
    public void Unary(UnaryOp op, Tensor x, Tensor destination) => Time($"Unary {op} {Dims(x)}", () => inner.Unary(op, x, destination));
    public void UnaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx) =>
        Time($"UnaryBackward {op} {Dims(x)}", () => inner.UnaryBackward(op, x, y, dy, dx));
    public void Affine(Tensor x, double alpha, double beta, Tensor destination) => Time($"Affine {Dims(x)}", () => inner.Affine(x, alpha, beta, destination));
    public void Axpy(double alpha, Tensor x, Tensor y) => Time($"Axpy {Dims(x)}", () => inner.Axpy(alpha, x, y));
    public void SumToShape(Tensor source, Tensor destination) =>
        Time($"SumToShape {Dims(source)}->{Dims(destination)}", () => inner.SumToShape(source, destination));
    public void Reduce(ReduceOp op, Tensor x, int axis, Tensor destination) =>
        Time($"Reduce {op} {Dims(x)} axis {axis}", () => inner.Reduce(op, x, axis, destination));
    public void ArgMax(Tensor x, int axis, Tensor indices) => Time("ArgMax", () => inner.ArgMax(x, axis, indices));
    public void SumAll(Tensor x, Tensor destination) => Time("SumAll", () => inner.SumAll(x, destination));

    public void MatMul(Tensor a, bool transposeA, Tensor b, bool transposeB, Tensor c, double alpha = 1, double beta = 0) =>
        Time($"MatMul {Dims(a)}{(transposeA ? "T" : "")} * {Dims(b)}{(transposeB ? "T" : "")}",
            () => inner.MatMul(a, transposeA, b, transposeB, c, alpha, beta));
    public void Linear(Tensor x, Tensor weight, Tensor? bias, Tensor y) =>
        Time($"Linear {Dims(x)} * {Dims(weight)}T", () => inner.Linear(x, weight, bias, y));
    public void LinearBackward(Tensor dy, Tensor x, Tensor weight, Tensor? dx, Tensor? dWeight, Tensor? dBias) =>
        Time($"LinearBackward {Dims(x)} * {Dims(weight)}T{(dx is null ? " (no dx)" : "")}",
            () => inner.LinearBackward(dy, x, weight, dx, dWeight, dBias));

    public void Softmax(Tensor x, Tensor y) => Time($"Softmax {Dims(x)}", () => inner.Softmax(x, y));
    public void SoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => Time($"SoftmaxBackward {Dims(y)}", () => inner.SoftmaxBackward(y, dy, dx));
    public void LogSoftmax(Tensor x, Tensor y) => Time($"LogSoftmax {Dims(x)}", () => inner.LogSoftmax(x, y));
    public void LogSoftmaxBackward(Tensor y, Tensor dy, Tensor dx) => Time($"LogSoftmaxBackward {Dims(y)}", () => inner.LogSoftmaxBackward(y, dy, dx));

    public void LayerNorm(Tensor x, Tensor gamma, Tensor beta, double eps, Tensor y, Tensor mean, Tensor rstd) =>
        Time($"LayerNorm {Dims(x)}", () => inner.LayerNorm(x, gamma, beta, eps, y, mean, rstd));
    public void LayerNormBackward(Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor rstd, Tensor dx, Tensor dGamma, Tensor dBeta) =>
        Time($"LayerNormBackward {Dims(x)}", () => inner.LayerNormBackward(dy, x, gamma, mean, rstd, dx, dGamma, dBeta));
    public void L2Normalize(Tensor x, double eps, Tensor y) => Time("L2Normalize", () => inner.L2Normalize(x, eps, y));
    public void L2NormalizeBackward(Tensor x, Tensor dy, double eps, Tensor dx) =>
        Time("L2NormalizeBackward", () => inner.L2NormalizeBackward(x, dy, eps, dx));

    public void Im2Patch(Tensor images, int patch, Tensor patches) => Time("Im2Patch", () => inner.Im2Patch(images, patch, patches));
    public void Patch2Im(Tensor dPatches, int patch, Tensor dImages) => Time("Patch2Im", () => inner.Patch2Im(dPatches, patch, dImages));

    public void IndexSelect(Tensor x, int axis, Tensor indices, Tensor destination) =>
        Time("IndexSelect", () => inner.IndexSelect(x, axis, indices, destination));
    public void IndexAdd(Tensor source, int axis, Tensor indices, Tensor destination) =>
        Time("IndexAdd", () => inner.IndexAdd(source, axis, indices, destination));

    public void GpsaPositional(Tensor relIndices, Tensor weight, Tensor bias, Tensor posAttn) =>
        Time("GpsaPositional", () => inner.GpsaPositional(relIndices, weight, bias, posAttn));
    public void GpsaPositionalBackward(Tensor dPosAttn, Tensor posAttn, Tensor relIndices, Tensor dWeight, Tensor dBias) =>
        Time("GpsaPositionalBackward", () => inner.GpsaPositionalBackward(dPosAttn, posAttn, relIndices, dWeight, dBias));
    public void GpsaForward(Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                            Tensor contentAttn, Tensor attn, Tensor output) =>
        Time($"GpsaForward {Dims(qk)}", () => inner.GpsaForward(qk, v, posAttn, gates, heads, scale, contentAttn, attn, output));
    public void GpsaBackward(Tensor dOutput, Tensor qk, Tensor v, Tensor posAttn, Tensor gates, int heads, double scale,
                             Tensor contentAttn, Tensor attn, Tensor dqk, Tensor dv, Tensor dPosAttn, Tensor dGates) =>
        Time($"GpsaBackward {Dims(qk)}", () => inner.GpsaBackward(dOutput, qk, v, posAttn, gates, heads, scale, contentAttn, attn, dqk, dv, dPosAttn, dGates));

    public void TaskAttentionForward(Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch, int heads, double scale,
                                     Tensor attn, Tensor output) =>
        Time($"TaskAttentionForward {Dims(q)}", () => inner.TaskAttentionForward(q, kToken, vToken, kPatch, vPatch, heads, scale, attn, output));
    public void TaskAttentionBackward(Tensor dOutput, Tensor q, Tensor kToken, Tensor vToken, Tensor kPatch, Tensor vPatch,
                                      int heads, double scale, Tensor attn,
                                      Tensor dq, Tensor dkToken, Tensor dvToken, Tensor dkPatch, Tensor dvPatch) =>
        Time($"TaskAttentionBackward {Dims(q)}", () => inner.TaskAttentionBackward(dOutput, q, kToken, vToken, kPatch, vPatch, heads, scale, attn,
            dq, dkToken, dvToken, dkPatch, dvPatch));

    public void BceWithLogits(Tensor logits, Tensor targets, Tensor loss) => Time("BceWithLogits", () => inner.BceWithLogits(logits, targets, loss));
    public void BceWithLogitsBackward(Tensor logits, Tensor targets, double gradScale, Tensor dLogits) =>
        Time("BceWithLogitsBackward", () => inner.BceWithLogitsBackward(logits, targets, gradScale, dLogits));
    public void SoftmaxCrossEntropy(Tensor logits, Tensor labels, double smoothing, Tensor loss) =>
        Time("SoftmaxCrossEntropy", () => inner.SoftmaxCrossEntropy(logits, labels, smoothing, loss));
    public void SoftmaxCrossEntropyBackward(Tensor logits, Tensor labels, double smoothing, double gradScale, Tensor dLogits) =>
        Time("SoftmaxCrossEntropyBackward", () => inner.SoftmaxCrossEntropyBackward(logits, labels, smoothing, gradScale, dLogits));
    public void KnowledgeDistillation(Tensor studentLogits, Tensor teacherLogits, double temperature, Tensor loss) =>
        Time("KnowledgeDistillation", () => inner.KnowledgeDistillation(studentLogits, teacherLogits, temperature, loss));
    public void KnowledgeDistillationBackward(Tensor studentLogits, Tensor teacherLogits, double temperature, double gradScale, Tensor dStudent) =>
        Time("KnowledgeDistillationBackward", () => inner.KnowledgeDistillationBackward(studentLogits, teacherLogits, temperature, gradScale, dStudent));

    public void AdamWStep(Tensor param, Tensor grad, Tensor m, Tensor v, AdamWHyper hyper) =>
        Time("AdamWStep", () => inner.AdamWStep(param, grad, m, v, hyper));
    public void SgdStep(Tensor param, Tensor grad, Tensor? momentumBuffer, SgdHyper hyper) =>
        Time("SgdStep", () => inner.SgdStep(param, grad, momentumBuffer, hyper));
    public void SumOfSquares(Tensor x, Tensor destination) => Time("SumOfSquares", () => inner.SumOfSquares(x, destination));

    /// <summary>Does not dispose the decorated backend (it usually outlives the profiler).</summary>
    public void Dispose()
    {
    }
}
