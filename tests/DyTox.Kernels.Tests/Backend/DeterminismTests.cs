using DyTox.Kernels.Emulator;
using DyTox.Tensor;
using static DyTox.Kernels.Tests.Backend.BackendPair;

namespace DyTox.Kernels.Tests.Backend;

using Tensor = DyTox.Tensor.Tensor;

/// <summary>
/// Same inputs, same bits: every reduction-bearing op run twice, and (on the emulator) under the Forward
/// and Reverse fiber/block schedules, which would expose a missing barrier or an order-dependent sum.
/// </summary>
public class DeterminismTests
{
    /// <summary>Runs the reduction-bearing ops on fixed inputs; returns their outputs as one host array.</summary>
    private static float[] RunReductions()
    {
        using var scope = TensorScope.Begin();
        var gpu = Gpu;
        var x = Upload(gpu, Random(65 * 36, 500), 65, 36);
        var results = new List<float>();
        void Take(Tensor t) => results.AddRange(t.ToArray<float>());

        var r = gpu.Empty(DType.Float32, [65, 1]);
        foreach (var op in Enum.GetValues<ReduceOp>()) { gpu.Reduce(op, x, 1, r); Take(r); }
        var col = gpu.Empty(DType.Float32, [1, 36]);
        gpu.Reduce(ReduceOp.Sum, x, 0, col); Take(col);
        var big = Upload(gpu, Random(9000, 501), 9000);
        var s = gpu.Empty(DType.Float32, [1]);
        gpu.SumAll(big, s); Take(s);
        gpu.SumOfSquares(big, s); Take(s);
        var x3 = Upload(gpu, Random(2 * 65 * 36, 502), 2, 65, 36);
        var sts = gpu.Empty(DType.Float32, [36]);
        gpu.SumToShape(x3, sts); Take(sts);
        var y = gpu.Empty(DType.Float32, [65, 36]);
        gpu.Softmax(x, y); Take(y);
        gpu.LogSoftmax(x, y); Take(y);
        gpu.L2Normalize(x, 1e-8, y); Take(y);
        var w = Upload(gpu, Random(11 * 36, 503), 11, 36);
        var dy = Upload(gpu, Random(65 * 11, 504), 65, 11);
        var dw = gpu.Empty(DType.Float32, [11, 36]);
        var db = gpu.Empty(DType.Float32, [11]);
        gpu.LinearBackward(dy, x, w, null, dw, db); Take(dw); Take(db);
        var t = Upload(gpu, Random(65 * 36, 505, 0, 1), 65, 36);
        gpu.BceWithLogits(x, t, s); Take(s);
        var labels = UploadInt(gpu, Enumerable.Range(0, 65).Select(i => i % 36).ToArray(), 65);
        gpu.SoftmaxCrossEntropy(x, labels, 0.1, s); Take(s);
        gpu.KnowledgeDistillation(x, t, 2.0, s); Take(s);
        var g = Upload(gpu, Random(36, 506), 36);
        var mean = gpu.Empty(DType.Float32, [65]);
        var rstd = gpu.Empty(DType.Float32, [65]);
        gpu.LayerNorm(x, g, g, 1e-6, y, mean, rstd); Take(y);
        var dx = gpu.Empty(DType.Float32, [65, 36]);
        var dg = gpu.Empty(DType.Float32, [36]);
        var dbeta = gpu.Empty(DType.Float32, [36]);
        gpu.LayerNormBackward(y, x, g, mean, rstd, dx, dg, dbeta); Take(dx); Take(dg); Take(dbeta);

        // The attention paths (GEMMs, softmax, batch sums of dPosAttn/dGates and of dkPatch over tasks).
        const int b = 2, n = 9, h = 3, d = 12;
        var qk = Upload(gpu, Random(b * n * 2 * d, 510), b, n, 2 * d);
        var v = Upload(gpu, Random(b * n * d, 511), b, n, d);
        var pos = Upload(gpu, Random(h * n * n, 512, 0.01, 1), h, n, n);
        var gates = Upload(gpu, [0.5f, -1f, 2f], h);
        var content = gpu.Empty(DType.Float32, [b, h, n, n]);
        var attn = gpu.Empty(DType.Float32, [b, h, n, n]);
        var o = gpu.Empty(DType.Float32, [b, n, d]);
        gpu.GpsaForward(qk, v, pos, gates, h, 0.5, content, attn, o); Take(o);
        var dqk = gpu.Empty(DType.Float32, [b, n, 2 * d]);
        var dv = gpu.Empty(DType.Float32, [b, n, d]);
        var dpos = gpu.Empty(DType.Float32, [h, n, n]);
        var dgates = gpu.Empty(DType.Float32, [h]);
        gpu.GpsaBackward(o, qk, v, pos, gates, h, 0.5, content, attn, dqk, dv, dpos, dgates);
        Take(dqk); Take(dv); Take(dpos); Take(dgates);
        var q = Upload(gpu, Random(3 * b * d, 513), 3, b, d);
        var tattn = gpu.Empty(DType.Float32, [3, b, h, 1 + n]);
        var to = gpu.Empty(DType.Float32, [3, b, d]);
        gpu.TaskAttentionForward(q, q, q, v, v, h, 0.5, tattn, to); Take(to);
        var dq = gpu.Empty(DType.Float32, [3, b, d]);
        var dkt = gpu.Empty(DType.Float32, [3, b, d]);
        var dvt = gpu.Empty(DType.Float32, [3, b, d]);
        var dkp = gpu.Empty(DType.Float32, [b, n, d]);
        var dvp = gpu.Empty(DType.Float32, [b, n, d]);
        gpu.TaskAttentionBackward(to, q, q, q, v, v, h, 0.5, tattn, dq, dkt, dvt, dkp, dvp);
        Take(dq); Take(dkp); Take(dvp);
        return results.ToArray();
    }

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    [Test]
    public void RepeatedRunsGiveTheSameBits()
    {
        var first = Bits(RunReductions());
        var second = Bits(RunReductions());
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void EmulatorScheduleDoesNotChangeTheBits()
    {
        if (Gpu.Driver is not EmulatorDriver emulator)
        {
            Assert.Ignore("schedule variation needs the CPU emulator (a real GPU schedules blocks itself)");
            return;
        }
        var saved = emulator.Schedule;
        try
        {
            emulator.Schedule = EmulatorSchedule.Forward;
            var forward = RunReductions();
            emulator.Schedule = EmulatorSchedule.Reverse;
            var reverse = RunReductions();
            emulator.Schedule = EmulatorSchedule.Random;
            var random = RunReductions();
            Assert.That(Bits(reverse), Is.EqualTo(Bits(forward)), "Reverse vs Forward schedule");
            Assert.That(Bits(random), Is.EqualTo(Bits(forward)), "Random vs Forward schedule");
        }
        finally
        {
            emulator.Schedule = saved;
        }
    }
}
